"""The database itself refuses what must never be stored, whichever way it is written (these
tests bypass Python validation with queryset.update() or create()), each refusal naming the rule
it broke; and full_clean() turns the same rules into clear messages for forms and the API."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from actors.models import ActorRelation
from incidents.models import (
    CivilianHarmReport,
    Claim,
    Incident,
    IncidentActor,
    Source,
    Status,
    Victim,
)
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    HarmAssessmentFactory,
    IncidentActorFactory,
    IncidentFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(constraint: str, queryset, **values) -> None:
    """The update is refused by the named constraint, and the rows keep their values."""
    fields = list(values)
    before = list(queryset.values_list(*fields))
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        queryset.update(**values)
    assert list(queryset.values_list(*fields)) == before


def refused_create(constraint: str, model, **values) -> None:
    count = model.objects.count()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        model.objects.create(**values)
    assert model.objects.count() == count


@pytest.fixture
def incident():
    return IncidentFactory()


def incident_qs(incident):
    return Incident.objects.filter(pk=incident.pk)


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"fatalities_low": 5, "fatalities_best": 3}, "incident_fatalities_ordered"),
        ({"fatalities_best": 9, "fatalities_high": 4}, "incident_fatalities_ordered"),
        ({"fatalities_low": 9, "fatalities_high": 4}, "incident_fatalities_ordered"),
        ({"killed_civilians_low": 9, "killed_civilians_best": 4}, "killed_civilians_ordered"),
        ({"killed_side_b_best": 9, "killed_side_b_high": 4}, "killed_side_b_ordered"),
        ({"injured_low": 3, "injured_high": 2}, "incident_injured_ordered"),
        ({"abducted_low": 3, "abducted_best": 2}, "incident_abducted_ordered"),
        ({"date_start": "2024-03-02", "date_end": "2024-03-01"}, "incident_dates_ordered"),
        ({"location": "SRID=4326;POINT(181 10)"}, "incident_location_in_range"),
        ({"location": "SRID=4326;POINT(-3 91)"}, "incident_location_in_range"),
        ({"sub_event_type": "air_drone_strike"}, "incident_sub_event_type_matches_event_type"),
        ({"event_type": "protests"}, "incident_sub_event_type_matches_event_type"),
        ({"status": "published"}, "incident_published_has_date"),
        ({"status": "retracted"}, "incident_retraction_has_reason"),
        ({"status": "archived"}, "incident_status_valid"),
        ({"time_precision": 4}, "incident_time_precision_matches_range"),
        ({"geo_precision": 0}, "incident_geo_precision_valid"),
        ({"ucdp_where_prec": 8}, "incident_ucdp_where_prec_valid"),
        ({"ucdp_violence_type": 4}, "incident_ucdp_violence_type_valid"),
        ({"title": ""}, "incident_title_not_empty"),
    ],
)
def test_database_refuses_bad_incident(incident, values, constraint):
    refused(constraint, incident_qs(incident), **values)


def test_database_refuses_negative_fatalities(incident):
    refused("fatalities_best_check", incident_qs(incident), fatalities_best=-1)


def test_precision_is_required_on_entry_with_no_default():
    for name in ("time_precision", "geo_precision"):
        field = Incident._meta.get_field(name)
        assert not field.null and not field.has_default(), name
    incident = IncidentFactory.build(time_precision=None, geo_precision=None)
    with pytest.raises(ValidationError) as error:
        incident.full_clean()
    assert {"time_precision", "geo_precision"} <= set(error.value.message_dict)


@pytest.mark.parametrize(
    ("start", "end", "acled", "ucdp", "accepted"),
    [
        ("2024-03-01", "2024-03-01", 1, 1, True),
        ("2024-03-01", "2024-03-04", 1, None, False),  # four days are not "the actual day"
        ("2024-03-01", "2024-03-04", 2, 2, True),
        ("2024-03-01", "2024-03-01", 2, None, False),  # one day is not "a week"
        ("2024-03-01", "2024-03-31", 2, None, False),  # a month is not "a week"
        ("2024-03-01", "2024-03-31", 3, 4, True),
        ("2024-03-01", "2024-03-03", 3, None, False),  # three days are not "only the month"
        ("2024-03-01", "2024-03-05", 2, 1, False),  # UCDP: five days are not an exact date
        ("2024-03-01", "2024-03-31", 3, 3, False),  # UCDP: a month is not a week
        ("2024-07-28", "2024-11-30", 3, 5, True),  # within a year: "only the year"
        ("2024-07-28", "2024-11-30", 3, 4, False),
        ("2023-01-01", "2024-06-30", 3, 5, False),  # more than a year: no UCDP code fits
        ("2023-01-01", "2024-06-30", 3, None, True),
    ],
)
def test_a_date_range_whose_width_contradicts_its_precision_is_refused(
    incident, start, end, acled, ucdp, accepted
):
    values = {"date_start": start, "date_end": end, "time_precision": acled, "ucdp_date_prec": ucdp}
    if accepted:
        incident_qs(incident).update(**values)
        incident.refresh_from_db()
        assert (incident.time_precision, incident.ucdp_date_prec) == (acled, ucdp)
    else:
        constraint = "incident_time_precision_matches_range|incident_ucdp_date_prec_matches_range"
        refused(constraint, incident_qs(incident), **values)
        incident.date_start, incident.date_end = date.fromisoformat(start), date.fromisoformat(end)
        incident.time_precision, incident.ucdp_date_prec = acled, ucdp
        with pytest.raises(ValidationError, match="does not match the date range"):
            incident.full_clean()


def test_sub_event_type_may_be_blank_only_in_a_draft(incident):
    incident_qs(incident).update(sub_event_type="")
    incident.refresh_from_db()
    assert incident.sub_event_type == ""
    refused(
        "incident_sub_event_type_matches_event_type", incident_qs(incident), status=Status.IN_REVIEW
    )


def test_location_may_be_missing_only_in_a_draft(incident):
    incident_qs(incident).update(location=None)
    refused(
        "incident_location_required_after_draft", incident_qs(incident), status=Status.IN_REVIEW
    )


def test_database_refuses_an_author_publishing_their_own_entry(incident):
    author = UserFactory()
    incident_qs(incident).update(created_by=author)
    refused("incident_not_published_by_its_author", incident_qs(incident), published_by=author)


def test_unknown_bounds_stay_allowed(incident):
    incident_qs(incident).update(fatalities_low=None, fatalities_best=7, fatalities_high=None)
    incident.refresh_from_db()
    assert incident.estimate("fatalities") == (None, 7, None)


def test_every_sub_event_type_is_accepted_with_its_own_event_type(incident):
    from incidents.taxonomy import SUB_EVENT_TYPES

    for sub_event_type, grouping in SUB_EVENT_TYPES.items():
        incident_qs(incident).update(event_type=grouping.event_type, sub_event_type=sub_event_type)
        incident.refresh_from_db()
        assert (incident.event_type, incident.sub_event_type) == (
            grouping.event_type,
            sub_event_type,
        )
    assert len(SUB_EVENT_TYPES) == 25


def test_full_clean_explains_the_rules_in_words(incident):
    incident.fatalities_low, incident.fatalities_best = 10, 2
    incident.sub_event_type = "peaceful_protest"
    incident.date_start, incident.date_end = date(2024, 3, 28), date(2024, 3, 27)
    with pytest.raises(ValidationError) as error:
        incident.full_clean()
    messages = " ".join(error.value.messages)
    assert "low ≤ best ≤ high" in messages
    assert "does not belong to the event type" in messages
    assert "end date cannot be before the start date" in messages


# --- participants -----------------------------------------------------------------------------


def test_a_jnim_claim_coded_by_ucdp_as_side_b_is_storable(incident):
    jnim = ActorFactory(slug="jnim-test")
    participant = IncidentActor.objects.create(
        incident=incident, actor=jnim, ucdp_side="B", claimed_responsibility=True, initiator=True
    )
    participant.refresh_from_db()
    assert (
        participant.acled_position,
        participant.ucdp_side,
        participant.claimed_responsibility,
    ) == (
        "",
        "B",
        True,
    )


def test_a_participant_needs_a_position_or_a_side(incident):
    refused_create(
        "incident_actor_has_a_role",
        IncidentActor,
        incident=incident,
        actor=ActorFactory(),
        acled_position="",
        ucdp_side="",
    )


def test_an_incident_has_one_acled_actor_1_and_one_actor_2(incident):
    IncidentActorFactory(incident=incident, acled_position="actor1")
    IncidentActorFactory(incident=incident, acled_position="actor2", ucdp_side="B")
    refused_create(
        "incident_actor_one_actor1",
        IncidentActor,
        incident=incident,
        actor=ActorFactory(),
        acled_position="actor1",
    )
    refused_create(
        "incident_actor_one_actor2",
        IncidentActor,
        incident=incident,
        actor=ActorFactory(),
        acled_position="actor2",
    )
    IncidentActorFactory(incident=incident, acled_position="assoc_actor_1")
    IncidentActorFactory(incident=incident, acled_position="assoc_actor_1")
    assert incident.participants.filter(acled_position="assoc_actor_1").count() == 2


def test_the_acled_type_code_belongs_to_the_participant(incident):
    """State forces fighting abroad (a joint AES operation) are external forces there."""
    army = ActorFactory(kind="state")
    participant = IncidentActorFactory(incident=incident, actor=army, acled_inter=8)
    assert army.acled_inter_code == 1 and participant.acled_inter_code == 8
    refused(
        "incident_actor_acled_inter_valid",
        IncidentActor.objects.filter(pk=participant.pk),
        acled_inter=9,
    )


# --- claims and sources -----------------------------------------------------------------------


def test_claims_refuse_unordered_figures_and_duplicates():
    claim = ClaimFactory(fatalities_best=5, killed_civilians_best=4)
    claims = Claim.objects.filter(pk=claim.pk)
    refused("claim_fatalities_ordered", claims, fatalities_high=2)
    refused("claim_killed_civilians_ordered", claims, killed_civilians_high=2)
    refused_create(
        "claim_one_per_source", Claim, incident=claim.incident, source=claim.source, summary="again"
    )


def test_a_claims_total_cannot_be_below_what_its_categories_say_at_least():
    claim = ClaimFactory(killed_civilians_low=8, killed_side_a_low=3)
    refused("claim_total_covers_categories", Claim.objects.filter(pk=claim.pk), fatalities_high=10)
    Claim.objects.filter(pk=claim.pk).update(fatalities_high=11)


def test_a_claim_keeps_the_date_and_place_its_source_gives():
    claim = ClaimFactory(
        stated_date_start=date(2024, 10, 21), stated_place="the market of Inadiatafane"
    )
    refused(
        "claim_stated_dates_ordered",
        Claim.objects.filter(pk=claim.pk),
        stated_date_end=date(2024, 10, 20),
    )


def test_source_language_is_iso_639_3_and_a_publication_date_says_how_precise_it_is():
    source = SourceFactory(
        language="taq", published_on=date(2024, 11, 1), published_on_precision="month"
    )
    sources = Source.objects.filter(pk=source.pk)
    refused("source_language_iso_639_3", sources, language="fr")
    refused("source_publication_date_has_precision", sources, published_on_precision="")
    refused("source_publication_date_has_precision", sources, published_on=None)
    with pytest.raises(ValidationError, match="ISO 639-3"):
        SourceFactory.build(language="fr", publisher="X").full_clean()


# --- civilian harm ----------------------------------------------------------------------------


def test_an_incident_can_have_several_harm_assessments_with_unknown_counts(incident):
    imported = HarmAssessmentFactory(incident=incident, grade="not_assessed", killed_unknown=12)
    graded = HarmAssessmentFactory(incident=incident, grade="fair", killed_children=6)
    assert set(incident.harm_assessments.all()) == {imported, graded}
    graded.refresh_from_db()
    assert (graded.killed_women, graded.killed_total, graded.total("injured")) == (None, 6, None)


def test_civilian_harm_rules(incident):
    report = HarmAssessmentFactory(incident=incident, killed_children=3, killed_women=1)
    reports = CivilianHarmReport.objects.filter(pk=report.pk)
    refused("harm_killed_max_covers_counts", reports, killed_max=3)
    refused("harm_died_later_children_among_killed", reports, died_later_children=4)
    refused("harm_died_later_among_killed", reports, died_later_unknown=5)
    refused("harm_grade_valid", reports, grade="certain")
    refused("harm_means_valid", reports, means=["napalm"])
    refused("harm_objects_hit_valid", reports, objects_hit=["castle"])
    refused("harm_drone_type_with_drone_strike", reports, means=["artillery"], drone_type="TB2")
    reports.update(
        means=["drone_strike"],
        drone_type="Bayraktar TB2",
        strikes=3,
        objects_hit=["market", "vehicle"],
        died_later_children=3,
    )


@pytest.mark.parametrize(
    ("values", "accepted"),
    [
        ({"age_years": 6, "age_group": "child"}, True),
        ({"age_years": 6, "age_group": "adult"}, False),
        ({"age_years": 18, "age_group": "child"}, False),  # an 18-year-old is not a child
        ({"age_years": 18, "age_group": "adult"}, True),
        ({"age_years": 50, "age_approximate": True, "age_group": "adult"}, True),
        ({"age_years": 45, "age_group": "elderly"}, False),
        ({"age_years": 70, "age_group": "elderly"}, True),
        ({"age_months": 6, "age_group": "child"}, True),
        ({"age_months": 6, "age_group": "adult"}, False),
        ({"age_months": 40, "age_group": "child"}, False),  # months only under three
        ({"age_months": 6, "age_years": 0, "age_group": "child"}, False),  # not both
        ({"age_years": 6, "age_group": "unknown"}, False),  # a known age has its group
        ({"age_group": "unknown"}, True),
        ({"age_group": "adult"}, True),  # "a young man": adult, age unknown
    ],
)
def test_the_age_and_the_age_group_must_agree(incident, values, accepted):
    report = HarmAssessmentFactory(incident=incident)
    row = {"report": report, "status": "killed", **values}
    if accepted:
        victim = Victim.objects.create(**row)
        assert Victim.objects.filter(pk=victim.pk).exists()
    else:
        refused_create("victim_age_matches_group|victim_age_in_years_or_months", Victim, **row)
        with pytest.raises(ValidationError):
            Victim(**row).full_clean()


def test_a_victim_record_keeps_status_dates_and_place(incident):
    report = HarmAssessmentFactory(incident=incident)
    victim = Victim.objects.create(
        report=report,
        age_years=9,
        age_group="child",
        sex="female",
        status="died_later",
        death_or_treatment_date=date(2024, 10, 21),
        death_or_treatment_date_end=date(2024, 10, 22),
        death_or_treatment_place="on the way to Timbuktu hospital",
    )
    refused(
        "victim_dates_ordered",
        Victim.objects.filter(pk=victim.pk),
        death_or_treatment_date_end=date(2024, 10, 20),
    )
    refused("victim_status_valid", Victim.objects.filter(pk=victim.pk), status="missing")
    Victim.objects.filter(pk=victim.pk).update(status="abducted")


# --- actors -----------------------------------------------------------------------------------


def test_actor_relations_refuse_loops_and_reversed_periods():
    a, b = ActorFactory(), ActorFactory()
    refused_create(
        "actor_relation_not_to_itself", ActorRelation, source=a, target=a, type="member_of"
    )
    refused_create(
        "actor_relation_period_ordered",
        ActorRelation,
        source=a,
        target=b,
        type="member_of",
        start_date="2020-01-01",
        end_date="2019-01-01",
    )
    refused_create("actor_relation_type_valid", ActorRelation, source=a, target=b, type="friend_of")
    ActorRelation.objects.create(source=a, target=b, type="split_from", countries=["ML"])


def test_geometry_index_exists_on_incident_location():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'incidents_incident'")
        definitions = " ".join(row[0] for row in cursor.fetchall())
    assert "USING gist (location)" in definitions
    assert "USING gin (tags)" in definitions
