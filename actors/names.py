"""Name normalisation for matching: case-, accent- and punctuation-insensitive.

The rule lives in the database as the IMMUTABLE SQL function `sahel_normalise(text)` (created by
actors/migrations/0001), so that generated columns, indexes and queries all use the same one.
`normalise_name` is its Python twin for code that works on text before it reaches the database;
a test pins the two to the same results.
"""

import re
import unicodedata

from django.db.models import CharField, Func

# Apostrophes and ayn/hamza marks vanish ("Jama'at" = "Jamaat"); other punctuation separates words.
APOSTROPHES = "'’‘`ʿʾ´"
PUNCTUATION = '-‐‑‒–—_.,;:!?/\\()[]{}"«»“”„&+*#@|~^<>=%$'

# The SQL twin. unaccent is only STABLE because its dictionary could change; we pin the
# dictionary by name, which makes the wrapper safe to declare IMMUTABLE (a common idiom).
# unaccent runs before lower(): in a database with the C locale lower() leaves 'É' alone.
_SQL_APOSTROPHES = APOSTROPHES.replace("'", "''")
_SQL_PUNCTUATION = re.escape(PUNCTUATION).replace("'", "''")
CREATE_NORMALISE_FUNCTION = f"""
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE OR REPLACE FUNCTION sahel_normalise(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT btrim(regexp_replace(
    translate(lower(public.unaccent('public.unaccent'::regdictionary, value)),
              '{_SQL_APOSTROPHES}', ''),
    '[\\s{_SQL_PUNCTUATION}]+', ' ', 'g'))
$$;
"""
DROP_NORMALISE_FUNCTION = "DROP FUNCTION IF EXISTS sahel_normalise(text);"

_APOSTROPHE_TABLE = str.maketrans("", "", APOSTROPHES)
_SEPARATORS = re.compile("[\\s" + re.escape(PUNCTUATION) + "]+")


def normalise_name(value: str) -> str:
    """Lower-case, strip accents and apostrophes, turn punctuation runs into single spaces."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _SEPARATORS.sub(" ", stripped.translate(_APOSTROPHE_TABLE)).strip()


class Normalise(Func):
    """`sahel_normalise(expression)` in a query."""

    function = "sahel_normalise"
    output_field = CharField()
