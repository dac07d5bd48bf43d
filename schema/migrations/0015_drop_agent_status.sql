-- agent_status (0001) was never read: the API and the dashboard compute agent figures in
-- app/progress and app/engine. A view nobody reads still has to be kept in step with every
-- change to agents and assignments, so it goes.
DROP VIEW IF EXISTS agent_status;
