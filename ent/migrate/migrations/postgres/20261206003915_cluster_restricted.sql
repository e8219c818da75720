-- Modify "clusters" table
ALTER TABLE "clusters" ADD COLUMN "restricted" boolean NOT NULL DEFAULT false;
