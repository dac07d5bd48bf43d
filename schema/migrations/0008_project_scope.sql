-- 0008_project_scope: a token can be minted for one project ("fleet agents token NAME --project
-- owner/repo"); the agent holding it then claims and acts only there. NULL = every project (the
-- tokens minted before this, and agents the admin runs for the whole orchestrator). Stored as the
-- name, not the id, so a token can be minted before its project's plan is seeded.
ALTER TABLE agents
  ADD COLUMN project_scope text CHECK (project_scope IS NULL OR project_scope ~ '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$');

-- The example plan seeded for the zero-configuration demo: no GitHub Actions job may ever see it,
-- whatever its repository is called.
ALTER TABLE projects
  ADD COLUMN demo boolean NOT NULL DEFAULT false;
