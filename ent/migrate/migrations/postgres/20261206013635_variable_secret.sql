-- Modify "variables" table
ALTER TABLE "variables" ADD COLUMN "secret" boolean NOT NULL DEFAULT false, ADD COLUMN "sealed_value" bytea NULL;
