-- Create "sessions" table
CREATE TABLE "sessions" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "hash" bytea NOT NULL, "token_id" character varying NOT NULL, "token_hash" bytea NOT NULL, "expires_at" timestamptz NOT NULL, "revoked_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "session_expires_at" to table: "sessions"
CREATE INDEX "session_expires_at" ON "sessions" ("expires_at");
-- Create index "session_token_id" to table: "sessions"
CREATE INDEX "session_token_id" ON "sessions" ("token_id");
-- Create index "sessions_hash_key" to table: "sessions"
CREATE UNIQUE INDEX "sessions_hash_key" ON "sessions" ("hash");
