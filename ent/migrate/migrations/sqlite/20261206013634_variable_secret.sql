-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_variables" table
CREATE TABLE `new_variables` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `key` text NOT NULL, `value` text NOT NULL DEFAULT (''), `secret` bool NOT NULL DEFAULT (false), `sealed_value` blob NULL, `description` text NOT NULL DEFAULT (''), `scope` text NOT NULL DEFAULT ('GLOBAL'), `cluster_id` text NOT NULL DEFAULT (''), `namespace` text NOT NULL DEFAULT (''), `project_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `variables_projects_variables` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION);
-- Copy rows from old table "variables" to new temporary table "new_variables"
INSERT INTO `new_variables` (`id`, `created_at`, `updated_at`, `key`, `value`, `description`, `scope`, `cluster_id`, `namespace`, `project_id`) SELECT `id`, `created_at`, `updated_at`, `key`, `value`, `description`, `scope`, `cluster_id`, `namespace`, `project_id` FROM `variables`;
-- Drop "variables" table after copying rows
DROP TABLE `variables`;
-- Rename temporary table "new_variables" to "variables"
ALTER TABLE `new_variables` RENAME TO `variables`;
-- Create index "variable_project_id_key_scope_cluster_id_namespace" to table: "variables"
CREATE UNIQUE INDEX `variable_project_id_key_scope_cluster_id_namespace` ON `variables` (`project_id`, `key`, `scope`, `cluster_id`, `namespace`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
