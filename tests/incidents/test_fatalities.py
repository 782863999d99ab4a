"""Incident estimates are derived from the claims, per category, in the database, unless an editor
overrides them; unknown stays unknown, through derivation and on the page."""

import re

import pytest
from django.db import transaction

from incidents.models import ESTIMATES, Claim, Incident, Source
from tests.factories import ClaimFactory, HarmAssessmentFactory, IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db


def figures(incident):
    incident = Incident.objects.get(pk=incident.pk)
    return incident.fatalities_low, incident.fatalities_best, incident.fatalities_high


def test_best_comes_from_the_most_reliable_source_and_bounds_from_all_claims():
    incident = IncidentFactory()
    ClaimFactory(
        incident=incident,
        source=SourceFactory(reliability="E"),
        credibility=4,
        fatalities_low=40,
        fatalities_best=60,
        fatalities_high=60,
    )  # an inflated claim
    ClaimFactory(
        incident=incident,
        source=SourceFactory(reliability="B"),
        credibility=2,
        fatalities_low=7,
        fatalities_best=9,
        fatalities_high=12,
    )
    ClaimFactory(
        incident=incident, source=SourceFactory(reliability="C"), credibility=3, fatalities_best=5
    )
    assert figures(incident) == (7, 9, 60)


def test_unstated_bounds_stay_unknown_instead_of_copying_the_best_figure():
    incident = IncidentFactory()
    ClaimFactory(incident=incident, fatalities_best=7)
    assert figures(incident) == (None, 7, None)


def test_ties_in_reliability_take_the_lower_figure():
    incident = IncidentFactory()
    ClaimFactory(
        incident=incident, source=SourceFactory(reliability="B"), credibility=2, fatalities_best=12
    )
    ClaimFactory(
        incident=incident, source=SourceFactory(reliability="B"), credibility=2, fatalities_best=8
    )
    assert figures(incident)[1] == 8


def test_bounds_widen_to_include_the_chosen_best():
    incident = IncidentFactory()
    ClaimFactory(
        incident=incident, source=SourceFactory(reliability="A"), credibility=1, fatalities_best=3
    )
    ClaimFactory(
        incident=incident,
        source=SourceFactory(reliability="D"),
        fatalities_low=10,
        fatalities_best=10,
        fatalities_high=10,
    )
    assert figures(incident) == (3, 3, 10)


def test_editing_deleting_and_regrading_claims_rederives():
    incident = IncidentFactory()
    reliable = ClaimFactory(
        incident=incident, source=SourceFactory(reliability="B"), fatalities_best=9
    )
    other = ClaimFactory(
        incident=incident, source=SourceFactory(reliability="C"), fatalities_best=4
    )
    assert figures(incident)[1] == 9
    Claim.objects.filter(pk=reliable.pk).update(fatalities_best=11)
    assert figures(incident)[1] == 11
    Source.objects.filter(pk=other.source_id).update(reliability="A")
    assert figures(incident)[1] == 4
    other.delete()
    assert figures(incident)[1] == 11
    reliable.delete()
    assert figures(incident) == (None, None, None)


def test_an_editor_override_is_kept_until_switched_off():
    incident = IncidentFactory()
    ClaimFactory(incident=incident, fatalities_best=9)
    Incident.objects.filter(pk=incident.pk).update(
        fatalities_override=True, fatalities_low=12, fatalities_best=14, fatalities_high=20
    )
    ClaimFactory(incident=incident, fatalities_best=3)
    assert figures(incident) == (12, 14, 20)
    Incident.objects.filter(pk=incident.pk).update(fatalities_override=False)
    assert figures(incident)[1] in {3, 9}


