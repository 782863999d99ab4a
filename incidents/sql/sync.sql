-- What a partner's copy needs to stay equal to the published data (/api/v1/incidents/ with
-- updated_since, and /api/v1/deleted/):
-- * incidents_incident_tombstone(incident, was, now_is): an incident that leaves the published
--   set (retracted, sent back to review, deleted, merged into another: then with the surviving
--   incident's id) gets a tombstone with the time; one published again loses it (it is in the published set again, with a new updated_at).
-- * incidents_incidents_touch(ids): what the API gives of an incident includes its participants
--   and a summary of its claims, so writing those moves the incident's updated_at (through its
--   touch trigger), and an incremental pull sees the change. Statement-level: a bulk write
--   touches each incident once. A bulk delete of whole incidents (synthetic_incidents_delete)
--   sets sahel.deleting_incidents for its transaction: the incidents go, touching them is waste.

CREATE OR REPLACE FUNCTION incidents_incident_tombstone(incident bigint, was text, now_is text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  survivor bigint;
BEGIN
  -- A merged incident is retracted pointing at the one that survives (services.incident_merge).
  IF now_is = 'retracted' THEN
    SELECT merged_into_id INTO survivor FROM incidents_incident WHERE id = incident;
  END IF;
  IF now_is = 'published' THEN
    DELETE FROM incidents_incidenttombstone WHERE incident_id = incident;
  ELSIF was = 'published' THEN
    INSERT INTO incidents_incidenttombstone (incident_id, reason, deleted_at, merged_into_id)
    VALUES (
      incident,
      CASE WHEN now_is IS NULL THEN 'deleted'
           WHEN survivor IS NOT NULL THEN 'merged'
           WHEN now_is = 'retracted' THEN 'retracted'
           ELSE 'withdrawn' END,
      now(),
      survivor)
    ON CONFLICT (incident_id) DO UPDATE
      SET reason = EXCLUDED.reason, deleted_at = EXCLUDED.deleted_at,
          merged_into_id = EXCLUDED.merged_into_id;
  END IF;
END $$;

CREATE OR REPLACE FUNCTION incidents_incidents_touch(incidents bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('sahel.deleting_incidents', true), '') = 'on' THEN
    RETURN;
  END IF;
  -- Only rows not already changed in this transaction: an incident written with its
  -- participants in one transaction (a form, an import, COPY) is not written twice.
  IF EXISTS (SELECT 1 FROM incidents_incident WHERE id = ANY (incidents) AND updated_at < now()) THEN
    UPDATE incidents_incident SET updated_at = now()
    WHERE id = ANY (incidents) AND updated_at < now();
  END IF;
END $$;
