-- Casualty estimates of an incident, derived from its claims.
--
-- The rule, for each category (the dead in all; civilians, side A, side B and unknown status
-- killed; injured; abducted), separately:
-- * best is the figure of the most reliable claim that states one: source reliability A..F, then
--   the claim's credibility 1..6, then the most recent source, then the lower figure (ACLED's
--   conservative rule);
-- * low is the lowest stated low, high the highest stated high, each widened to include best;
-- * a bound no claim states stays unknown (NULL): it is never invented from the best figure,
--   and an unknown count is never zero.
-- A claim that gives the dead by category but no total counts as stating their sum (the low and
-- best of the categories it gives), as UCDP's best is the sum of its deaths_a, deaths_b,
-- deaths_civilians and deaths_unknown; it says nothing of the high.
--
-- The incident keeps the derived figures unless an editor overrides them (fatalities_override).
-- Triggers on incidents_claim (statement-level: one derivation for all the incidents a
-- statement touched), incidents_source and incidents_incident call these functions.

CREATE OR REPLACE FUNCTION incidents_estimates_from_claims(incident bigint)
RETURNS TABLE (category text, low integer, best integer, high integer)
LANGUAGE sql STABLE AS $$
  WITH c AS (
    SELECT s.reliability, s.published_on, cl.*
    FROM incidents_claim cl JOIN incidents_source s ON s.id = cl.source_id
    WHERE cl.incident_id = incident
  ), figures AS (
    SELECT c.reliability, c.credibility, c.published_on, v.category, v.lo, v.be, v.hi
    FROM c CROSS JOIN LATERAL (VALUES
      -- The total as stated, else the sum of the categories the claim gives.
      ('fatalities',
       COALESCE(c.fatalities_low,
                CASE WHEN num_nonnulls(c.killed_civilians_low, c.killed_side_a_low,
                                       c.killed_side_b_low, c.killed_unknown_low) > 0
                     THEN COALESCE(c.killed_civilians_low, 0) + COALESCE(c.killed_side_a_low, 0)
                        + COALESCE(c.killed_side_b_low, 0) + COALESCE(c.killed_unknown_low, 0)
                END),
       COALESCE(c.fatalities_best,
                CASE WHEN num_nonnulls(c.killed_civilians_best, c.killed_side_a_best,
                                       c.killed_side_b_best, c.killed_unknown_best) > 0
                     THEN COALESCE(c.killed_civilians_best, 0) + COALESCE(c.killed_side_a_best, 0)
                        + COALESCE(c.killed_side_b_best, 0) + COALESCE(c.killed_unknown_best, 0)
                END),
       c.fatalities_high),
      ('killed_civilians', c.killed_civilians_low, c.killed_civilians_best, c.killed_civilians_high),
      ('killed_side_a', c.killed_side_a_low, c.killed_side_a_best, c.killed_side_a_high),
      ('killed_side_b', c.killed_side_b_low, c.killed_side_b_best, c.killed_side_b_high),
      ('killed_unknown', c.killed_unknown_low, c.killed_unknown_best, c.killed_unknown_high),
      ('injured', c.injured_low, c.injured_best, c.injured_high),
      ('abducted', c.abducted_low, c.abducted_best, c.abducted_high)
    ) AS v (category, lo, be, hi)
  ), chosen AS (
    SELECT DISTINCT ON (f.category) f.category, f.be
    FROM figures f WHERE f.be IS NOT NULL
    ORDER BY f.category, f.reliability, f.credibility, f.published_on DESC NULLS LAST, f.be
  ), bounds AS (
    SELECT f.category, min(f.lo) AS lo, max(f.hi) AS hi FROM figures f GROUP BY f.category
  )
  SELECT k.category,
         CASE WHEN b.lo IS NULL THEN NULL ELSE LEAST(b.lo, ch.be) END,
         ch.be,
         CASE WHEN b.hi IS NULL THEN NULL ELSE GREATEST(b.hi, ch.be) END
  FROM unnest(ARRAY['fatalities', 'killed_civilians', 'killed_side_a', 'killed_side_b',
                    'killed_unknown', 'injured', 'abducted']) AS k (category)
  LEFT JOIN bounds b ON b.category = k.category
  LEFT JOIN chosen ch ON ch.category = k.category