def test_a_claim_that_would_break_the_order_is_refused_and_nothing_changes():
    from django.db import IntegrityError

    incident = IncidentFactory()
    ClaimFactory(incident=incident, fatalities_best=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(incident=incident, fatalities_low=9, fatalities_best=3)
    assert figures(incident) == (None, 5, None)


def estimates(incident) -> dict:
    incident = Incident.objects.get(pk=incident.pk)
    return {prefix: incident.estimate(prefix) for prefix in ESTIMATES}


def test_each_category_is_derived_from_the_claims_that_state_it():
    """An army communiqué counts "terrorists neutralised"; a rights group counts civilians and
    children: conflicting claims, each category derived on its own."""
    incident = IncidentFactory()
    ClaimFactory(
        incident=incident,
        source=SourceFactory(publisher="AES press service", reliability="D"),
        credibility=4,
        killed_side_b_best=30,
        fatalities_best=30,
    )
    ClaimFactory(
        incident=incident,
        source=SourceFactory(publisher="Amnesty International", reliability="B"),
        credibility=2,
        killed_civilians_low=8,
        killed_civilians_best=8,
        injured_best=15,
    )
    ClaimFactory(
        incident=incident,
        source=SourceFactory(publisher="Local association", reliability="C"),
        credibility=3,
        killed_civilians_best=12,
        killed_civilians_high=15,
        abducted_low=2,
    )
    derived = estimates(incident)
    # The most reliable source that states a figure gives the best of each category.
    assert derived["killed_civilians"] == (8, 8, 15)
    assert derived["killed_side_b"] == (None, 30, None)
    assert derived["injured"] == (None, 15, None)
    assert derived["abducted"] == (2, None, None)
    # The total: Amnesty states no total, so its categories count (8); it is the most reliable.
    assert derived["fatalities"] == (8, 8, None)
    # Nobody said anything of side A or of dead of unknown status: unknown, not zero.
    assert derived["killed_side_a"] == (None, None, None)
    assert derived["killed_unknown"] == (None, None, None)


def test_unknown_counts_stay_unknown_on_the_page(client, users):
    incident = IncidentFactory(status="published", published_at="2024-01-01T00:00:00Z")
    ClaimFactory(incident=incident, killed_civilians_best=8)
    HarmAssessmentFactory(incident=incident, killed_children=6, killed_women=None)
    client.force_login(users["viewer"])
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    cells = re.findall(r"<td>([^<]*)</td>", page)
    assert "? – 8 – ?" in cells  # civilians killed: only a best figure
    assert "unknown" in cells  # side A killed: nothing known, shown as unknown
    assert "0" not in cells, "an unknown count is never shown as zero"
    harm = page[page.index("harm-counts") :]
    assert "<td>6</td><td>?</td>" in harm.replace("\n", "").replace(" ", "")


# Claims of several incidents, as a list per incident of (source reliability, claim's figures):
# ties, categories without a total, bounds wider than the best, a claim with no figure at all.
CLAIM_SETS = [
    [
        ("B", {"fatalities_low": 7, "fatalities_best": 9, "fatalities_high": 12}),
        ("E", {"fatalities_low": 40, "fatalities_best": 60, "fatalities_high": 60}),
        ("C", {"fatalities_best": 5, "injured_best": 3}),
    ],
    [("B", {"fatalities_best": 12}), ("B", {"fatalities_best": 8})],
    [
        ("A", {"killed_civilians_best": 4, "killed_side_a_best": 2}),
        (
            "D",
            {
                "killed_civilians_low": 1,
                "killed_civilians_best": 9,
                "killed_civilians_high": 20,
                "abducted_best": 6,
            },
        ),
    ],
    [("C", {})],
    [
        ("F", {"killed_unknown_low": 3, "killed_unknown_best": 5, "fatalities_high": 30}),
        ("B", {"fatalities_best": 2, "injured_low": 1, "injured_best": 2, "injured_high": 4}),
    ],
]


def test_a_bulk_insert_of_many_claims_derives_what_row_by_row_creation_derives():
    """The estimates are derived once per statement (one set-based derivation for every incident
    it touched, as a bulk import writes them): the figures must be those of claims saved one by
    one, as forms, the API and the workers save them."""
    one_by_one, bulk = [], []
    for claims in CLAIM_SETS:
        incident = IncidentFactory()
        for reliability, values in claims:
            ClaimFactory(incident=incident, source=SourceFactory(reliability=reliability), **values)
        one_by_one.append(estimates(incident))
    incidents = [IncidentFactory() for _ in CLAIM_SETS]
    Claim.objects.bulk_create(
        [
            Claim(
                incident=incident,
                source=SourceFactory(reliability=reliability),
                summary="What the source says.",
                **values,
            )
            for incident, claims in zip(incidents, CLAIM_SETS, strict=True)
            for reliability, values in claims
        ]
    )
    bulk.extend(estimates(incident) for incident in incidents)
    assert bulk == one_by_one
    assert [figures(i) for i in incidents][:2] == [(7, 9, 60), (None, 8, None)]

    # One statement moving claims between incidents re-derives both ends of each move.
    first, second = incidents[0], incidents[1]
    Claim.objects.filter(incident=second).update(incident=first)
    assert figures(second) == (None, None, None)  # no claim left: unknown, not zero
    assert figures(first) == derived(first)
    # One statement deleting the claims of several incidents leaves them all unknown.
    Claim.objects.filter(incident__in=incidents).delete()
    assert {figures(i) for i in incidents} == {(None, None, None)}


def derived(incident) -> tuple:
    """The figures the rule gives for an incident's claims as they are now."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT fatalities_low, fatalities_best, fatalities_high"
            " FROM incidents_estimates_row(%s)",
            [incident.pk],
        )
        return cursor.fetchone()
