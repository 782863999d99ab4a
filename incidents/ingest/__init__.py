"""Ingestion: sources (feeds, pasted text, files), raw reports stored once, extraction of places,
actors, dates and casualties, geocoding, matching against existing incidents, and the Celery
tasks that run it all in the background (see docs/ingestion.md)."""
