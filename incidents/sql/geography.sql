-- Placing points in the admin areas, and keeping the areas fit for the map and for lookups.
--
-- * incidents_admin_areas_at(point): the country, admin1 and admin2 holding a point, from the
--   subdivided admin-area pieces, with one index probe; a point in a border sliver (outside
--   every country by less than ~5 km, 0.05 degree) gets the nearest country.
-- * incidents_place_placed / incidents_incident_placed: a row with its areas filled in, for the
--   BEFORE triggers on incidents_place and incidents_incident (on insert, and when the point
--   moves).
-- * incidents_admin_area_simplified: a row with its map shape (simplified with a tolerance of
--   0.005 degree, ~550 m) and updated_at set; incidents_admin_area_subdivide(area): the area cut
--   into pieces of at most 96 vertices, so that point-in-area lookups stay fast however detailed
--   the published boundaries are.

CREATE OR REPLACE FUNCTION incidents_admin_areas_at(pt geometry)
RETURNS TABLE (country_code varchar, admin1_id bigint, admin2_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH hits AS (
    SELECT DISTINCT ON (p.level) p.level, p.area_id, p.country_code
    FROM incidents_adminareapart p
    WHERE ST_Intersects(p.geom, pt)
    ORDER BY p.level, p.area_id
  )
  SELECT
    COALESCE(
      (SELECT h.country_code FROM hits h WHERE h.level = 0),
      (SELECT p.country_code FROM incidents_adminareapart p
        WHERE p.level = 0 AND ST_DWithin(p.geom, pt, 0.05)
        ORDER BY ST_Distance(p.geom, pt), p.area_id LIMIT 1)),
    (SELECT h.area_id FROM hits h WHERE h.level = 1),
    (SELECT h.area_id FROM hits h WHERE h.level = 2)
$$;

CREATE OR REPLACE FUNCTION incidents_place_placed(r incidents_place)
RETURNS incidents_place LANGUAGE plpgsql AS $$
BEGIN
  SELECT a.admin1_id, a.admin2_id INTO r.admin1_id, r.admin2_id
  FROM incidents_admin_areas_at(r.point) AS a;
  RETURN r;
END
$$;

CREATE OR REPLACE FUNCTION incidents_incident_placed(r incidents_incident)
RETURNS incidents_incident LANGUAGE plpgsql AS $$
BEGIN
  IF r.location IS NULL THEN
    r.admin1_id := NULL;
    r.admin2_id := NULL;
    RETURN r;
  END IF;
  -- Outside every country the incident keeps the country code it had.
  SELECT COALESCE(a.country_code, r.country_code), a.admin1_id, a.admin2_id
  INTO r.country_code, r.admin1_id, r.admin2_id
  FROM incidents_admin_areas_at(r.location) AS a;
  RETURN r;
END
$$;

CREATE OR REPLACE FUNCTION incidents_admin_area_simplified(r incidents_adminarea)
RETURNS incidents_adminarea LANGUAGE plpgsql AS $$
BEGIN
  r.geom_simplified := ST_Multi(ST_SimplifyPreserveTopology(r.geom, 0.005));
  r.updated_at := now();
  RETURN r;
END
$$;

CREATE OR REPLACE FUNCTION incidents_admin_area_subdivide(area bigint)
RETURNS void LANGUAGE sql AS $$
  DELETE FROM incidents_adminareapart WHERE area_id = area;
  INSERT INTO incidents_adminareapart (area_id, level, country_code, geom)
  SELECT a.id, a.level, a.country_code, part
  FROM incidents_adminarea a, ST_Subdivide(a.geom, 96) AS part
  WHERE a.id = area;
$$;
