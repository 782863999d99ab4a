"""Celery tasks: thin, idempotent wrappers that take ids (or nothing) and call services."""

from dataclasses import asdict

from celery import shared_task
from django.db import OperationalError

from incidents import services


@shared_task(
    name="incidents.admin_areas_rederive",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def admin_areas_rederive() -> dict:
    """Re-derives admin areas of incidents and places after boundaries changed (safe to repeat)."""
    return asdict(services.admin_areas_rederive())


@shared_task(
    name="incidents.actor_summary_refresh",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def actor_summary_refresh() -> bool:
    """Brings the map's per-actor summary in step with the actors' relations (cheap when it is:
    Celery beat runs it every few minutes, whatever wrote the relations)."""
    return services.actor_summary_refresh()
