-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_projects" table
CREATE TABLE `new_projects` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `code` text NOT NULL, `description` text NOT NULL DEFAULT (''), `business_id` text NULL, `archived` bool NOT NULL DEFAULT (false), `exec_recording` bool NOT NULL DEFAULT (false), `exec_min_role` text NOT NULL DEFAULT ('DEVELOPER'), `kubeconfig_min_role` text NOT NULL DEFAULT ('VIEWER'), PRIMARY KEY (`id`));
-- Copy rows from old table "projects" to new temporary table "new_projects"
INSERT INTO `new_projects` (`id`, `created_at`, `updated_at`, `name`, `code`, `description`, `business_id`, `archived`, `exec_recording`) SELECT `id`, `created_at`, `updated_at`, `name`, `code`, `description`, `business_id`, `archived`, `exec_recording` FROM `projects`;
-- Drop "projects" table after copying rows
DROP TABLE `projects`;
-- Rename temporary table "new_projects" to "projects"
ALTER TABLE `new_projects` RENAME TO `projects`;
-- Create index "projects_name_key" to table: "projects"
CREATE UNIQUE INDEX `projects_name_key` ON `projects` (`name`);
-- Create index "projects_code_key" to table: "projects"
CREATE UNIQUE INDEX `projects_code_key` ON `projects` (`code`);
-- Create index "project_created_at" to table: "projects"
CREATE INDEX `project_created_at` ON `projects` (`created_at`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
