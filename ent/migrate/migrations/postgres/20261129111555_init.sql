-- Create "operations" table
CREATE TABLE "operations" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "action" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'PENDING', "target_kind" character varying NOT NULL DEFAULT '', "target_namespace" character varying NOT NULL DEFAULT '', "target_name" character varying NOT NULL DEFAULT '', "request" jsonb NULL, "result" jsonb NULL, "reason" character varying NOT NULL DEFAULT '', "message" text NOT NULL DEFAULT '', "created_by" character varying NOT NULL DEFAULT '', "started_at" timestamptz NULL, "finished_at" timestamptz NULL, "cluster_id" character varying NULL, "project_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- Create index "operation_project_id_created_at" to table: "operations"
CREATE INDEX "operation_project_id_created_at" ON "operations" ("project_id", "created_at");
-- Create index "operation_status" to table: "operations"
CREATE INDEX "operation_status" ON "operations" ("status");
-- Create "changes" table
CREATE TABLE "changes" ("id" character varying NOT NULL, "revision" bigint NOT NULL, "cluster_id" character varying NOT NULL, "project_id" character varying NOT NULL, "kind" character varying NOT NULL, "namespace" character varying NOT NULL DEFAULT '', "name" character varying NOT NULL, "object_id" character varying NULL, "type" character varying NOT NULL, "object" jsonb NULL, "created_at" timestamptz NOT NULL, PRIMARY KEY ("id"));
-- Create index "change_cluster_id_revision" to table: "changes"
CREATE INDEX "change_cluster_id_revision" ON "changes" ("cluster_id", "revision");
-- Create index "change_created_at" to table: "changes"
CREATE INDEX "change_created_at" ON "changes" ("created_at");
-- Create index "change_project_id_revision" to table: "changes"
CREATE INDEX "change_project_id_revision" ON "changes" ("project_id", "revision");
-- Create index "changes_revision_key" to table: "changes"
CREATE UNIQUE INDEX "changes_revision_key" ON "changes" ("revision");
-- Create "projects" table
CREATE TABLE "projects" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "code" character varying NOT NULL, "description" text NOT NULL DEFAULT '', "business_id" character varying NULL, "archived" boolean NOT NULL DEFAULT false, PRIMARY KEY ("id"));
-- Create index "project_created_at" to table: "projects"
CREATE INDEX "project_created_at" ON "projects" ("created_at");
-- Create index "projects_code_key" to table: "projects"
CREATE UNIQUE INDEX "projects_code_key" ON "projects" ("code");
-- Create index "projects_name_key" to table: "projects"
CREATE UNIQUE INDEX "projects_name_key" ON "projects" ("name");
-- Create "audit_entries" table
CREATE TABLE "audit_entries" ("id" character varying NOT NULL, "actor" character varying NOT NULL DEFAULT '', "actor_id" character varying NOT NULL DEFAULT '', "action" character varying NOT NULL, "target_type" character varying NOT NULL DEFAULT '', "target_id" character varying NOT NULL DEFAULT '', "project_id" character varying NOT NULL DEFAULT '', "arguments" jsonb NULL, "result" character varying NOT NULL, "error" character varying NOT NULL DEFAULT '', "request_id" character varying NOT NULL DEFAULT '', "created_at" timestamptz NOT NULL, PRIMARY KEY ("id"));
-- Create index "auditentry_created_at" to table: "audit_entries"
CREATE INDEX "auditentry_created_at" ON "audit_entries" ("created_at");
-- Create index "auditentry_project_id_created_at" to table: "audit_entries"
CREATE INDEX "auditentry_project_id_created_at" ON "audit_entries" ("project_id", "created_at");
-- Create "clusters" table
CREATE TABLE "clusters" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "kind" character varying NOT NULL, "environment" character varying NOT NULL DEFAULT 'DEV', "status" character varying NOT NULL DEFAULT 'REGISTERING', "status_message" character varying NOT NULL DEFAULT '', "version" character varying NOT NULL DEFAULT '', "endpoint" character varying NOT NULL DEFAULT '', "credentials" bytea NULL, "capacity" jsonb NULL, "labels" jsonb NULL, "last_seen_at" timestamptz NULL, "project_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "clusters_projects_clusters" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "cluster_project_id_name" to table: "clusters"
CREATE UNIQUE INDEX "cluster_project_id_name" ON "clusters" ("project_id", "name");
-- Create "cluster_nodes" table
CREATE TABLE "cluster_nodes" ("id" character varying NOT NULL, "project_id" character varying NOT NULL, "resource_version" character varying NOT NULL DEFAULT '', "observed_at" timestamptz NOT NULL, "name" character varying NOT NULL, "status" character varying NOT NULL DEFAULT '', "unschedulable" boolean NOT NULL DEFAULT false, "internal_ip" character varying NOT NULL DEFAULT '', "version" character varying NOT NULL DEFAULT '', "roles" jsonb NULL, "labels" jsonb NULL, "taints" jsonb NULL, "capacity" jsonb NULL, "allocatable" jsonb NULL, "cluster_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "cluster_nodes_clusters_nodes" FOREIGN KEY ("cluster_id") REFERENCES "clusters" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "clusternode_cluster_id_name" to table: "cluster_nodes"
CREATE UNIQUE INDEX "clusternode_cluster_id_name" ON "cluster_nodes" ("cluster_id", "name");
-- Create index "clusternode_project_id" to table: "cluster_nodes"
CREATE INDEX "clusternode_project_id" ON "cluster_nodes" ("project_id");
-- Create "templates" table
CREATE TABLE "templates" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "description" text NOT NULL DEFAULT '', "kind" character varying NOT NULL, "draft" text NOT NULL DEFAULT '', "locked" boolean NOT NULL DEFAULT false, "project_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "templates_projects_templates" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "template_project_id_name" to table: "templates"
CREATE UNIQUE INDEX "template_project_id_name" ON "templates" ("project_id", "name");
-- Create "template_versions" table
CREATE TABLE "template_versions" ("id" character varying NOT NULL, "label" character varying NOT NULL, "note" text NOT NULL DEFAULT '', "content" text NOT NULL, "digest" character varying NOT NULL, "created_by" character varying NOT NULL DEFAULT '', "created_at" timestamptz NOT NULL, "template_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "template_versions_templates_versions" FOREIGN KEY ("template_id") REFERENCES "templates" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "templateversion_template_id_label" to table: "template_versions"
CREATE UNIQUE INDEX "templateversion_template_id_label" ON "template_versions" ("template_id", "label");
-- Create "instances" table
CREATE TABLE "instances" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "namespace" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'PENDING', "objects" jsonb NULL, "variables" jsonb NULL, "previous_version_id" character varying NULL, "cluster_id" character varying NOT NULL, "project_id" character varying NOT NULL, "version_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "instances_template_versions_instances" FOREIGN KEY ("version_id") REFERENCES "template_versions" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "instance_cluster_id_namespace" to table: "instances"
CREATE INDEX "instance_cluster_id_namespace" ON "instances" ("cluster_id", "namespace");
-- Create index "instance_project_id" to table: "instances"
CREATE INDEX "instance_project_id" ON "instances" ("project_id");
-- Create "users" table
CREATE TABLE "users" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "display_name" character varying NOT NULL DEFAULT '', "email" character varying NULL, "admin" boolean NOT NULL DEFAULT false, "disabled" boolean NOT NULL DEFAULT false, PRIMARY KEY ("id"));
-- Create index "users_name_key" to table: "users"
CREATE UNIQUE INDEX "users_name_key" ON "users" ("name");
-- Create "members" table
CREATE TABLE "members" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "role" character varying NOT NULL, "project_id" character varying NOT NULL, "user_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "members_projects_members" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "members_users_memberships" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "member_project_id_user_id" to table: "members"
CREATE UNIQUE INDEX "member_project_id_user_id" ON "members" ("project_id", "user_id");
-- Create "namespaces" table
CREATE TABLE "namespaces" ("id" character varying NOT NULL, "project_id" character varying NOT NULL, "resource_version" character varying NOT NULL DEFAULT '', "observed_at" timestamptz NOT NULL, "name" character varying NOT NULL, "status" character varying NOT NULL DEFAULT '', "labels" jsonb NULL, "quota" jsonb NULL, "cluster_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "namespaces_clusters_namespaces" FOREIGN KEY ("cluster_id") REFERENCES "clusters" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "namespace_cluster_id_name" to table: "namespaces"
CREATE UNIQUE INDEX "namespace_cluster_id_name" ON "namespaces" ("cluster_id", "name");
-- Create index "namespace_project_id" to table: "namespaces"
CREATE INDEX "namespace_project_id" ON "namespaces" ("project_id");
-- Create "workloads" table
CREATE TABLE "workloads" ("id" character varying NOT NULL, "project_id" character varying NOT NULL, "resource_version" character varying NOT NULL DEFAULT '', "observed_at" timestamptz NOT NULL, "kind" character varying NOT NULL, "namespace" character varying NOT NULL, "name" character varying NOT NULL, "desired" bigint NOT NULL DEFAULT 0, "ready" bigint NOT NULL DEFAULT 0, "updated" bigint NOT NULL DEFAULT 0, "available" bigint NOT NULL DEFAULT 0, "images" jsonb NULL, "labels" jsonb NULL, "spec" jsonb NULL, "status" jsonb NULL, "cluster_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "workloads_clusters_workloads" FOREIGN KEY ("cluster_id") REFERENCES "clusters" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "workload_cluster_id_kind_namespace_name" to table: "workloads"
CREATE UNIQUE INDEX "workload_cluster_id_kind_namespace_name" ON "workloads" ("cluster_id", "kind", "namespace", "name");
-- Create index "workload_project_id_namespace" to table: "workloads"
CREATE INDEX "workload_project_id_namespace" ON "workloads" ("project_id", "namespace");
-- Create "pods" table
CREATE TABLE "pods" ("id" character varying NOT NULL, "project_id" character varying NOT NULL, "resource_version" character varying NOT NULL DEFAULT '', "observed_at" timestamptz NOT NULL, "namespace" character varying NOT NULL, "name" character varying NOT NULL, "phase" character varying NOT NULL DEFAULT '', "node_name" character varying NOT NULL DEFAULT '', "pod_ip" character varying NOT NULL DEFAULT '', "host_ip" character varying NOT NULL DEFAULT '', "restarts" bigint NOT NULL DEFAULT 0, "owner_kind" character varying NOT NULL DEFAULT '', "owner_name" character varying NOT NULL DEFAULT '', "images" jsonb NULL, "labels" jsonb NULL, "started_at" timestamptz NULL, "cluster_id" character varying NOT NULL, "workload_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "pods_clusters_pods" FOREIGN KEY ("cluster_id") REFERENCES "clusters" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "pods_workloads_pods" FOREIGN KEY ("workload_id") REFERENCES "workloads" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "pod_cluster_id_namespace_name" to table: "pods"
CREATE UNIQUE INDEX "pod_cluster_id_namespace_name" ON "pods" ("cluster_id", "namespace", "name");
-- Create index "pod_project_id" to table: "pods"
CREATE INDEX "pod_project_id" ON "pods" ("project_id");
-- Create "tokens" table
CREATE TABLE "tokens" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "hash" bytea NOT NULL, "expires_at" timestamptz NULL, "last_used_at" timestamptz NULL, "revoked_at" timestamptz NULL, "user_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "tokens_users_tokens" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "tokens_hash_key" to table: "tokens"
CREATE UNIQUE INDEX "tokens_hash_key" ON "tokens" ("hash");
-- Create "variables" table
CREATE TABLE "variables" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "key" character varying NOT NULL, "value" character varying NOT NULL DEFAULT '', "description" character varying NOT NULL DEFAULT '', "scope" character varying NOT NULL DEFAULT 'GLOBAL', "cluster_id" character varying NOT NULL DEFAULT '', "namespace" character varying NOT NULL DEFAULT '', "project_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "variables_projects_variables" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "variable_project_id_key_scope_cluster_id_namespace" to table: "variables"
CREATE UNIQUE INDEX "variable_project_id_key_scope_cluster_id_namespace" ON "variables" ("project_id", "key", "scope", "cluster_id", "namespace");
