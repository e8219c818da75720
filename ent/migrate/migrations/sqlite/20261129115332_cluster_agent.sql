-- Add column "register_token_hash" to table: "clusters"
ALTER TABLE `clusters` ADD COLUMN `register_token_hash` blob NULL;
-- Add column "register_token_expires_at" to table: "clusters"
ALTER TABLE `clusters` ADD COLUMN `register_token_expires_at` datetime NULL;
-- Add column "agent_key_hash" to table: "clusters"
ALTER TABLE `clusters` ADD COLUMN `agent_key_hash` blob NULL;
