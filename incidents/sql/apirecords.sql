-- The API's per-incident summary (incidents_apirecord): what a record needs from other tables
-- (participants flattened by role, the claims summarised, harm assessments, dataset ids), one
-- row per incident, so that a page or a download reads one row by key instead of aggregating
-- participants, actors, claims and sources for every incident. Kept exact by statement-level
-- triggers on every table it reads; incidents_apirecord_direct is the same built from scratch
-- (the refresh and the first fill use it; a test compares the two).

-- ACLED's inter code by actor kind, as actors.models.ACLED_INTER_BY_KIND (a test checks them).
CREATE OR REPLACE FUNCTION incidents_acled_inter_of_kind(kind text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE kind
    WHEN 'state' THEN 1 WHEN 'external' THEN 8 WHEN 'pmc' THEN 8 WHEN 'rebel' THEN 2
    WHEN 'jihadist' THEN 2 WHEN 'militia' THEN 4 WHEN 'civilians' THEN 7
    WHEN 'unidentified' THEN 3 END::smallint
$$;

-- A confidential source's publisher in claims_summary: the API puts the caller's label (or the
-- name, for editors, from claims_summary_named) in its place.
CREATE OR REPLACE VIEW incidents_apirecord_direct AS
SELECT i.id AS incident_id,
  coalesce(pa.actor1, '') AS actor1,
  coalesce(pa.assoc_actor_1, '') AS assoc_actor_1,
  coalesce(pa.actor2, '') AS actor2,
  coalesce(pa.assoc_actor_2, '') AS assoc_actor_2,
  coalesce(pa.side_a, '') AS side_a,
  coalesce(pa.side_b, '') AS side_b,
  coalesce(pa.initiators, '') AS initiators,
  coalesce(pa.claimed_by, '') AS claimed_by,
  coalesce(pa.actors::text, '[]') AS actors,
  cl.n::integer AS claims_count,
  cl.sources::integer AS source_count,
  coalesce(cl.summary, '') AS claims_summary,
  coalesce(cl.summary_named, '') AS claims_summary_named,
  ex.harm_assessments::integer AS harm_assessments,
  ex.acled_event_ids,
  ex.ucdp_ged_ids
FROM incidents_incident i
CROSS JOIN LATERAL (
  SELECT
    string_agg(p.name, '; ') FILTER (WHERE p.acled_position = 'actor1') AS actor1,
    string_agg(p.name, '; ') FILTER (WHERE p.acled_position = 'assoc_actor_1') AS assoc_actor_1,
    string_agg(p.name, '; ') FILTER (WHERE p.acled_position = 'actor2') AS actor2,
    string_agg(p.name, '; ') FILTER (WHERE p.acled_position = 'assoc_actor_2') AS assoc_actor_2,
    string_agg(p.name, '; ') FILTER (WHERE p.ucdp_side = 'A') AS side_a,
    string_agg(p.name, '; ') FILTER (WHERE p.ucdp_side = 'B') AS side_b,
    string_agg(p.name, '; ') FILTER (WHERE p.initiator) AS initiators,
    string_agg(p.name, '; ') FILTER (WHERE p.claimed_responsibility) AS claimed_by,
    json_agg(p.actor ORDER BY p.acled_position, p.sequence, p.id) AS actors
  FROM (
    SELECT p.id, p.acled_position, p.ucdp_side, p.initiator, p.claimed_responsibility,
           p.sequence, a.name,
           json_build_object('id', a.id, 'slug', a.slug, 'name', a.name, 'acronym', a.acronym,
      'kind', a.kind, 'acled_position', p.acled_position, 'ucdp_side', p.ucdp_side,
      'inter', coalesce(p.acled_inter, a.acled_inter, incidents_acled_inter_of_kind(a.kind)),
      'initiator', p.initiator, 'claimed_responsibility', p.claimed_responsibility) AS actor
    FROM incidents_incidentactor p
    CROSS JOIN LATERAL (SELECT * FROM actors_actor x WHERE x.id = p.actor_id OFFSET 0) a
    WHERE p.incident_id = i.id
    ORDER BY p.sequence, p.id
  ) p
) pa
CROSS JOIN LATERAL (
  -- A source is cited once per incident (claim_one_per_source): its claims count its sources.
  SELECT count(*) AS n, count(c.source_id) AS sources,
    string_agg(CASE WHEN c.confidential THEN chr(1) ELSE c.publisher END || c.line, '; ')
      AS summary,
    string_agg(c.publisher || c.line, '; ') AS summary_named
  FROM (
    SELECT c.source_id, s.confidential, s.publisher,
      ' (' || s.reliability || c.credibility || '): '
      || CASE
           WHEN c.fatalities_best IS NULL AND c.fatalities_low IS NULL
                AND c.fatalities_high IS NULL THEN '?'
           WHEN c.fatalities_low IS NOT DISTINCT FROM c.fatalities_high
             THEN coalesce(c.fatalities_best, c.fatalities_low)::text
           ELSE coalesce(c.fatalities_low::text, '?') || '-'
                || coalesce(c.fatalities_high::text, '?')
         END AS line
    FROM incidents_claim c JOIN incidents_source s ON s.id = c.source_id
    WHERE c.incident_id = i.id
    ORDER BY s.reliability, c.credibility, c.id
  ) c
) cl
CROSS JOIN LATERAL (
  SELECT
    (SELECT count(*) FROM incidents_civilianharmreport h WHERE h.incident_id = i.id)
      AS harm_assessments,
    (SELECT coalesce(string_agg(e.event_id_cnty, ';' ORDER BY e.event_id_cnty), '')
     FROM incidents_acledevent e WHERE e.incident_id = i.id) AS acled_event_ids,
    (SELECT coalesce(string_agg(e.ged_id::text, ';' ORDER BY e.ged_id), '')
     FROM incidents_ucdpevent e WHERE e.incident_id = i.id) AS ucdp_ged_ids
) ex;

-- The summary of these incidents built again (those deleted meanwhile are left out: the
-- incidents' delete trigger removes their rows). The incidents are locked first, in id order
-- (as the participants' "touch the incident" trigger would lock them anyway): two transactions
-- changing one incident's participants build its row one after the other, the second from a
-- snapshot taken after the first committed (each statement of a volatile SQL function takes
-- its own), so neither overwrites the other's row with a view that misses its changes.
CREATE OR REPLACE FUNCTION incidents_apirecords_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
  SELECT count(*) FROM (
    SELECT 1 FROM incidents_incident WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE
  ) locked;
  INSERT INTO incidents_apirecord AS r (
    incident_id, actor1, assoc_actor_1, actor2, assoc_actor_2, side_a, side_b, initiators,
    claimed_by, actors, claims_count, source_count, claims_summary, claims_summary_named,
    harm_assessments, acled_event_ids, ucdp_ged_ids)
  SELECT * FROM incidents_apirecord_direct d
  WHERE d.incident_id = ANY (ARRAY(SELECT DISTINCT x FROM unnest(ids) x WHERE x IS NOT NULL))
  ORDER BY d.incident_id
  ON CONFLICT (incident_id) DO UPDATE SET
    actor1 = excluded.actor1, assoc_actor_1 = excluded.assoc_actor_1,
    actor2 = excluded.actor2, assoc_actor_2 = excluded.assoc_actor_2,
    side_a = excluded.side_a, side_b = excluded.side_b, initiators = excluded.initiators,
    claimed_by = excluded.claimed_by, actors = excluded.actors,
    claims_count = excluded.claims_count, source_count = excluded.source_count,
    claims_summary = excluded.claims_summary, claims_summary_named = excluded.claims_summary_named,
    harm_assessments = excluded.harm_assessments, acled_event_ids = excluded.acled_event_ids,
    ucdp_ged_ids = excluded.ucdp_ged_ids
  WHERE (r.*) IS DISTINCT FROM (excluded.*);
$$;

-- Statement-level triggers: each passes the incidents its rows name (before and after).
CREATE OR REPLACE FUNCTION incidents_apirecords_rows_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM incidents_apirecords_refresh(ARRAY(SELECT incident_id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM incidents_apirecords_refresh(ARRAY(SELECT incident_id FROM old_rows));
  ELSE
    PERFORM incidents_apirecords_refresh(ARRAY(
      SELECT incident_id FROM new_rows UNION SELECT incident_id FROM old_rows));
  END IF;
  RETURN NULL;
END $$;

-- An actor renamed (or its slug, acronym, kind or inter changed): its incidents.
CREATE OR REPLACE FUNCTION incidents_apirecords_actors_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM incidents_apirecords_refresh(ARRAY(
    SELECT p.incident_id FROM incidents_incidentactor p
    WHERE p.actor_id IN (
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (n.name, n.slug, n.acronym, n.kind, n.acled_inter)
            IS DISTINCT FROM (o.name, o.slug, o.acronym, o.kind, o.acled_inter))));
  RETURN NULL;
END $$;

-- A source's publisher, grade or confidentiality changed: the incidents citing it.
CREATE OR REPLACE FUNCTION incidents_apirecords_sources_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM incidents_apirecords_refresh(ARRAY(
    SELECT c.incident_id FROM incidents_claim c
    WHERE c.source_id IN (
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (n.publisher, n.reliability, n.confidential)
            IS DISTINCT FROM (o.publisher, o.reliability, o.confidential))));
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION incidents_apirecords_incidents_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM incidents_apirecord WHERE incident_id IN (SELECT id FROM old_rows);
  RETURN NULL;
END $$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['incidents_incidentactor', 'incidents_claim',
    'incidents_civilianharmreport', 'incidents_acledevent', 'incidents_ucdpevent'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS apirecords_insert ON %I', t);
    EXECUTE format('CREATE TRIGGER apirecords_insert AFTER INSERT ON %I '
      'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT '
      'EXECUTE FUNCTION incidents_apirecords_rows_changed()', t);
    EXECUTE format('DROP TRIGGER IF EXISTS apirecords_update ON %I', t);
    EXECUTE format('CREATE TRIGGER apirecords_update AFTER UPDATE ON %I '
      'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT '
      'EXECUTE FUNCTION incidents_apirecords_rows_changed()', t);
    EXECUTE format('DROP TRIGGER IF EXISTS apirecords_delete ON %I', t);
    EXECUTE format('CREATE TRIGGER apirecords_delete AFTER DELETE ON %I '
      'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT '
      'EXECUTE FUNCTION incidents_apirecords_rows_changed()', t);
  END LOOP;
END $$;

DROP TRIGGER IF EXISTS apirecords_update ON actors_actor;
CREATE TRIGGER apirecords_update AFTER UPDATE ON actors_actor
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION incidents_apirecords_actors_changed();

DROP TRIGGER IF EXISTS apirecords_update ON incidents_source;
CREATE TRIGGER apirecords_update AFTER UPDATE ON incidents_source
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION incidents_apirecords_sources_changed();

DROP TRIGGER IF EXISTS apirecords_delete ON incidents_incident;
CREATE TRIGGER apirecords_delete AFTER DELETE ON incidents_incident
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION incidents_apirecords_incidents_deleted();
