"""Reference data: administrative boundaries and the gazetteer, loaded from their publishers'
formats (GeoNames dumps; Who's On First, OCHA COD-AB, geoBoundaries, Natural Earth GeoJSON) given as
a URL or a local path, or from the small built-in set in `builtin/` when nothing else is available.

Loaders are idempotent: loading the same file again changes no row. `setup.reference_data_setup`
decides what to load (REFERENCE_DATA_DIR, the publishers' URLs, or the built-in set).
"""
