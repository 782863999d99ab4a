-- The map's summary (incidents_mapcell): incidents and fatalities per grid cell, period (month,
-- year, and all time: grain 'all', period 0001-01-01, what an unfiltered view reads), event
-- type, visibility (published or not), geo precision, country and civilian harm (the "civilian
-- harm only" filter: civilians targeted, civilians among the dead, or a civilian-harm
-- assessment), kept exact by the statement-level triggers on incidents_incident and on
-- incidents_civilianharmreport (declared in incidents/models/mapcells.py).
--
-- Grid levels: the cell size in degrees is 90 / 2^level (about 64 pixels at that map zoom):
-- level 3 is 11.25 degrees, 5 is 2.8125, 7 is 0.703125, 9 is 0.17578125, 11 is 0.0439453125
-- (about 5 km). Level 0 is one cell for everything, the timeline's totals. A cell's key is
-- (cx, cy) = floor((lon + 180) / size), floor((lat + 90) / size). Levels 101 and 102 count per
-- admin area instead (cx is the admin1, respectively admin2, area's id; cy is 0), for the
-- choropleth. An incident counts in the month and the year of its start date and in all time,
-- in every level.
-- A version number, bumped by every change, lets the map's answers be cached exactly.

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'incidents_mapfact') THEN
    CREATE TYPE incidents_mapfact AS (
      id bigint, sign integer, lon float8, lat float8, day date, event_type varchar(40),
      published boolean, geo_precision smallint, country_code varchar(2), fatalities integer,
      civilian_targeting boolean, admin1_id bigint, admin2_id bigint, civilian_harm boolean
    );
  END IF;
  -- Made before civilian harm was summarised: the attribute is added at the end.
  IF NOT EXISTS (
    SELECT 1 FROM pg_attribute a JOIN pg_type t ON t.typrelid = a.attrelid
    WHERE t.typname = 'incidents_mapfact' AND a.attname = 'civilian_harm'
  ) THEN
    ALTER TYPE incidents_mapfact ADD ATTRIBUTE civilian_harm boolean;
  END IF;
END $$;

-- A sequence, not a row: bumping it takes no lock, so concurrent writers never wait on it.
CREATE SEQUENCE IF NOT EXISTS incidents_mapcell_version;

-- What one incident row adds (sign 1) to the summary or takes from it (sign -1), given whether
-- a civilian-harm assessment of it exists.
CREATE OR REPLACE FUNCTION incidents_mapfact(r incidents_incident, sign integer, assessed boolean)
RETURNS incidents_mapfact LANGUAGE sql IMMUTABLE AS $$
  SELECT ROW(r.id, sign, ST_X(r.location), ST_Y(r.location), r.date_start, r.event_type,
             r.status = 'published', r.geo_precision, r.country_code,
             COALESCE(r.fatalities_best, 0), r.civilian_targeting, r.admin1_id,
             r.admin2_id,
             COALESCE(r.civilian_targeting, false) OR COALESCE(r.killed_civilians_best, 0) > 0
             OR assessed)::incidents_mapfact
$$;

-- ... with the assessments as they are now.
CREATE OR REPLACE FUNCTION incidents_mapfact(r incidents_incident, sign integer)
RETURNS incidents_mapfact LANGUAGE sql STABLE AS $$
  SELECT incidents_mapfact(r, sign, EXISTS (
    SELECT 1 FROM incidents_civilianharmreport h WHERE h.incident_id = r.id))
$$;

CREATE OR REPLACE FUNCTION incidents_map_levels()
RETURNS TABLE (level smallint, size float8) LANGUAGE sql IMMUTABLE AS $$
  VALUES (0::smallint, 360.0::float8), (3, 11.25), (5, 2.8125), (7, 0.703125),
         (9, 0.17578125), (11, 0.0439453125)
$$;

