-- Create "chart_repositories" table
CREATE TABLE "chart_repositories" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "url" character varying NOT NULL, "kind" character varying NOT NULL, "username" character varying NOT NULL DEFAULT '', "sealed_password" bytea NULL, "plain_http" boolean NOT NULL DEFAULT false, "restricted" boolean NOT NULL DEFAULT false, "created_by" character varying NOT NULL DEFAULT '', "project_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- Create index "chartrepository_project_id_name" to table: "chart_repositories"
CREATE UNIQUE INDEX "chartrepository_project_id_name" ON "chart_repositories" ("project_id", "name");
