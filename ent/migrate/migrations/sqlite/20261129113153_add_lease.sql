-- Create "leases" table
CREATE TABLE `leases` (`id` text NOT NULL, `name` text NOT NULL, `holder` text NOT NULL DEFAULT (''), `epoch` integer NOT NULL DEFAULT (0), `expires_at` datetime NOT NULL, `renewed_at` datetime NOT NULL, PRIMARY KEY (`id`));
-- Create index "leases_name_key" to table: "leases"
CREATE UNIQUE INDEX `leases_name_key` ON `leases` (`name`);
