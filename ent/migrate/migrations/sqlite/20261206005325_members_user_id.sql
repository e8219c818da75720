-- Create index "member_user_id" to table: "members"
CREATE INDEX `member_user_id` ON `members` (`user_id`);
