-- Modify "projects" table
ALTER TABLE "projects" ADD COLUMN "exec_min_role" character varying NOT NULL DEFAULT 'DEVELOPER', ADD COLUMN "kubeconfig_min_role" character varying NOT NULL DEFAULT 'VIEWER';
-- Modify "tokens" table
ALTER TABLE "tokens" ADD COLUMN "cluster_id" character varying NULL;
