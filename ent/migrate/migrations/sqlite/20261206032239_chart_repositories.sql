-- Create "chart_repositories" table
CREATE TABLE `chart_repositories` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `url` text NOT NULL, `kind` text NOT NULL, `username` text NOT NULL DEFAULT (''), `sealed_password` blob NULL, `plain_http` bool NOT NULL DEFAULT (false), `restricted` bool NOT NULL DEFAULT (false), `created_by` text NOT NULL DEFAULT (''), `project_id` text NOT NULL, PRIMARY KEY (`id`));
-- Create index "chartrepository_project_id_name" to table: "chart_repositories"
CREATE UNIQUE INDEX `chartrepository_project_id_name` ON `chart_repositories` (`project_id`, `name`);
