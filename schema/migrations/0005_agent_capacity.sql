-- 0005_agent_capacity: an agent never holds more live assignments than its capacity, whichever
-- path writes them. The check locks the agent row first, so claims of one agent serialise here,
-- and counts in a fresh snapshot (a statement inside a function sees what committed meanwhile),
-- which lets the claim be one statement without an explicit transaction.
CREATE FUNCTION fleet_check_agent_capacity() RETURNS trigger AS $$
DECLARE
  cap integer;
  is_active boolean;
  held integer;
BEGIN
  SELECT capacity, active INTO cap, is_active FROM agents WHERE id = NEW.agent_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NEW;
  END IF;
  IF NOT is_active THEN
    RAISE EXCEPTION 'agent_inactive: agent % is deactivated', NEW.agent_id USING ERRCODE = 'P0001';
  END IF;
  SELECT count(*) INTO held FROM assignments WHERE agent_id = NEW.agent_id AND status = 'active';
  IF held >= cap THEN
    RAISE EXCEPTION 'agent_at_capacity: agent % holds % of % assignments', NEW.agent_id, held, cap USING ERRCODE = 'P0001';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER assignments_agent_capacity BEFORE INSERT ON assignments
  FOR EACH ROW WHEN (NEW.status = 'active' AND NEW.agent_id IS NOT NULL)
  EXECUTE FUNCTION fleet_check_agent_capacity();
