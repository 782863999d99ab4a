"""Idempotent writes: a trusted system that sends `POST /api/v1/incidents/` with an
`Idempotency-Key` header and retries it (a timeout, a dropped connection) gets the first answer
again, and never a second draft.

The key is remembered per sender (one API key, or one signed-in user) for
API_IDEMPOTENCY_KEEP_HOURS, with a fingerprint of the request (method, path, parsed body) and the
answer (status and body). The claim is a row inserted in the same transaction as the write it
guards, under a unique constraint on (sender, key): a retry that arrives while the first request
is still running waits on that row's lock, then finds the stored answer; if the first request
fails (a 400: nothing saved), its row goes with its transaction, and the key is free again for a
corrected body. The same key with another body is refused (422), naming the header.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import IdempotentRequest, OrganisationAPIKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 255


class IdempotencyKeyInvalid(Exception):
    """The header's value cannot be a key (empty, too long, not printable ASCII)."""


class IdempotencyKeyReused(Exception):
    """The key was used for another request (another body) by the same sender."""


@dataclass(frozen=True)
class Replay:
    """The first answer to a request sent again."""

    status: int
    body: str


def idempotency_key_of(request) -> str | None:
    """The request's Idempotency-Key, or None when it has none. Raises IdempotencyKeyInvalid."""
    value = request.headers.get(HEADER)
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > MAX_LENGTH or not all(" " < c <= "~" for c in value):
        raise IdempotencyKeyInvalid(
            _("Give 1 to %(max)d printable ASCII characters without spaces (a UUID, say).")
            % {"max": MAX_LENGTH}
        )
    return value


def sender_of(request) -> str:
    """Who a key belongs to: the API key itself (each key its own keys), or the signed-in user."""
    if isinstance(request.auth, OrganisationAPIKey):
        return f"key:{request.auth.prefix}"
    return f"user:{request.user.pk}"


def request_fingerprint(request, data) -> str:
    """SHA-256 of the method, the path and the parsed body (key order and spacing do not count:
    the same JSON document sent again is the same request)."""
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent_request_claim(sender: str, key: str, fingerprint: str) -> Replay | None:
    """Claims `key` for this request, in the caller's transaction: None when this request is the
    first (write, then idempotent_request_answer), or the first one's stored answer. A request
    still running with the same key is waited for. Raises IdempotencyKeyReused when the key
    came with another request. Keys older than API_IDEMPOTENCY_KEEP_HOURS are forgotten first."""
    cutoff = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_KEEP_HOURS)
    table = IdempotentRequest._meta.db_table
    with connection.cursor() as cursor:
        # This sender's expired use of the key, then (a few at a time, never waiting on a row
        # another write holds) anyone's expired keys.
        cursor.execute(
            f"DELETE FROM {table} WHERE owner = %s AND key = %s AND created_at < %s",
            [sender, key, cutoff],
        )
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE created_at < %s "
            "LIMIT 100 FOR UPDATE SKIP LOCKED)",
            [cutoff],
        )
        # Waits, on a conflict with a transaction still running, until it ends.
        cursor.execute(
            f"INSERT INTO {table} "
            "(owner, key, request_hash, response_body, created_at) "
            "VALUES (%s, %s, %s, '', now()) ON CONFLICT (owner, key) DO NOTHING RETURNING id",
            [sender, key, fingerprint],
        )
        if cursor.fetchone() is not None:
            return None
    first = IdempotentRequest.objects.get(owner=sender, key=key)
    if first.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            _(
                "This key was already used with another request body. Send a new key for a new "
                "request, or the same body to get the first answer again."
            )
        )
    return Replay(status=first.status, body=first.response_body)


def idempotent_request_answer(sender: str, key: str, status: int, body: str) -> None:
    """Stores the answer to the request that claimed `key` (same transaction as its write)."""
    IdempotentRequest.objects.filter(owner=sender, key=key).update(
        status=status, response_body=body
    )
