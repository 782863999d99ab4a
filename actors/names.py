"""Name normalisation for matching: case-, accent- and punctuation-insensitive.

The rule lives in the database as the IMMUTABLE SQL function `sahel_normalise(text)`
(actors/sql/normalise.sql, applied by actors/migrations/0001), so that generated columns, indexes
and queries all use the same one.
`normalise_name` is its Python twin for code that works on text before it reaches the database;
a test pins the two to the same results.
"""

import re
import unicodedata
from pathlib import Path

from django.db.models import CharField, Func

# Apostrophes and ayn/hamza marks vanish ("Jama'at" = "Jamaat"); other punctuation separates words.
APOSTROPHES = "'’‘`ʿʾ´"
PUNCTUATION = '-‐‑‒–—_.,;:!?/\\()[]{}"«»“”„&+*#@|~^<>=%$'

# The SQL twin, in actors/sql/normalise.sql (applied by migrations).
CREATE_NORMALISE_FUNCTION = (Path(__file__).resolve().parent / "sql" / "normalise.sql").read_text(
    encoding="utf-8"
)
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
