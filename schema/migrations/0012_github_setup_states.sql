-- 0012_github_setup_states: the one-time `state` values /setup hands to GitHub with the App
-- manifest. GitHub's redirect to /setup/callback carries no API token, so the state is what
-- proves the callback answers a registration an admin started here. Only a SHA-256 of each state
-- is kept; a row is deleted when used or expired. In the database, not in memory, so the
-- callback may reach any replica.
CREATE TABLE github_setup_states (
  state_hash text PRIMARY KEY,
  org text,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
