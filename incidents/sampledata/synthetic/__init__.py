"""Synthetic incidents: plausible, clearly-labelled fake records for demos, tests and benchmarks.

Every generated incident has origin "synthetic", the tag "synthetic" and a title starting with
"[synthetic]", so that it can never be mistaken for a real record (and
`synthetic_incidents_delete()` removes them all in one go).

What makes them plausible (numbers in profile.py):
- space: real gazetteer places (feature class P) weighted by population and by distance to the
  conflict hotspots of 2012-2025 (central Mali, the Liptako-Gourma tri-border, Burkina's north and
  east, Tillabéri and Tahoua); the weights are computed in PostgreSQL from whatever gazetteer is
  loaded, so the built-in 350 places and the 60,000 GeoNames places both work (world.py);
- time: a rising yearly trend, per-year country shares (Mali first, then Burkina Faso and Niger),
  and bursts: episodes of several events within days around the same place (generator.py);
- taxonomy: ACLED-Sahel proportions of event and sub-event types, always consistent pairs;
- actors: chosen by country, date, place and event type among the actors active there and then,
  by the same rule the ingestion matcher uses (actors.selectors.actor_activity; cast.py);
- fatalities: many zeros and small numbers, a long tail, some unknown, some ranges; they are
  set directly (there are no claims to derive them from), so `fatalities_override` is on.

Writing is set-based (writer.py): incident ids are reserved from the sequence per batch, incidents
and their participants are streamed with COPY, and the database triggers (admin areas, history)
run as for any other insert; the history events carry a pghistory context naming this service and
the seed. Generation is deterministic for a seed and the same reference data.
"""

from incidents.sampledata.synthetic.generator import SYNTHETIC_TAG, TITLE_PREFIX
from incidents.sampledata.synthetic.writer import (
    SyntheticDataError,
    SyntheticReport,
    synthetic_incidents_delete,
    synthetic_incidents_generate,
)

__all__ = [
    "SYNTHETIC_TAG",
    "TITLE_PREFIX",
    "SyntheticDataError",
    "SyntheticReport",
    "synthetic_incidents_delete",
    "synthetic_incidents_generate",
]