$$;

-- The same figures as one row, in the incident's columns.
CREATE OR REPLACE FUNCTION incidents_estimates_row(incident bigint)
RETURNS TABLE (
  fatalities_low integer, fatalities_best integer, fatalities_high integer,
  killed_civilians_low integer, killed_civilians_best integer, killed_civilians_high integer,
  killed_side_a_low integer, killed_side_a_best integer, killed_side_a_high integer,
  killed_side_b_low integer, killed_side_b_best integer, killed_side_b_high integer,
  killed_unknown_low integer, killed_unknown_best integer, killed_unknown_high integer,
  injured_low integer, injured_best integer, injured_high integer,
  abducted_low integer, abducted_best integer, abducted_high integer
)
LANGUAGE sql STABLE AS $$
  SELECT
    max(e.low) FILTER (WHERE e.category = 'fatalities'),
    max(e.best) FILTER (WHERE e.category = 'fatalities'),
    max(e.high) FILTER (WHERE e.category = 'fatalities'),
    max(e.low) FILTER (WHERE e.category = 'killed_civilians'),
    max(e.best) FILTER (WHERE e.category = 'killed_civilians'),
    max(e.high) FILTER (WHERE e.category = 'killed_civilians'),
    max(e.low) FILTER (WHERE e.category = 'killed_side_a'),
    max(e.best) FILTER (WHERE e.category = 'killed_side_a'),
    max(e.high) FILTER (WHERE e.category = 'killed_side_a'),
    max(e.low) FILTER (WHERE e.category = 'killed_side_b'),
    max(e.best) FILTER (WHERE e.category = 'killed_side_b'),
    max(e.high) FILTER (WHERE e.category = 'killed_side_b'),
    max(e.low) FILTER (WHERE e.category = 'killed_unknown'),
    max(e.best) FILTER (WHERE e.category = 'killed_unknown'),
    max(e.high) FILTER (WHERE e.category = 'killed_unknown'),
    max(e.low) FILTER (WHERE e.category = 'injured'),
    max(e.best) FILTER (WHERE e.category = 'injured'),
    max(e.high) FILTER (WHERE e.category = 'injured'),
    max(e.low) FILTER (WHERE e.category = 'abducted'),
    max(e.best) FILTER (WHERE e.category = 'abducted'),
    max(e.high) FILTER (WHERE e.category = 'abducted')
  FROM incidents_estimates_from_claims(incident) e
$$;

