"""Geography: what the incidents are placed in and found by.

Owns the admin areas (country / admin1 / admin2 polygons, kept subdivided for fast point-in-area
lookups), the gazetteer (places and their names, normalised for exact and fuzzy matching), the
reference datasets loaded and their fingerprints, the loaders that read them from their
publishers' formats (GeoNames dumps; Who's On First, OCHA COD-AB, geoBoundaries and Natural Earth
GeoJSON) or from the small built-in set in `builtin/`, the country codes, and the geocoder.

Modules: `models` (AdminArea, AdminAreaPart, Place, PlaceName, ReferenceDataset), `countries`,
`fetch` (a path or URL to a local file, offline errors), `boundaries` and `gazetteer` (readers
and idempotent loaders), `datasets` (fingerprints: skip what is already loaded), `setup` (which
source to load from), `selectors`, `geocoder` (place names and expressions such as "near X",
"between X and Y", "cercle de X" resolved against the gazetteer and the admin areas to a point
with its precision in ACLED's and UCDP's codes, a score and an explicit "unsure"; the type-ahead
search; docs/geocoder.md).

Geography knows nothing of incidents: a loader that changes boundaries says so in its report,
and whoever ran it re-derives the incidents' areas (incidents.services.admin_areas_rederive).
"""
