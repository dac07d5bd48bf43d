-- 0014_project_names: GitHub treats owner and repository names case-insensitively, so does the
-- one project lookup (app/engine/sql/findProject.ts). This index serves it and, where the data
-- allows, makes "Acme/Fleet" and "acme/fleet" one project for every writer. A database that
-- already holds such a pair keeps both rows (the lookup picks the oldest) with a plain index:
-- refusing to start would strand the deployment over data an operator must merge by hand.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM projects GROUP BY lower(owner), lower(repo) HAVING count(*) > 1) THEN
    RAISE NOTICE 'projects differ only in letter case; merge them by hand, then create a unique index on (lower(owner), lower(repo))';
    CREATE INDEX projects_name_ci_idx ON projects (lower(owner), lower(repo));
  ELSE
    CREATE UNIQUE INDEX projects_name_ci_idx ON projects (lower(owner), lower(repo));
  END IF;
END $$;
