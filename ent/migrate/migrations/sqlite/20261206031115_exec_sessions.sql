-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_projects" table
CREATE TABLE `new_projects` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `code` text NOT NULL, `description` text NOT NULL DEFAULT (''), `business_id` text NULL, `archived` bool NOT NULL DEFAULT (false), `exec_recording` bool NOT NULL DEFAULT (false), PRIMARY KEY (`id`));
-- Copy rows from old table "projects" to new temporary table "new_projects"
INSERT INTO `new_projects` (`id`, `created_at`, `updated_at`, `name`, `code`, `description`, `business_id`, `archived`) SELECT `id`, `created_at`, `updated_at`, `name`, `code`, `description`, `business_id`, `archived` FROM `projects`;
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
-- Create "exec_sessions" table
CREATE TABLE `exec_sessions` (`id` text NOT NULL, `project_id` text NOT NULL, `cluster_id` text NOT NULL, `user` text NOT NULL, `kind` text NOT NULL, `protocol` text NOT NULL DEFAULT (''), `namespace` text NOT NULL, `pod` text NOT NULL, `container` text NOT NULL DEFAULT (''), `command` json NULL, `tty` bool NOT NULL DEFAULT (false), `stdin` bool NOT NULL DEFAULT (false), `started_at` datetime NOT NULL, `ended_at` datetime NULL, `status` text NOT NULL DEFAULT (''), `exit_code` integer NULL, `recorded` bool NOT NULL DEFAULT (false), `recording` blob NULL, `recording_size` integer NOT NULL DEFAULT (0), `truncated` bool NOT NULL DEFAULT (false), PRIMARY KEY (`id`));
-- Create index "execsession_project_id_started_at" to table: "exec_sessions"
CREATE INDEX `execsession_project_id_started_at` ON `exec_sessions` (`project_id`, `started_at`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
