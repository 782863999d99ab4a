"""Reading actors: an actor's group over time (members while they were members, other names both
ways in time), names matched with the alias valid on a date, and who was active where and when."""

from datetime import date

import pytest

from actors.models import Actor
from actors.selectors import (
    FOREVER,
    NEVER,
    ActorWindow,
    actor_activity,
    actor_group_windows,
    actors_matching_name,
)
from actors.services import actor_catalogue_load, read_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    actor_catalogue_load(read_catalogue())
    return {a.slug: a.pk for a in Actor.objects.all()}


def windows_by_slug(windows: list[ActorWindow]) -> dict[str, set[tuple[date, date]]]:
    slugs = dict(Actor.objects.values_list("pk", "slug"))
    found: dict[str, set[tuple[date, date]]] = {}
    for w in windows:
        found.setdefault(slugs[w.actor_id], set()).add((w.start, w.end))
    return found


def test_jnim_includes_its_member_groups_only_while_they_were_members(catalogue):
    found = windows_by_slug(actor_group_windows([catalogue["jnim"]]))
    assert found["jnim"] == {(NEVER, FOREVER)}
    merger = date(2017, 3, 2)
    assert found["ansar-dine"] == {(merger, FOREVER)}
    assert found["katiba-macina"] == {(merger, FOREVER)}
    assert "isgs" not in found and "issp" not in found


def test_without_members_only_the_names_of_the_same_organisation_count(catalogue):
    found = windows_by_slug(actor_group_windows([catalogue["jnim"]], members=False))
    assert set(found) == {"jnim"}


def test_renames_are_followed_both_ways_whatever_the_date(catalogue):
    assert windows_by_slug(actor_group_windows([catalogue["issp"]], members=False)) == {
        "issp": {(NEVER, FOREVER)},
        "isgs": {(NEVER, FOREVER)},
    }
    assert "issp" in windows_by_slug(actor_group_windows([catalogue["isgs"]], members=False))


def test_a_name_matches_the_actor_it_meant_on_the_date(catalogue):
    assert list(actors_matching_name("Jama’at Nusrat al-Islam wal-Muslimin")) == [
        Actor.objects.get(slug="jnim")
    ]
    assert (
        not actors_matching_name("Jama'at Nusrat al-Islam", on=date(2017, 3, 2))
        .filter(slug="fama")
        .exists()
    )


def test_french_forces_are_active_in_niger_after_leaving_mali(catalogue):
    french = actor_activity()["french-forces"]
    day = date(2023, 5, 1)
    assert french.active("NE", day, day)
    assert not french.active("ML", day, day)
    assert french.active("ML", date(2020, 5, 1), date(2020, 5, 1))


def test_wagner_is_present_in_mali_only_while_attached_to_the_army(catalogue):
    wagner = actor_activity()["wagner"]
    assert not wagner.active("ML", date(2020, 6, 1), date(2020, 6, 1))
    assert wagner.active("ML", date(2023, 6, 1), date(2023, 6, 1))
