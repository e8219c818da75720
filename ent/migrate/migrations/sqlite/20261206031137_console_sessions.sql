-- Create "sessions" table
CREATE TABLE `sessions` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `hash` blob NOT NULL, `token_id` text NOT NULL, `token_hash` blob NOT NULL, `expires_at` datetime NOT NULL, `revoked_at` datetime NULL, PRIMARY KEY (`id`));
-- Create index "sessions_hash_key" to table: "sessions"
CREATE UNIQUE INDEX `sessions_hash_key` ON `sessions` (`hash`);
-- Create index "session_expires_at" to table: "sessions"
CREATE INDEX `session_expires_at` ON `sessions` (`expires_at`);
-- Create index "session_token_id" to table: "sessions"
CREATE INDEX `session_token_id` ON `sessions` (`token_id`);
