"""Partner organisations and their API keys: who may pull the published data over the API, how
precisely they see locations, and how fast they may ask. Keys are stored hashed
(djangorestframework-api-key), shown once when made, revocable, several per organisation."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

RATE_PATTERN = r"^[1-9][0-9]*/(second|minute|hour|day)$"


class CoordinatePolicy(models.TextChoices):
    EXACT = "exact", _("exact coordinates")
    ADMIN2 = "admin2", _("coarsened to the admin2 centroid")


class KeyScope(models.TextChoices):
    READ = "read", _("read")
    WRITE = "write", _("read and write")


class Organisation(models.Model):
    """A partner organisation (an NGO, a research team, a UN cell) that pulls the data."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    coordinate_policy = models.CharField(
        _("coordinates"),
        max_length=10,
        choices=CoordinatePolicy.choices,
        default=CoordinatePolicy.EXACT,
        help_text=_("Coarsened: every location is given as the centroid of its admin2 area."),
    )
    rate_limit = models.CharField(
        _("rate limit"),
        max_length=30,
        default="1000/hour",
        validators=[
            RegexValidator(RATE_PATTERN, _("Write it as 1000/hour (second, minute, hour or day)."))
        ],
        help_text=_("Requests per key: 1000/hour, 60/minute, 20000/day."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(coordinate_policy__in=CoordinatePolicy.values),
                name="organisation_coordinate_policy_valid",
            ),
            models.CheckConstraint(
                condition=Q(rate_limit__regex=RATE_PATTERN), name="organisation_rate_limit_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="organisation_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationAPIKeyManager(APIKeyManager):
    def get_usable_keys(self) -> models.QuerySet:
        # The organisation comes with the key: one query per request authenticates it.
        return super().get_usable_keys().select_related("organisation")


class OrganisationAPIKey(AbstractAPIKey):
    """One key of a partner organisation. Only its hash is stored; revoking cannot be undone."""

    objects = OrganisationAPIKeyManager()

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("organisation"),
    )
    scope = models.CharField(
        _("scope"), max_length=5, choices=KeyScope.choices, default=KeyScope.READ
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=KeyScope.values), name="organisation_api_key_scope_valid"
            )
        ]


class IdempotentRequest(models.Model):
    """A write sent with an `Idempotency-Key` header, remembered so that a retry of it (a trusted
    system that lost the answer) gets the first answer again instead of making a second draft.
    Scoped to who sent it (one API key, or one signed-in user): the same header value from
    another key is another request. Kept API_IDEMPOTENCY_KEEP_HOURS (see
    incidents/api/idempotency.py)."""

    owner = models.CharField(_("sent by"), max_length=100, editable=False)
    key = models.CharField(_("idempotency key"), max_length=255, editable=False)
    request_hash = models.CharField(
        _("request fingerprint"),
        max_length=64,
        editable=False,
        help_text=_("SHA-256 of the method, path and body: a reuse of the key must match it."),
    )
    # Set in the transaction that claimed the key, before it commits: no other request ever
    # sees a row without its answer (a retry meanwhile waits on the row's lock).
    status = models.PositiveSmallIntegerField(_("answer status"), null=True, editable=False)
    response_body = models.TextField(_("answer"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "key"], name="idempotent_request_owner_key_unique"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotent_request_created")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
