"""Interchange with the reference datasets: one ACLED event row or one UCDP GED event row mapped
onto the model (an incident, its participants, the dataset's claim, its dataset record) and back,
without loss. docs/interchange.md has the column-by-column mapping.

Bulk imports of whole exports (with versions and re-imports) and the ACLED-compatible API build
on these two modules (`acled`, `ucdp`).
"""
