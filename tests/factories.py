"""factory_boy factories for the domain model."""

from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from actors.models import Actor, ActorKind
from incidents.models import (
    AcledPosition,
    AdminArea,
    CivilianHarmReport,
    Claim,
    GeoPrecision,
    HarmGrade,
    Incident,
    IncidentActor,
    Reliability,
    Source,
    SourceKind,
    Status,
    TimePrecision,
    UcdpSide,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
            self.is_staff = extracted != "viewer"
            self.save()


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"actor-{n}")
    name = factory.Sequence(lambda n: f"Armed group {n}")
    kind = ActorKind.JIHADIST


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Incident {n}")
    date_start = date(2024, 3, 1)
    date_end = factory.SelfAttribute("date_start")
    location = factory.LazyFunction(lambda: Point(-3.85, 14.44, srid=4326))
    time_precision = TimePrecision.DAY
    geo_precision = GeoPrecision.EXACT
    event_type = "battles"
    sub_event_type = "armed_clash"
    status = Status.DRAFT


class IncidentActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentActor

    incident = factory.SubFactory(IncidentFactory)
    actor = factory.SubFactory(ActorFactory)
    acled_position = AcledPosition.ACTOR1
    ucdp_side = UcdpSide.A


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    kind = SourceKind.NEWS_REPORT
    publisher = factory.Sequence(lambda n: f"Publisher {n}")
    url = factory.Sequence(lambda n: f"https://news.example.org/report/{n}")
    reliability = Reliability.C


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    incident = factory.SubFactory(IncidentFactory)
    source = factory.SubFactory(SourceFactory)
    summary = "What the source says."


class HarmAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CivilianHarmReport

    incident = factory.SubFactory(IncidentFactory)
    grade = HarmGrade.WEAK


def square(west: float, south: float, east: float, north: float) -> MultiPolygon:
    """A rectangular area, as admin-area geometry."""
    return MultiPolygon(Polygon.from_bbox((west, south, east, north)), srid=4326)


class AdminAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdminArea

    level = 1
    country_code = "ML"
    code = factory.Sequence(lambda n: f"ML-T{n}")
    name_en = factory.Sequence(lambda n: f"Area {n}")
    name_fr = factory.SelfAttribute("name_en")
    source = "builtin"
    geom = factory.LazyFunction(lambda: square(-12, 10, 4, 25))
