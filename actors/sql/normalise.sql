-- sahel_normalise(text): a name in the form used to match it, case-, accent- and
-- punctuation-insensitive. Generated columns, indexes and queries all use this one function;
-- actors/names.py normalise_name is its Python twin (a test pins the two to the same results).
--
-- Apostrophes and ayn/hamza marks vanish ("Jama'at" = "Jamaat"); other punctuation separates
-- words. unaccent is only STABLE because its dictionary could change; the dictionary is pinned
-- by name, which makes the wrapper safe to declare IMMUTABLE (a common idiom). unaccent runs
-- before lower(): in a database with the C locale lower() leaves 'É' alone.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE OR REPLACE FUNCTION sahel_normalise(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT btrim(regexp_replace(
    translate(lower(public.unaccent('public.unaccent'::regdictionary, value)),
              '''’‘`ʿʾ´', ''),
    '[\s\-‐‑‒–—_\.,;:!\?/\\\(\)\[\]\{\}"«»“”„\&\+\*\#@\|\~\^<>=%\$]+', ' ', 'g'))
$$;