-- Writes the derived figures on the incidents, unless an editor overrode them or they are
-- already there (so that history records only real changes). One statement for any number of
-- incidents: the claims' statement-level triggers pass every incident a statement touched (a
-- form's one claim, or an import's batch), so a bulk import derives its figures set-wise, with
-- the same rule, and the incidents' own statement triggers fire once, not once a claim.
CREATE OR REPLACE FUNCTION incidents_refresh_estimates_many(incidents bigint[])
RETURNS void LANGUAGE sql AS $$
  UPDATE incidents_incident i
  SET (fatalities_low, fatalities_best, fatalities_high, killed_civilians_low, killed_civilians_best,
       killed_civilians_high, killed_side_a_low, killed_side_a_best, killed_side_a_high,
       killed_side_b_low, killed_side_b_best, killed_side_b_high, killed_unknown_low,
       killed_unknown_best, killed_unknown_high, injured_low, injured_best, injured_high,
       abducted_low, abducted_best, abducted_high)
    = (d.fatalities_low, d.fatalities_best, d.fatalities_high, d.killed_civilians_low,
       d.killed_civilians_best, d.killed_civilians_high, d.killed_side_a_low,
       d.killed_side_a_best, d.killed_side_a_high, d.killed_side_b_low, d.killed_side_b_best,
       d.killed_side_b_high, d.killed_unknown_low, d.killed_unknown_best,
       d.killed_unknown_high, d.injured_low, d.injured_best, d.injured_high, d.abducted_low,
       d.abducted_best, d.abducted_high)
  FROM (SELECT DISTINCT t.id FROM unnest(incidents) AS t (id) WHERE t.id IS NOT NULL) AS t
  CROSS JOIN LATERAL incidents_estimates_row(t.id) d
  WHERE i.id = t.id AND NOT i.fatalities_override
    AND (i.fatalities_low, i.fatalities_best, i.fatalities_high, i.killed_civilians_low,
         i.killed_civilians_best, i.killed_civilians_high, i.killed_side_a_low,
         i.killed_side_a_best, i.killed_side_a_high, i.killed_side_b_low, i.killed_side_b_best,
         i.killed_side_b_high, i.killed_unknown_low, i.killed_unknown_best,
         i.killed_unknown_high, i.injured_low, i.injured_best, i.injured_high, i.abducted_low,
         i.abducted_best, i.abducted_high)
        IS DISTINCT FROM
        (d.fatalities_low, d.fatalities_best, d.fatalities_high, d.killed_civilians_low,
         d.killed_civilians_best, d.killed_civilians_high, d.killed_side_a_low,
         d.killed_side_a_best, d.killed_side_a_high, d.killed_side_b_low, d.killed_side_b_best,
         d.killed_side_b_high, d.killed_unknown_low, d.killed_unknown_best,
         d.killed_unknown_high, d.injured_low, d.injured_best, d.injured_high, d.abducted_low,
         d.abducted_best, d.abducted_high)
$$;

-- One incident (kept for callers that name one).
CREATE OR REPLACE FUNCTION incidents_refresh_estimates(incident bigint)
RETURNS void LANGUAGE sql AS $$
  SELECT incidents_refresh_estimates_many(ARRAY[incident])
$$;

-- For the trigger that runs when an editor switches the override off: the row, re-derived.
CREATE OR REPLACE FUNCTION incidents_incident_estimated(r incidents_incident)
RETURNS incidents_incident LANGUAGE plpgsql AS $$
BEGIN
  SELECT d.fatalities_low, d.fatalities_best, d.fatalities_high, d.killed_civilians_low,
         d.killed_civilians_best, d.killed_civilians_high, d.killed_side_a_low,
         d.killed_side_a_best, d.killed_side_a_high, d.killed_side_b_low, d.killed_side_b_best,
         d.killed_side_b_high, d.killed_unknown_low, d.killed_unknown_best,
         d.killed_unknown_high, d.injured_low, d.injured_best, d.injured_high, d.abducted_low,
         d.abducted_best, d.abducted_high
  INTO r.fatalities_low, r.fatalities_best, r.fatalities_high, r.killed_civilians_low,
       r.killed_civilians_best, r.killed_civilians_high, r.killed_side_a_low,
       r.killed_side_a_best, r.killed_side_a_high, r.killed_side_b_low, r.killed_side_b_best,
       r.killed_side_b_high, r.killed_unknown_low, r.killed_unknown_best,
       r.killed_unknown_high, r.injured_low, r.injured_best, r.injured_high, r.abducted_low,
       r.abducted_best, r.abducted_high
  FROM incidents_estimates_row(r.id) d;
  RETURN r;
END
$$;

-- A source re-graded (or re-dated) changes which claim gives the best figures.
CREATE OR REPLACE FUNCTION incidents_source_claims_rederive(source bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM incidents_refresh_estimates_many(
    ARRAY(SELECT DISTINCT cl.incident_id FROM incidents_claim cl WHERE cl.source_id = source));
END
$$;
