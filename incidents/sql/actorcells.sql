-- The map's summary per actor group (incidents_actorcell): incidents (in all and per event
-- type, and those coded to an admin area) and fatalities per group, grid cell (or admin area),
-- period and visibility, with the cell keys of incidents_mapcell (incidents/sql/mapcells.sql).
-- A group's incidents are those with a participant in one of its windows
-- (incidents_actorgroupwindow: the actor, and the days its incidents count), each counted once
-- however many of its participants are in the group. See incidents/models/actorcells.py.

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'incidents_participation') THEN
    CREATE TYPE incidents_participation AS (incident_id bigint, actor_id bigint);
  END IF;
END $$;

-- The grid levels and periods kept per actor (incidents/models/actorcells.py says why): all
-- time at every level, years up to level 9, months up to level 7.
CREATE OR REPLACE FUNCTION incidents_actorcell_levels()
RETURNS TABLE (level smallint, size float8, grain text) LANGUAGE sql IMMUTABLE AS $$
  SELECT l.level, l.size, g.grain FROM incidents_map_levels() AS l
  CROSS JOIN (VALUES ('all', 11), ('year', 9), ('month', 7)) AS g (grain, finest)
  WHERE l.level <= g.finest
$$;

-- Adds the facts (incidents, with their sign: see incidents_mapfact) to the cells of every
-- group that the participations put them in on their day, and drops the cells that fall to
-- zero. A fact whose incident has no participation here adds nothing. The event types are
-- columns, in the order of incidents.taxonomy.EventType.
CREATE OR REPLACE FUNCTION incidents_actorcells_add(
  facts incidents_mapfact[], participations incidents_participation[]
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(facts) = 0 OR cardinality(participations) = 0 THEN
    RETURN;
  END IF;
  WITH f AS (SELECT * FROM unnest(facts) WITH ORDINALITY AS f),
  p AS (SELECT DISTINCT * FROM unnest(participations)),
  g AS (
    SELECT DISTINCT w.key, f.ordinality
    FROM f JOIN p ON p.incident_id = f.id
    JOIN incidents_actorgroupwindow w
      ON w.actor_id = p.actor_id AND f.day BETWEEN w.start_date AND w.end_date
  )
  INSERT INTO incidents_actorcell AS m (group_key, level, grain, period, cx, cy, published, n,
      fatalities, imprecise, n_battles, n_explosions_remote_violence,
      n_violence_against_civilians, n_protests, n_riots, n_strategic_developments, sum_lon,
      sum_lat)
  SELECT g.key, c.level, c.grain,
         CASE c.grain WHEN 'all' THEN DATE '0001-01-01'
                      ELSE date_trunc(c.grain, f.day)::date END,
         c.cx, c.cy, f.published,
         sum(f.sign), sum(f.sign * f.fatalities),
         sum(CASE WHEN f.geo_precision = 3 THEN f.sign ELSE 0 END),
         sum(CASE f.event_type WHEN 'battles' THEN f.sign ELSE 0 END),
         sum(CASE f.event_type WHEN 'explosions_remote_violence' THEN f.sign ELSE 0 END),
         sum(CASE f.event_type WHEN 'violence_against_civilians' THEN f.sign ELSE 0 END),
         sum(CASE f.event_type WHEN 'protests' THEN f.sign ELSE 0 END),
         sum(CASE f.event_type WHEN 'riots' THEN f.sign ELSE 0 END),
         sum(CASE f.event_type WHEN 'strategic_developments' THEN f.sign ELSE 0 END),
         sum(f.sign * f.lon), sum(f.sign * f.lat)
  FROM g JOIN f USING (ordinality)
  CROSS JOIN LATERAL (
    SELECT l.level, l.grain, floor((f.lon + 180) / l.size)::integer AS cx,
           floor((f.lat + 90) / l.size)::integer AS cy
    FROM incidents_actorcell_levels() AS l
    UNION ALL
    SELECT a.level, gr.grain, a.area::integer, 0
    FROM (VALUES (101::smallint, f.admin1_id), (102::smallint, f.admin2_id)) AS a (level, area)
    CROSS JOIN (VALUES ('all'), ('year'), ('month')) AS gr (grain)
    WHERE a.area IS NOT NULL
  ) AS c
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (group_key, level, grain, period, cx, cy, published)
  DO UPDATE SET n = m.n + EXCLUDED.n,
                fatalities = m.fatalities + EXCLUDED.fatalities,
                imprecise = m.imprecise + EXCLUDED.imprecise,
                n_battles = m.n_battles + EXCLUDED.n_battles,
                n_explosions_remote_violence
                  = m.n_explosions_remote_violence + EXCLUDED.n_explosions_remote_violence,
                n_violence_against_civilians
                  = m.n_violence_against_civilians + EXCLUDED.n_violence_against_civilians,
                n_protests = m.n_protests + EXCLUDED.n_protests,
                n_riots = m.n_riots + EXCLUDED.n_riots,
                n_strategic_developments
                  = m.n_strategic_developments + EXCLUDED.n_strategic_developments,
                sum_lon = m.sum_lon + EXCLUDED.sum_lon,
                sum_lat = m.sum_lat + EXCLUDED.sum_lat;
  DELETE FROM incidents_actorcell WHERE n = 0;
  PERFORM nextval('incidents_mapcell_version');
END
$$;

-- The participations of these incidents, as they are now.
CREATE OR REPLACE FUNCTION incidents_participations(ids bigint[])
RETURNS incidents_participation[] LANGUAGE sql STABLE AS $$
  SELECT ARRAY(SELECT ROW(p.incident_id, p.actor_id)::incidents_participation
               FROM incidents_incidentactor p WHERE p.incident_id = ANY(ids))
$$;

-- A bulk load (incidents.sampledata.synthetic.writer) defers the upkeep for its transaction
-- (sahel.actorcells_deferred = on) and rebuilds the cells once at its end: one pass over the
-- whole set instead of a pass per batch over a growing summary.
CREATE OR REPLACE FUNCTION incidents_actorcells_deferred() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('sahel.actorcells_deferred', true), '') = 'on'
$$;

