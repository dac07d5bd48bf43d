-- 0011_task_pr_url: the pull request URL an agent reports with PATCH /api/tasks/:id/git, kept
-- beside pr_number so clients get the link without asking GitHub (or GitHub Enterprise) for it.
ALTER TABLE tasks ADD COLUMN pr_url text CHECK (pr_url IS NULL OR (length(pr_url) <= 2000 AND pr_url ~ '^https?://'));
