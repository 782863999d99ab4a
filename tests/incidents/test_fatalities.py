"""Incident fatalities are derived from the claims, in the database, unless an editor overrides."""

import pytest
from django.db import transaction

from incidents.models import Claim, Incident, Source
from tests.factories import ClaimFactory, IncidentFactory, SourceFactory

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
