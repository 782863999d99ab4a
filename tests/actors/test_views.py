"""The actor directory and an actor's page: login and role required; found by any name; counts
of the incidents the user may see (published ones for viewers); names with their validity,
relations on a time axis, the incidents per month, on a bounded map and by role, with or without
member groups, and the same incidents the map and the list show for the actor."""

import re
from datetime import date

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.db import connection

from actors import selectors
from actors.models import Actor, ActorPresence, ActorRelation
from actors.services import actor_catalogue_load, read_catalogue
from incidents.models import HarmGrade, Status
from tests.factories import (
    HarmAssessmentFactory,
    IncidentActorFactory,
    IncidentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def actors(db):
    """The catalogue (64 actors, their names and relations), by slug; loaded in the test's own
    transaction (the pages need no boundaries or places)."""
    actor_catalogue_load(read_catalogue())
    return {a.slug: a for a in Actor.objects.all()}


def incident(actor, day, *, status=Status.PUBLISHED, killed=None, place=(-3.85, 14.44), **role):
    """An incident of `day` in which `actor` took part (ACLED actor 1 and UCDP side A unless
    `role` says otherwise)."""
    made = IncidentFactory(
        date_start=day,
        date_end=day,
        status=status,
        published_at="2024-01-01T00:00:00Z" if status == Status.PUBLISHED else None,
        location=Point(*place, srid=4326),
        fatalities_best=killed,
        fatalities_override=True,
    )
    IncidentActorFactory(incident=made, actor=actor, **role)
    return made


def directory_slugs(client, query="") -> list[str]:
    response = client.get(f"/actors/{query}")
    assert response.status_code == 200
    return [row["actor"].slug for row in response.context["page"]]


def directory_row(client, slug, query=""):
    response = client.get(f"/actors/{query}")
    return next(row for row in response.context["page"] if row["actor"].slug == slug)


# --- Who may see the pages


@pytest.mark.parametrize("url", ["/actors/", "/actors/jnim/"])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_a_user_without_a_role_is_refused(client, actors):
    client.force_login(UserFactory())
    assert client.get("/actors/").status_code == 403
    assert client.get("/actors/jnim/").status_code == 403


def test_an_unknown_actor_is_not_found(client, users, actors):
    client.force_login(users["viewer"])
    assert client.get("/actors/no-such-group/").status_code == 404


# --- The directory


def test_the_directory_lists_every_actor_of_the_catalogue_by_name(client, users, actors):
    client.force_login(users["viewer"])
    slugs = directory_slugs(client)
    assert len(slugs) == 64
    assert slugs[:2] == ["africa-corps", "al-mourabitoun"]


@pytest.mark.parametrize(
    "text",
    [
        "GSIM",  # a French acronym, an alias
        "jamaat nasr al-islam",  # a transliteration, in part, without its apostrophe
        "Groupe de soutien a l'Islam",  # the French name without its accent
    ],
)
def test_the_directory_finds_an_actor_by_any_of_its_names(client, users, actors, text):
    client.force_login(users["viewer"])
    assert directory_slugs(client, f"?q={text}") == ["jnim"]


def test_the_directory_says_under_which_name_an_actor_was_found(client, users, actors):
    client.force_login(users["viewer"])
    page = client.get("/actors/?q=ISWAP-GS").content.decode()
    assert "found as “ISWAP-GS”" in page
    assert directory_slugs(client, "?q=ISWAP-GS") == ["isgs"]


def test_the_directory_filters_by_kind_and_by_country_of_operation_or_presence(
    client, users, actors
):
    client.force_login(users["viewer"])
    assert directory_slugs(client, "?kind=state&country=NE") == ["fan-niger", "fu-aes"]
    chad = ["iswap", "boko-haram-jas", "operation-barkhane"]
    assert directory_slugs(client, "?country=td") == chad
    # A dated presence in a country counts as operating there.
    ActorPresence.objects.create(actor=actors["wagner"], country_code="TD")
    assert directory_slugs(client, "?country=td") == [*chad, "wagner"]


def test_a_filter_that_cannot_be_read_is_a_400_naming_it(client, users, actors):
    client.force_login(users["viewer"])
    response = client.get("/actors/?kind=pirates&sort=size")
    assert response.status_code == 400
    assert set(response.context["errors"]) == {"kind", "sort"}


def test_a_date_known_only_to_the_year_or_month_shows_as_such(client, users, actors):
    client.force_login(users["viewer"])
    page = client.get("/actors/?q=al-qaeda").content.decode()
    assert "since 1988" in page and "1 Jan 1988" not in page
    assert "since Dec. 2011" in client.get("/actors/?q=ansar dine").content.decode()


def test_counts_are_of_the_incidents_the_user_may_see(client, users, actors):
    jnim = actors["jnim"]
    incident(jnim, date(2024, 3, 1))
    incident(jnim, date(2024, 3, 9))
    incident(jnim, date(2024, 5, 20), status=Status.DRAFT)

    client.force_login(users["viewer"])
    row = directory_row(client, "jnim")
    assert (row["count"].incidents, row["count"].last) == (2, date(2024, 3, 9))
    assert directory_row(client, "fama")["count"] is None

    client.force_login(users["editor"])
    row = directory_row(client, "jnim")
    assert (row["count"].incidents, row["count"].last) == (3, date(2024, 5, 20))


def test_a_renamed_group_counts_the_incidents_of_its_other_names(client, users, actors):
    incident(actors["isgs"], date(2020, 5, 1))  # ISGS, renamed ISSP in March 2022
    incident(actors["issp"], date(2023, 5, 1))
    client.force_login(users["viewer"])
    assert directory_row(client, "isgs")["count"].incidents == 2
    assert directory_row(client, "issp")["count"] == selectors.ActorCount(2, date(2023, 5, 1))
    assert directory_row(client, "jnim")["count"] is None


def test_an_actor_in_two_roles_of_one_incident_counts_it_once(client, users, actors):
    both = incident(actors["fama"], date(2024, 3, 1))
    IncidentActorFactory(
        incident=both, actor=actors["fama"], acled_position="assoc_actor_2", ucdp_side="B"
    )
    client.force_login(users["viewer"])
    assert directory_row(client, "fama")["count"].incidents == 1


def test_the_directory_sorts_by_incidents_and_by_the_last_incident(client, users, actors):
    incident(actors["fama"], date(2020, 1, 1))
    incident(actors["fama"], date(2020, 2, 1))
    incident(actors["jnim"], date(2024, 1, 1))
    client.force_login(users["viewer"])
    assert directory_slugs(client, "?sort=incidents")[:2] == ["fama", "jnim"]
    assert directory_slugs(client, "?sort=last")[:2] == ["jnim", "fama"]
    assert directory_slugs(client, "?sort=-name")[0] == "wagner"


# --- An actor's page


def test_the_page_shows_aliases_with_their_validity_periods(client, users, actors):
    client.force_login(users["viewer"])
    page = client.get("/actors/csp-psd/").content.decode()
    row = re.search(r"<tr><td[^>]*>CSP</td>(.*?)</tr>", page, re.S).group(1)
    assert "acronym" in row
    assert "6 April 2021 – 24 April 2024" in row
    yearly = client.get("/actors/garde-nationale-mali/").content.decode()
    assert "1960 – 1971" in yearly  # "Garde autonome du Mali", known to the year
    assert "since November 2016" in client.get("/actors/msa/").content.decode()


def test_the_relations_are_drawn_as_one_bar_each_on_a_time_axis(client, users, actors):
    client.force_login(users["viewer"])
    macina = actors["katiba-macina"]
    relations = ActorRelation.objects.filter(source=macina) | ActorRelation.objects.filter(
        target=macina
    )
    page = client.get("/actors/katiba-macina/").content.decode()

    assert relations.count() == 3
    assert page.count('<rect class="bar') == 3
    assert {int(pk) for pk in re.findall(r'data-relation="(\d+)"', page)} == {
        r.pk for r in relations
    }
    # Member of Ansar Dine from January 2015 (known to the month) to 2 March 2017; allied with
    # Ansarul Islam since December 2016 and member of JNIM since 2 March 2017, both still so.
    assert page.count('<svg class="open-end"') == 2
    assert page.count('<rect class="vague"') == 2
    assert "Jan. 2015 – 2 March 2017" in page
    # Every bar has its label: the other actor, linked.
    for slug in ("ansar-dine", "ansarul-islam", "jnim"):
        assert f'<a href="/actors/{slug}/">' in page


def test_an_unknown_start_is_drawn_faded(client, users, actors):
    client.force_login(users["viewer"])
    page = client.get("/actors/jnim/").content.decode()
    # Ansarul Islam is allied with JNIM, since a date no source gives.
    assert page.count('<rect class="bar open-start"') == 1
    assert 'mask="url(#fade-in)"' in page


def test_the_members_option_adds_member_groups_while_they_were_members(client, users, actors):
    incident(actors["jnim"], date(2024, 1, 10), killed=4)
    incident(actors["katiba-macina"], date(2018, 6, 1), killed=7)
    incident(actors["katiba-macina"], date(2016, 6, 1), killed=9)  # before the merger
    client.force_login(users["viewer"])

    alone = client.get("/actors/jnim/").context["summary"]
    with_members = client.get("/actors/jnim/?members=1").context["summary"]

    assert (alone.incidents, alone.fatalities) == (1, 4)
    assert (with_members.incidents, with_members.fatalities) == (2, 11)
    assert (with_members.first, with_members.last) == (date(2018, 6, 1), date(2024, 1, 10))


def test_the_month_counts_are_the_incidents_of_each_month(client, users, actors):
    jnim = actors["jnim"]
    incident(jnim, date(2024, 3, 1), killed=2)
    incident(jnim, date(2024, 3, 15), killed=3)
    incident(jnim, date(2024, 3, 31))  # the dead unknown: counted, adds none
    incident(jnim, date(2024, 5, 2), killed=10)
    incident(jnim, date(2024, 6, 2), status=Status.DRAFT, killed=50)  # not for a viewer
    client.force_login(users["viewer"])

    response = client.get("/actors/jnim/")

    assert response.context["summary"].months == [
        (date(2024, 3, 1), 3, 5),
        (date(2024, 4, 1), 0, 0),
        (date(2024, 5, 1), 1, 10),
    ]
    bars = re.findall(
        r'data-month="([\d-]+)" data-incidents="(\d+)" data-fatalities="(\d+)"',
        response.content.decode(),
    )
    assert bars == [("2024-03", "3", "5"), ("2024-04", "0", "0"), ("2024-05", "1", "10")]


def test_the_map_sends_a_bounded_number_of_cells_holding_every_incident(
    client, users, actors, monkeypatch
):
    monkeypatch.setattr(selectors, "MAX_MAP_CELLS", 3)
    for n in range(10):  # ten places 0.07° apart: ten cells of the 0.05° grid
        incident(actors["jnim"], date(2024, 3, 1), place=(-3.0 + 0.07 * n, 14.0), killed=1)
    client.force_login(users["viewer"])

    data = client.get("/actors/jnim/").context["map_data"]

    assert len(data["cells"]) <= 3
    assert sum(cell[2] for cell in data["cells"]) == 10
    assert sum(cell[3] for cell in data["cells"]) == 10
    assert data["grid"] == 0.25  # 0.05 × 5: the least coarsening that leaves at most 3 cells
    assert {data["types"][cell[4]][0] for cell in data["cells"]} == {"battles"}


def test_every_place_has_its_cell_when_there_are_few(client, users, actors):
    incident(actors["jnim"], date(2024, 3, 1), place=(-3.0, 14.0))
    incident(actors["jnim"], date(2024, 3, 2), place=(-3.01, 14.01))  # the same 0.05° cell
    incident(actors["jnim"], date(2024, 3, 3), place=(1.5, 13.5))
    client.force_login(users["viewer"])

    response = client.get("/actors/jnim/")

    cells = response.context["map_data"]["cells"]
    assert response.context["map_data"]["grid"] == 0.05
    assert [(cell[2], cell[0], cell[1]) for cell in cells] == [(2, -3.005, 14.005), (1, 1.5, 13.5)]
    assert 'id="actor-cells"' in response.content.decode()


def test_fatalities_are_split_by_role_counting_an_incident_once_per_role(client, users, actors):
    jnim, macina, ansar = actors["jnim"], actors["katiba-macina"], actors["ansar-dine"]
    incident(jnim, date(2024, 1, 1), killed=10)  # actor 1, side A
    claimed = incident(jnim, date(2024, 2, 1), killed=5, acled_position="actor2", ucdp_side="B")
    claimed.participants.update(claimed_responsibility=True)
    # Two member groups associated with actor 1 in one incident: it counts once.
    shared = incident(
        macina, date(2024, 3, 1), killed=3, acled_position="assoc_actor_1", ucdp_side="A"
    )
    IncidentActorFactory(
        incident=shared, actor=ansar, acled_position="assoc_actor_1", ucdp_side="A"
    )
    client.force_login(users["viewer"])

    roles = client.get("/actors/jnim/?members=1").context["summary"].roles

    assert roles == {
        "actor1": (1, 10),
        "actor2": (1, 5),
        "assoc_actor_1": (1, 3),
        "assoc_actor_2": (0, 0),
        "side_a": (2, 13),
        "side_b": (1, 5),
        "claimed": (1, 5),
    }


def test_civilians_killed_where_an_assessment_alleges_the_actor_did_it(client, users, actors):
    jnim = actors["jnim"]
    attack = incident(jnim, date(2024, 1, 1))
    HarmAssessmentFactory(incident=attack, alleged_perpetrator=jnim, killed_men=3)
    HarmAssessmentFactory(incident=attack, alleged_perpetrator=jnim, killed_unknown=5)
    other = incident(actors["fama"], date(2024, 2, 1))
    HarmAssessmentFactory(
        incident=other, alleged_perpetrator=jnim, killed_women=40, grade=HarmGrade.DISCOUNTED
    )
    client.force_login(users["viewer"])

    summary = client.get("/actors/jnim/").context["summary"]

    assert summary.civilians == (1, 5)  # the highest of the two; the discounted one left out


def test_the_links_show_the_same_incidents_on_the_map_and_in_the_list(client, users, actors):
    incident(actors["jnim"], date(2024, 1, 10))
    incident(actors["katiba-macina"], date(2018, 6, 1))
    incident(actors["katiba-macina"], date(2016, 6, 1))
    client.force_login(users["viewer"])

    response = client.get("/actors/jnim/?members=1")

    assert response.context["map_url"] == "/?actor=jnim&actor_members=true"
    assert response.context["list_url"] == "/incidents/?actor=jnim&actor_members=true"
    listed = client.get(response.context["list_url"]).context["page"].paginator.count
    assert listed == response.context["summary"].incidents == 2


def test_slow_counts_are_kept_a_few_minutes_and_the_page_says_when_they_were_made(
    client, users, actors, monkeypatch
):
    monkeypatch.setattr(selectors, "SLOW_SECONDS", 0)  # every count is "slow"
    db = connection.settings_dict
    key = f"actors:{db.get('HOST')}:{db.get('PORT')}:{db['NAME']}:counts:published"
    cache.delete(key)
    incident(actors["jnim"], date(2024, 1, 10))
    client.force_login(users["viewer"])
    try:
        assert directory_row(client, "jnim")["count"].incidents == 1
        incident(actors["jnim"], date(2024, 1, 11))
        response = client.get("/actors/")
        kept = next(row for row in response.context["page"] if row["actor"].slug == "jnim")
        assert kept["count"].incidents == 1  # as counted a moment ago
        assert "Counted at" in response.content.decode()
    finally:
        cache.delete(key)


def test_the_pages_still_count_when_the_cache_is_down(
    client, users, actors, settings, private_redis, monkeypatch
):
    url, process = private_redis
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    monkeypatch.setattr(selectors, "SLOW_SECONDS", 0)  # every count would be kept
    incident(actors["jnim"], date(2024, 1, 10))
    client.force_login(users["viewer"])
    process.terminate()
    process.wait(timeout=10)

    assert directory_row(client, "jnim")["count"].incidents == 1
    assert client.get("/actors/jnim/").context["summary"].incidents == 1
