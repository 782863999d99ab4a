"""Database functions the incident and place triggers call.

- incidents_admin_areas_at(point): country / admin1 / admin2 containing a point, from the
  subdivided admin-area pieces (nearest country within ~5 km when a point falls in a border sliver).
- incidents_fatalities_from_claims(incident): low / best / high from the claims. best is the figure
  of the most reliable claim (source reliability A..F, then credibility 1..6, then the most recent
  source, then the lower figure: ACLED's conservative rule); low is the lowest stated low and high
  the highest stated high, widened to include best. Unstated bounds stay unknown (NULL) rather
  than being invented from the best figure.
- incidents_refresh_fatalities(incident): writes those figures unless an editor overrode them.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION incidents_admin_areas_at(pt geometry)
RETURNS TABLE (country_code varchar, admin1_id bigint, admin2_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT
    COALESCE(
      (SELECT p.country_code FROM incidents_adminareapart p
        WHERE p.level = 0 AND ST_Intersects(p.geom, pt) ORDER BY p.area_id LIMIT 1),
      (SELECT p.country_code FROM incidents_adminareapart p
        WHERE p.level = 0 AND ST_DWithin(p.geom, pt, 0.05)
        ORDER BY ST_Distance(p.geom, pt), p.area_id LIMIT 1)),
    (SELECT p.area_id FROM incidents_adminareapart p
      WHERE p.level = 1 AND ST_Intersects(p.geom, pt) ORDER BY p.area_id LIMIT 1),
    (SELECT p.area_id FROM incidents_adminareapart p
      WHERE p.level = 2 AND ST_Intersects(p.geom, pt) ORDER BY p.area_id LIMIT 1)
$$;

CREATE OR REPLACE FUNCTION incidents_fatalities_from_claims(incident bigint)
RETURNS TABLE (low integer, best integer, high integer)
LANGUAGE sql STABLE AS $$
  WITH c AS (
    SELECT cl.fatalities_low AS lo, cl.fatalities_best AS be, cl.fatalities_high AS hi,
           s.reliability, cl.credibility, s.published_on
    FROM incidents_claim cl JOIN incidents_source s ON s.id = cl.source_id
    WHERE cl.incident_id = incident
  ), chosen AS (
    SELECT be FROM c WHERE be IS NOT NULL
    ORDER BY reliability, credibility, published_on DESC NULLS LAST, be
    LIMIT 1
  ), bounds AS (
    SELECT min(lo) AS lo, max(hi) AS hi FROM c
  )
  SELECT
    CASE WHEN bounds.lo IS NULL THEN NULL ELSE LEAST(bounds.lo, chosen.be) END,
    chosen.be,
    CASE WHEN bounds.hi IS NULL THEN NULL ELSE GREATEST(bounds.hi, chosen.be) END
  FROM bounds LEFT JOIN chosen ON true
$$;

CREATE OR REPLACE FUNCTION incidents_refresh_fatalities(incident bigint)
RETURNS void LANGUAGE sql AS $$
  UPDATE incidents_incident i
  SET fatalities_low = d.low, fatalities_best = d.best, fatalities_high = d.high
  FROM incidents_fatalities_from_claims(incident) AS d
  WHERE i.id = incident AND NOT i.fatalities_override
    AND (i.fatalities_low, i.fatalities_best, i.fatalities_high)
        IS DISTINCT FROM (d.low, d.best, d.high)
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS incidents_refresh_fatalities(bigint);
DROP FUNCTION IF EXISTS incidents_fatalities_from_claims(bigint);
DROP FUNCTION IF EXISTS incidents_admin_areas_at(geometry);
"""


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunSQL(FUNCTIONS, DROP)]
