-- 0009_webhook_lanes: replays, ordered lanes and short leases for stored webhook deliveries.
--
-- body_hash: sha256 of the event name and the exact body. A captured delivery re-sent under a
-- new X-GitHub-Delivery id carries the same hash and is answered like a duplicate.
-- lane: 'write' for events whose handlers write to GitHub (comments, plan sync, dispatch),
-- 'read' for events that mostly record evidence (checks, runs, reviews, PR state), so the
-- latter never queue behind another delivery's writes.
ALTER TABLE webhook_deliveries
  ADD COLUMN body_hash text,
  ADD COLUMN lane text NOT NULL DEFAULT 'write';

CREATE UNIQUE INDEX webhook_deliveries_body_hash_uniq ON webhook_deliveries (body_hash);

-- What a processor looks for: the oldest unprocessed delivery of one installation's lane.
CREATE INDEX webhook_deliveries_lane_idx ON webhook_deliveries (COALESCE(installation_id, 0), lane, received_at, delivery_id)
  WHERE processed_at IS NULL;

-- One holder per (installation, lane) at a time keeps each installation's deliveries in order;
-- the lease is short and renewed while the holder works, so a dead holder's lane is taken over
-- within seconds. installation_key 0 stands for deliveries without an installation.
CREATE TABLE webhook_lanes (
  installation_key bigint NOT NULL,
  lane             text NOT NULL,
  owner            text,
  lease_until      timestamptz,
  PRIMARY KEY (installation_key, lane)
);
