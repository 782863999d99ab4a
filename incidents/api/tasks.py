"""The API's Celery tasks: thin, idempotent wrappers that take ids and call a service (loaded by
the worker through settings.CELERY_IMPORTS)."""

from celery import shared_task
from django.db import OperationalError

from incidents.api import exports


@shared_task(
    name="incidents.api_export_write",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    ignore_result=True,
)
def api_export_write(token: str) -> None:
    """Writes a large download's file (incidents/api/exports.py); repeating it is harmless."""
    exports.export_write(token)
