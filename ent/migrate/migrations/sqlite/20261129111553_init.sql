-- Create "audit_entries" table
CREATE TABLE `audit_entries` (`id` text NOT NULL, `actor` text NOT NULL DEFAULT (''), `actor_id` text NOT NULL DEFAULT (''), `action` text NOT NULL, `target_type` text NOT NULL DEFAULT (''), `target_id` text NOT NULL DEFAULT (''), `project_id` text NOT NULL DEFAULT (''), `arguments` json NULL, `result` text NOT NULL, `error` text NOT NULL DEFAULT (''), `request_id` text NOT NULL DEFAULT (''), `created_at` datetime NOT NULL, PRIMARY KEY (`id`));
-- Create index "auditentry_project_id_created_at" to table: "audit_entries"
CREATE INDEX `auditentry_project_id_created_at` ON `audit_entries` (`project_id`, `created_at`);
-- Create index "auditentry_created_at" to table: "audit_entries"
CREATE INDEX `auditentry_created_at` ON `audit_entries` (`created_at`);
-- Create "changes" table
CREATE TABLE `changes` (`id` text NOT NULL, `revision` integer NOT NULL, `cluster_id` text NOT NULL, `project_id` text NOT NULL, `kind` text NOT NULL, `namespace` text NOT NULL DEFAULT (''), `name` text NOT NULL, `object_id` text NULL, `type` text NOT NULL, `object` json NULL, `created_at` datetime NOT NULL, PRIMARY KEY (`id`));
-- Create index "changes_revision_key" to table: "changes"
CREATE UNIQUE INDEX `changes_revision_key` ON `changes` (`revision`);
-- Create index "change_project_id_revision" to table: "changes"
CREATE INDEX `change_project_id_revision` ON `changes` (`project_id`, `revision`);
-- Create index "change_cluster_id_revision" to table: "changes"
CREATE INDEX `change_cluster_id_revision` ON `changes` (`cluster_id`, `revision`);
-- Create index "change_created_at" to table: "changes"
CREATE INDEX `change_created_at` ON `changes` (`created_at`);
-- Create "clusters" table
CREATE TABLE `clusters` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `kind` text NOT NULL, `environment` text NOT NULL DEFAULT ('DEV'), `status` text NOT NULL DEFAULT ('REGISTERING'), `status_message` text NOT NULL DEFAULT (''), `version` text NOT NULL DEFAULT (''), `endpoint` text NOT NULL DEFAULT (''), `credentials` blob NULL, `capacity` json NULL, `labels` json NULL, `last_seen_at` datetime NULL, `project_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `clusters_projects_clusters` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION);
-- Create index "cluster_project_id_name" to table: "clusters"
CREATE UNIQUE INDEX `cluster_project_id_name` ON `clusters` (`project_id`, `name`);
-- Create "cluster_nodes" table
CREATE TABLE `cluster_nodes` (`id` text NOT NULL, `project_id` text NOT NULL, `resource_version` text NOT NULL DEFAULT (''), `observed_at` datetime NOT NULL, `name` text NOT NULL, `status` text NOT NULL DEFAULT (''), `unschedulable` bool NOT NULL DEFAULT (false), `internal_ip` text NOT NULL DEFAULT (''), `version` text NOT NULL DEFAULT (''), `roles` json NULL, `labels` json NULL, `taints` json NULL, `capacity` json NULL, `allocatable` json NULL, `cluster_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `cluster_nodes_clusters_nodes` FOREIGN KEY (`cluster_id`) REFERENCES `clusters` (`id`) ON DELETE NO ACTION);
-- Create index "clusternode_cluster_id_name" to table: "cluster_nodes"
CREATE UNIQUE INDEX `clusternode_cluster_id_name` ON `cluster_nodes` (`cluster_id`, `name`);
-- Create index "clusternode_project_id" to table: "cluster_nodes"
CREATE INDEX `clusternode_project_id` ON `cluster_nodes` (`project_id`);
-- Create "instances" table
CREATE TABLE `instances` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `namespace` text NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `objects` json NULL, `variables` json NULL, `previous_version_id` text NULL, `cluster_id` text NOT NULL, `project_id` text NOT NULL, `version_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `instances_template_versions_instances` FOREIGN KEY (`version_id`) REFERENCES `template_versions` (`id`) ON DELETE NO ACTION);
-- Create index "instance_project_id" to table: "instances"
CREATE INDEX `instance_project_id` ON `instances` (`project_id`);
-- Create index "instance_cluster_id_namespace" to table: "instances"
CREATE INDEX `instance_cluster_id_namespace` ON `instances` (`cluster_id`, `namespace`);
-- Create "members" table
CREATE TABLE `members` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `role` text NOT NULL, `project_id` text NOT NULL, `user_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `members_projects_members` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION, CONSTRAINT `members_users_memberships` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "member_project_id_user_id" to table: "members"
CREATE UNIQUE INDEX `member_project_id_user_id` ON `members` (`project_id`, `user_id`);
-- Create "namespaces" table
CREATE TABLE `namespaces` (`id` text NOT NULL, `project_id` text NOT NULL, `resource_version` text NOT NULL DEFAULT (''), `observed_at` datetime NOT NULL, `name` text NOT NULL, `status` text NOT NULL DEFAULT (''), `labels` json NULL, `quota` json NULL, `cluster_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `namespaces_clusters_namespaces` FOREIGN KEY (`cluster_id`) REFERENCES `clusters` (`id`) ON DELETE NO ACTION);
-- Create index "namespace_cluster_id_name" to table: "namespaces"
CREATE UNIQUE INDEX `namespace_cluster_id_name` ON `namespaces` (`cluster_id`, `name`);
-- Create index "namespace_project_id" to table: "namespaces"
CREATE INDEX `namespace_project_id` ON `namespaces` (`project_id`);
-- Create "operations" table
CREATE TABLE `operations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `action` text NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `target_kind` text NOT NULL DEFAULT (''), `target_namespace` text NOT NULL DEFAULT (''), `target_name` text NOT NULL DEFAULT (''), `request` json NULL, `result` json NULL, `reason` text NOT NULL DEFAULT (''), `message` text NOT NULL DEFAULT (''), `created_by` text NOT NULL DEFAULT (''), `started_at` datetime NULL, `finished_at` datetime NULL, `cluster_id` text NULL, `project_id` text NOT NULL, PRIMARY KEY (`id`));
-- Create index "operation_project_id_created_at" to table: "operations"
CREATE INDEX `operation_project_id_created_at` ON `operations` (`project_id`, `created_at`);
-- Create index "operation_status" to table: "operations"
CREATE INDEX `operation_status` ON `operations` (`status`);
-- Create "pods" table
CREATE TABLE `pods` (`id` text NOT NULL, `project_id` text NOT NULL, `resource_version` text NOT NULL DEFAULT (''), `observed_at` datetime NOT NULL, `namespace` text NOT NULL, `name` text NOT NULL, `phase` text NOT NULL DEFAULT (''), `node_name` text NOT NULL DEFAULT (''), `pod_ip` text NOT NULL DEFAULT (''), `host_ip` text NOT NULL DEFAULT (''), `restarts` integer NOT NULL DEFAULT (0), `owner_kind` text NOT NULL DEFAULT (''), `owner_name` text NOT NULL DEFAULT (''), `images` json NULL, `labels` json NULL, `started_at` datetime NULL, `cluster_id` text NOT NULL, `workload_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `pods_clusters_pods` FOREIGN KEY (`cluster_id`) REFERENCES `clusters` (`id`) ON DELETE NO ACTION, CONSTRAINT `pods_workloads_pods` FOREIGN KEY (`workload_id`) REFERENCES `workloads` (`id`) ON DELETE SET NULL);
-- Create index "pod_cluster_id_namespace_name" to table: "pods"
CREATE UNIQUE INDEX `pod_cluster_id_namespace_name` ON `pods` (`cluster_id`, `namespace`, `name`);
-- Create index "pod_project_id" to table: "pods"
CREATE INDEX `pod_project_id` ON `pods` (`project_id`);
-- Create "projects" table
CREATE TABLE `projects` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `code` text NOT NULL, `description` text NOT NULL DEFAULT (''), `business_id` text NULL, `archived` bool NOT NULL DEFAULT (false), PRIMARY KEY (`id`));
-- Create index "projects_name_key" to table: "projects"
CREATE UNIQUE INDEX `projects_name_key` ON `projects` (`name`);
-- Create index "projects_code_key" to table: "projects"
CREATE UNIQUE INDEX `projects_code_key` ON `projects` (`code`);
-- Create index "project_created_at" to table: "projects"
CREATE INDEX `project_created_at` ON `projects` (`created_at`);
-- Create "templates" table
CREATE TABLE `templates` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `description` text NOT NULL DEFAULT (''), `kind` text NOT NULL, `draft` text NOT NULL DEFAULT (''), `locked` bool NOT NULL DEFAULT (false), `project_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `templates_projects_templates` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION);
-- Create index "template_project_id_name" to table: "templates"
CREATE UNIQUE INDEX `template_project_id_name` ON `templates` (`project_id`, `name`);
-- Create "template_versions" table
CREATE TABLE `template_versions` (`id` text NOT NULL, `label` text NOT NULL, `note` text NOT NULL DEFAULT (''), `content` text NOT NULL, `digest` text NOT NULL, `created_by` text NOT NULL DEFAULT (''), `created_at` datetime NOT NULL, `template_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `template_versions_templates_versions` FOREIGN KEY (`template_id`) REFERENCES `templates` (`id`) ON DELETE NO ACTION);
-- Create index "templateversion_template_id_label" to table: "template_versions"
CREATE UNIQUE INDEX `templateversion_template_id_label` ON `template_versions` (`template_id`, `label`);
-- Create "tokens" table
CREATE TABLE `tokens` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `hash` blob NOT NULL, `expires_at` datetime NULL, `last_used_at` datetime NULL, `revoked_at` datetime NULL, `user_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `tokens_users_tokens` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "tokens_hash_key" to table: "tokens"
CREATE UNIQUE INDEX `tokens_hash_key` ON `tokens` (`hash`);
-- Create "users" table
CREATE TABLE `users` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `display_name` text NOT NULL DEFAULT (''), `email` text NULL, `admin` bool NOT NULL DEFAULT (false), `disabled` bool NOT NULL DEFAULT (false), PRIMARY KEY (`id`));
-- Create index "users_name_key" to table: "users"
CREATE UNIQUE INDEX `users_name_key` ON `users` (`name`);
-- Create "variables" table
CREATE TABLE `variables` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `key` text NOT NULL, `value` text NOT NULL DEFAULT (''), `description` text NOT NULL DEFAULT (''), `scope` text NOT NULL DEFAULT ('GLOBAL'), `cluster_id` text NOT NULL DEFAULT (''), `namespace` text NOT NULL DEFAULT (''), `project_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `variables_projects_variables` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION);
-- Create index "variable_project_id_key_scope_cluster_id_namespace" to table: "variables"
CREATE UNIQUE INDEX `variable_project_id_key_scope_cluster_id_namespace` ON `variables` (`project_id`, `key`, `scope`, `cluster_id`, `namespace`);
-- Create "workloads" table
CREATE TABLE `workloads` (`id` text NOT NULL, `project_id` text NOT NULL, `resource_version` text NOT NULL DEFAULT (''), `observed_at` datetime NOT NULL, `kind` text NOT NULL, `namespace` text NOT NULL, `name` text NOT NULL, `desired` integer NOT NULL DEFAULT (0), `ready` integer NOT NULL DEFAULT (0), `updated` integer NOT NULL DEFAULT (0), `available` integer NOT NULL DEFAULT (0), `images` json NULL, `labels` json NULL, `spec` json NULL, `status` json NULL, `cluster_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `workloads_clusters_workloads` FOREIGN KEY (`cluster_id`) REFERENCES `clusters` (`id`) ON DELETE NO ACTION);
-- Create index "workload_cluster_id_kind_namespace_name" to table: "workloads"
CREATE UNIQUE INDEX `workload_cluster_id_kind_namespace_name` ON `workloads` (`cluster_id`, `kind`, `namespace`, `name`);
-- Create index "workload_project_id_namespace" to table: "workloads"
CREATE INDEX `workload_project_id_namespace` ON `workloads` (`project_id`, `namespace`);
