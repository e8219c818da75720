-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_operations" table
CREATE TABLE `new_operations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `action` text NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `target_kind` text NOT NULL DEFAULT (''), `target_namespace` text NOT NULL DEFAULT (''), `target_name` text NOT NULL DEFAULT (''), `request` json NULL, `result` json NULL, `reason` text NOT NULL DEFAULT (''), `message` text NOT NULL DEFAULT (''), `created_by` text NOT NULL DEFAULT (''), `started_at` datetime NULL, `finished_at` datetime NULL, `cluster_id` text NULL, `project_id` text NOT NULL, `runner` text NOT NULL DEFAULT (''), `replay` blob NULL, PRIMARY KEY (`id`));
-- Copy rows from old table "operations" to new temporary table "new_operations"
INSERT INTO `new_operations` (`id`, `created_at`, `updated_at`, `action`, `status`, `target_kind`, `target_namespace`, `target_name`, `request`, `result`, `reason`, `message`, `created_by`, `started_at`, `finished_at`, `cluster_id`, `project_id`) SELECT `id`, `created_at`, `updated_at`, `action`, `status`, `target_kind`, `target_namespace`, `target_name`, `request`, `result`, `reason`, `message`, `created_by`, `started_at`, `finished_at`, `cluster_id`, `project_id` FROM `operations`;
-- Drop "operations" table after copying rows
DROP TABLE `operations`;
-- Rename temporary table "new_operations" to "operations"
ALTER TABLE `new_operations` RENAME TO `operations`;
-- Create index "operation_project_id_created_at" to table: "operations"
CREATE INDEX `operation_project_id_created_at` ON `operations` (`project_id`, `created_at`);
-- Create index "operation_status_runner" to table: "operations"
CREATE INDEX `operation_status_runner` ON `operations` (`status`, `runner`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