-- Adds the facts to the summary, every level and grain at once, and drops the cells that fall
-- to zero.
CREATE OR REPLACE FUNCTION incidents_mapcells_add(facts incidents_mapfact[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(facts) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO incidents_mapcell AS m (level, grain, period, cx, cy, event_type, published,
      geo_precision, country_code, civilian_harm, n, fatalities, civilian_targeting, sum_lon,
      sum_lat)
  SELECT c.level, g.grain,
         CASE g.grain WHEN 'all' THEN DATE '0001-01-01' ELSE date_trunc(g.grain, f.day)::date END,
         c.cx, c.cy,
         f.event_type, f.published, f.geo_precision, f.country_code, f.civilian_harm,
         sum(f.sign), sum(f.sign * f.fatalities), sum(f.sign * f.civilian_targeting::integer),
         sum(f.sign * f.lon), sum(f.sign * f.lat)
  FROM unnest(facts) AS f
  CROSS JOIN LATERAL (
    SELECT l.level, floor((f.lon + 180) / l.size)::integer AS cx,
           floor((f.lat + 90) / l.size)::integer AS cy
    FROM incidents_map_levels() AS l
    UNION ALL SELECT 101, f.admin1_id::integer, 0 WHERE f.admin1_id IS NOT NULL
    UNION ALL SELECT 102, f.admin2_id::integer, 0 WHERE f.admin2_id IS NOT NULL
  ) AS c
  CROSS JOIN (VALUES ('month'), ('year'), ('all')) AS g (grain)
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
  ON CONFLICT (level, grain, period, cx, cy, event_type, published, geo_precision, country_code,
               civilian_harm)
  DO UPDATE SET n = m.n + EXCLUDED.n,
                fatalities = m.fatalities + EXCLUDED.fatalities,
                civilian_targeting = m.civilian_targeting + EXCLUDED.civilian_targeting,
                sum_lon = m.sum_lon + EXCLUDED.sum_lon,
                sum_lat = m.sum_lat + EXCLUDED.sum_lat;
  DELETE FROM incidents_mapcell WHERE n = 0;
  PERFORM nextval('incidents_mapcell_version');
END
$$;

-- An update: the facts of the incidents whose place, date, type, visibility, precision, country
-- or figures changed (a new title changes nothing in the summaries), before (sign -1) and after.
CREATE OR REPLACE FUNCTION incidents_mapfacts_moved(
  before incidents_mapfact[], after incidents_mapfact[]
) RETURNS incidents_mapfact[] LANGUAGE sql AS $$
  WITH o AS (SELECT * FROM unnest(before)), n AS (SELECT * FROM unnest(after)),
  moved AS (
    SELECT COALESCE(o.id, n.id) AS id FROM o FULL JOIN n ON n.id = o.id
    WHERE (o.lon, o.lat, o.day, o.event_type, o.published, o.geo_precision, o.country_code,
           o.fatalities, o.civilian_targeting, o.admin1_id, o.admin2_id, o.civilian_harm)
          IS DISTINCT FROM
          (n.lon, n.lat, n.day, n.event_type, n.published, n.geo_precision, n.country_code,
           n.fatalities, n.civilian_targeting, n.admin1_id, n.admin2_id, n.civilian_harm)
  )
  SELECT ARRAY(
    SELECT o::incidents_mapfact FROM o JOIN moved USING (id)
    UNION ALL
    SELECT n::incidents_mapfact FROM n JOIN moved USING (id))
$$;

CREATE OR REPLACE FUNCTION incidents_mapcells_moved(
  before incidents_mapfact[], after incidents_mapfact[]
) RETURNS void LANGUAGE sql AS $$
  SELECT incidents_mapcells_add(incidents_mapfacts_moved(before, after))
$$;

-- Civilian-harm assessments were written (added, removed, or moved to another incident): the
-- incidents they belong to, or belonged to, move between "civilian harm" and not. Before the
-- statement an incident had an assessment if one that the statement did not write is there now,
-- or the statement took one from it (`changed` are the written rows' ids, `touched` the incidents
-- they belong to now, `left` those they belonged to before).
CREATE OR REPLACE FUNCTION incidents_mapcells_harm_changed(
  changed bigint[], touched bigint[], left_ bigint[]
) RETURNS void LANGUAGE sql AS $$
  SELECT incidents_mapcells_moved(
    ARRAY(SELECT incidents_mapfact(i, -1,
                   i.id = ANY(left_) OR EXISTS (
                     SELECT 1 FROM incidents_civilianharmreport h
                     WHERE h.incident_id = i.id AND h.id <> ALL(changed)))
          FROM incidents_incident i
          WHERE i.id = ANY(touched || left_) AND i.location IS NOT NULL),
    ARRAY(SELECT incidents_mapfact(i, 1) FROM incidents_incident i
          WHERE i.id = ANY(touched || left_) AND i.location IS NOT NULL))
$$;

-- Rebuilds the summary from the incidents, in chunks (after a restore, or to check it).
CREATE OR REPLACE FUNCTION incidents_mapcells_rebuild()
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  chunk_start bigint := 0;
  last_id bigint;
BEGIN
  DELETE FROM incidents_mapcell;
  SELECT max(id) INTO last_id FROM incidents_incident;
  WHILE chunk_start <= COALESCE(last_id, -1) LOOP
    PERFORM incidents_mapcells_add(ARRAY(
      SELECT incidents_mapfact(i, 1) FROM incidents_incident i
      WHERE i.id >= chunk_start AND i.id < chunk_start + 50000 AND i.location IS NOT NULL));
    chunk_start := chunk_start + 50000;
  END LOOP;
  RETURN (SELECT count(*) FROM incidents_mapcell);
END
$$;
