"""Who calls the API and what they may see.

- A partner organisation's key (`Authorization: Api-Key <key>`, or `?key=<key>` as ACLED
  clients send it, with an `email` that is ignored): published incidents only, no personal data,
  coordinates as the organisation's policy says, the organisation's rate per key.
- A user signed in to the site (session): what their role sees on the site.
- Nobody: refused (401), unless settings.API_ANONYMOUS_READ opens the published data.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication

from incidents.models import CoordinatePolicy, OrganisationAPIKey

KEYWORD = "Api-Key"


def key_from_request(request) -> str | None:
    """The key in the Authorization header, else in the `key` query parameter."""
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    keyword, found, key = authorization.partition(" ")
    if found and keyword.lower() == KEYWORD.lower():
        return key.strip()
    return request.GET.get("key") or None


class APIKeyAuthentication(BaseAuthentication):
    """A partner key: `request.auth` is the key (with its organisation); `request.user` stays
    anonymous (a partner is not a user of the site). A key given but unknown, revoked or expired
    is refused, never read as "no key"."""

    def authenticate(self, request):
        key = key_from_request(request)
        if key is None:
            return None
        try:
            api_key = OrganisationAPIKey.objects.get_from_key(key)
        except OrganisationAPIKey.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key.")) from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(_("This API key has expired."))
        return AnonymousUser(), api_key

    def authenticate_header(self, request) -> str:
        # A 401 (not a 403) for a caller without credentials, saying how to give them.
        return KEYWORD


@dataclass(frozen=True)
class Caller:
    """What one caller sees: only published incidents, or every status (editors); personal data
    (victim names, witness identities) or not; coordinates exact or coarsened to admin2."""

    kind: str  # partner, user or anonymous
    published_only: bool
    personal: bool
    coarsened: bool

    @property
    def visibility(self) -> str:
        """A short key of what this caller sees, for cache validators (ETag)."""
        return (
            f"{'published' if self.published_only else 'all'}"
            f"|{'personal' if self.personal else 'anonymised'}"
            f"|{'admin2' if self.coarsened else 'exact'}"
        )


def caller_of(request) -> Caller:
    if isinstance(request.auth, OrganisationAPIKey):
        policy = request.auth.organisation.coordinate_policy
        return Caller(
            "partner",
            published_only=True,
            personal=False,
            coarsened=policy == CoordinatePolicy.ADMIN2,
        )
    user = request.user
    if user.is_authenticated:
        return Caller(
            "user",
            published_only=not user.has_perm("incidents.change_incident"),
            personal=user.has_perm("incidents.view_personal_data"),
            coarsened=False,
        )
    return Caller("anonymous", published_only=True, personal=False, coarsened=False)


class ReadsIncidents(permissions.BasePermission):
    """A partner key (any scope reads), a signed-in user whose role reads incidents, or anyone
    when API_ANONYMOUS_READ is on."""

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, OrganisationAPIKey):
            return True
        if request.user.is_authenticated:
            return request.user.has_perm("incidents.view_incident")
        return bool(getattr(settings, "API_ANONYMOUS_READ", False))


class PartnerKeyThrottle(throttling.SimpleRateThrottle):
    """Each partner key at its organisation's rate (Organisation.rate_limit), counted in the
    cache (Redis); over it, 429 with Retry-After."""

    scope = "partner"

    def get_rate(self):
        return None  # set per request, from the key's organisation

    def allow_request(self, request, view) -> bool:
        if not isinstance(request.auth, OrganisationAPIKey):
            return True
        self.rate = request.auth.organisation.rate_limit
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class SignedInThrottle(throttling.UserRateThrottle):
    """Signed-in users (settings REST_FRAMEWORK DEFAULT_THROTTLE_RATES["user"])."""

    def allow_request(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return True
        return super().allow_request(request, view)


class AnonymousThrottle(throttling.AnonRateThrottle):
    """Anonymous callers, by address, when API_ANONYMOUS_READ is on."""

    def allow_request(self, request, view) -> bool:
        if request.user.is_authenticated or request.auth is not None:
            return True
        return super().allow_request(request, view)
