-- Drop index "operation_status" from table: "operations"
DROP INDEX "operation_status";
-- Modify "operations" table
ALTER TABLE "operations" ADD COLUMN "runner" character varying NOT NULL DEFAULT '', ADD COLUMN "replay" bytea NULL;
-- Create index "operation_status_runner" to table: "operations"
CREATE INDEX "operation_status_runner" ON "operations" ("status", "runner");
