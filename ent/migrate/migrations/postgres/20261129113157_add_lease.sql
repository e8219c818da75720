-- Create "leases" table
CREATE TABLE "leases" ("id" character varying NOT NULL, "name" character varying NOT NULL, "holder" character varying NOT NULL DEFAULT '', "epoch" bigint NOT NULL DEFAULT 0, "expires_at" timestamptz NOT NULL, "renewed_at" timestamptz NOT NULL, PRIMARY KEY ("id"));
-- Create index "leases_name_key" to table: "leases"
CREATE UNIQUE INDEX "leases_name_key" ON "leases" ("name");
