-- 0006_project_lease_settings: a repository's .github/fleet.yml may set its own lease length and
-- attempt limit; NULL means the orchestrator's defaults (LEASE_TTL_SECONDS, MAX_ATTEMPTS).
ALTER TABLE projects
  ADD COLUMN lease_ttl_seconds integer CHECK (lease_ttl_seconds BETWEEN 5 AND 86400),
  ADD COLUMN max_attempts integer CHECK (max_attempts BETWEEN 1 AND 100);
