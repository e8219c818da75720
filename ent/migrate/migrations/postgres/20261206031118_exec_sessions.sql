-- Modify "projects" table
ALTER TABLE "projects" ADD COLUMN "exec_recording" boolean NOT NULL DEFAULT false;
-- Create "exec_sessions" table
CREATE TABLE "exec_sessions" ("id" character varying NOT NULL, "project_id" character varying NOT NULL, "cluster_id" character varying NOT NULL, "user" character varying NOT NULL, "kind" character varying NOT NULL, "protocol" character varying NOT NULL DEFAULT '', "namespace" character varying NOT NULL, "pod" character varying NOT NULL, "container" character varying NOT NULL DEFAULT '', "command" jsonb NULL, "tty" boolean NOT NULL DEFAULT false, "stdin" boolean NOT NULL DEFAULT false, "started_at" timestamptz NOT NULL, "ended_at" timestamptz NULL, "status" character varying NOT NULL DEFAULT '', "exit_code" bigint NULL, "recorded" boolean NOT NULL DEFAULT false, "recording" bytea NULL, "recording_size" bigint NOT NULL DEFAULT 0, "truncated" boolean NOT NULL DEFAULT false, PRIMARY KEY ("id"));
-- Create index "execsession_project_id_started_at" to table: "exec_sessions"
CREATE INDEX "execsession_project_id_started_at" ON "exec_sessions" ("project_id", "started_at");
