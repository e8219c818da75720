-- Modify "clusters" table
ALTER TABLE "clusters" ADD COLUMN "register_token_hash" bytea NULL, ADD COLUMN "register_token_expires_at" timestamptz NULL, ADD COLUMN "agent_key_hash" bytea NULL;
