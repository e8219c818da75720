-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_clusters" table
CREATE TABLE `new_clusters` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `kind` text NOT NULL, `environment` text NOT NULL DEFAULT ('DEV'), `status` text NOT NULL DEFAULT ('REGISTERING'), `status_message` text NOT NULL DEFAULT (''), `version` text NOT NULL DEFAULT (''), `endpoint` text NOT NULL DEFAULT (''), `credentials` blob NULL, `capacity` json NULL, `labels` json NULL, `last_seen_at` datetime NULL, `register_token_hash` blob NULL, `register_token_expires_at` datetime NULL, `agent_key_hash` blob NULL, `restricted` bool NOT NULL DEFAULT (false), `project_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `clusters_projects_clusters` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION);
-- Copy rows from old table "clusters" to new temporary table "new_clusters"
INSERT INTO `new_clusters` (`id`, `created_at`, `updated_at`, `name`, `kind`, `environment`, `status`, `status_message`, `version`, `endpoint`, `credentials`, `capacity`, `labels`, `last_seen_at`, `register_token_hash`, `register_token_expires_at`, `agent_key_hash`, `project_id`) SELECT `id`, `created_at`, `updated_at`, `name`, `kind`, `environment`, `status`, `status_message`, `version`, `endpoint`, `credentials`, `capacity`, `labels`, `last_seen_at`, `register_token_hash`, `register_token_expires_at`, `agent_key_hash`, `project_id` FROM `clusters`;
-- Drop "clusters" table after copying rows
DROP TABLE `clusters`;
-- Rename temporary table "new_clusters" to "clusters"
ALTER TABLE `new_clusters` RENAME TO `clusters`;
-- Create index "cluster_project_id_name" to table: "clusters"
CREATE UNIQUE INDEX `cluster_project_id_name` ON `clusters` (`project_id`, `name`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