-- An update of incidents: those that moved (incidents_mapfacts_moved) leave their cells and
-- join their new ones, in every group their participants put them in.
CREATE OR REPLACE FUNCTION incidents_actorcells_moved(
  before incidents_mapfact[], after incidents_mapfact[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  moved incidents_mapfact[];
BEGIN
  IF incidents_actorcells_deferred() THEN
    RETURN;
  END IF;
  moved := incidents_mapfacts_moved(before, after);
  IF cardinality(moved) > 0 THEN
    PERFORM incidents_actorcells_add(
      moved, incidents_participations(ARRAY(SELECT DISTINCT id FROM unnest(moved))));
  END IF;
END
$$;

-- Participants added, removed or changed: their incidents leave the groups they were in before
-- (the participations now, less those added, plus those removed) and join those they are in now.
CREATE OR REPLACE FUNCTION incidents_actorcells_regroup(
  added incidents_participation[], removed incidents_participation[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[] := ARRAY(SELECT incident_id FROM unnest(added)
                        UNION SELECT incident_id FROM unnest(removed));
  now_in incidents_participation[];
  before incidents_participation[];
BEGIN
  IF cardinality(ids) = 0 OR incidents_actorcells_deferred() THEN
    RETURN;
  END IF;
  now_in := incidents_participations(ids);
  before := ARRAY(
    SELECT ROW(x.incident_id, x.actor_id)::incidents_participation
    FROM ((SELECT * FROM unnest(now_in) EXCEPT ALL SELECT * FROM unnest(added))
          UNION ALL SELECT * FROM unnest(removed)) AS x);
  PERFORM incidents_actorcells_add(
    ARRAY(SELECT incidents_mapfact(i, -1) FROM incidents_incident i
          WHERE i.id = ANY(ids) AND i.location IS NOT NULL),
    before);
  PERFORM incidents_actorcells_add(
    ARRAY(SELECT incidents_mapfact(i, 1) FROM incidents_incident i
          WHERE i.id = ANY(ids) AND i.location IS NOT NULL),
    now_in);
END
$$;

-- Rebuilds the cells from the incidents and the groups' windows (when the windows change,
-- after a restore, or to check them): in one statement, so that every cell is written once.
CREATE OR REPLACE FUNCTION incidents_actorcells_rebuild()
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('work_mem', '256MB', true);
  DELETE FROM incidents_actorcell;
  PERFORM incidents_actorcells_add(
    ARRAY(SELECT incidents_mapfact(i, 1) FROM incidents_incident i
          WHERE i.location IS NOT NULL AND EXISTS (
            SELECT FROM incidents_incidentactor p WHERE p.incident_id = i.id)),
    ARRAY(SELECT ROW(p.incident_id, p.actor_id)::incidents_participation
          FROM incidents_incidentactor p));
  RETURN (SELECT count(*) FROM incidents_actorcell);
END
$$;
