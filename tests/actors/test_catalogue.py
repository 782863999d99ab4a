"""The reference catalogue itself (actors/reference/actors.json): actors as they change.

Pins what the catalogue says about time-bound names, dated and scoped relations, splits and the
actors added to it, and that ACTORS.md states the catalogue's true size."""

import re
from datetime import date
from itertools import combinations

import pytest

from actors.models import Actor, ActorAlias, ActorRelation, DatePrecision
from actors.selectors import actor_activity, actors_matching_name
from actors.services import CATALOGUE_PATH, actor_catalogue_load, read_catalogue

pytestmark = pytest.mark.django_db

NEVER, FOREVER = date.min, date.max


@pytest.fixture
def catalogue():
    return actor_catalogue_load(read_catalogue())


def relation(source, type_, target):
    return ActorRelation.objects.get(source__slug=source, type=type_, target__slug=target)


def matching(text, on):
    return sorted(actors_matching_name(text, on=on).values_list("slug", flat=True))


def test_every_relation_cites_at_least_one_source(catalogue):
    for entry in read_catalogue()["relations"]:
        label = f"{entry['source']} {entry['type']} {entry['target']}"
        assert entry.get("references"), label
        for ref in entry["references"]:
            assert ref.get("publisher") and ref.get("title") and ref.get("url"), label
    loaded = ActorRelation.objects.filter(catalogue=True)
    assert loaded.count() == len(read_catalogue()["relations"])
    assert not [str(r) for r in loaded if not r.references]


def test_normalised_aliases_are_shared_only_by_periods_that_do_not_overlap(catalogue):
    by_name: dict[str, list[tuple[int, date, date, str]]] = {}
    for actor_id, name, normalised, valid_from, valid_until in ActorAlias.objects.values_list(
        "actor_id", "name", "normalised", "valid_from", "valid_until"
    ):
        by_name.setdefault(normalised, []).append(
            (actor_id, valid_from or NEVER, valid_until or FOREVER, name)
        )
    clashes = [
        (a[3], b[3])
        for aliases in by_name.values()
        for a, b in combinations(aliases, 2)
        if a[0] != b[0] and a[1] <= b[2] and b[1] <= a[2]
    ]
    assert clashes == []
    # The rule is used, not only allowed: "CSP" is shared in time.
    shared = {n for n, aliases in by_name.items() if len({a[0] for a in aliases}) > 1}
    assert "csp" in shared


def test_csp_means_the_csp_psd_in_2022_and_the_csp_dpa_in_late_2024(catalogue):
    assert matching("CSP", date(2022, 6, 1)) == ["csp-psd"]
    assert matching("CSP", date(2024, 10, 15)) == ["csp-dpa"]
    assert matching("CSP", date(2020, 1, 1)) == []
    # The renaming meeting of 25-30 April 2024 is the boundary; no day has both.
    assert matching("CSP", date(2024, 4, 24)) == ["csp-psd"]
    assert matching("CSP", date(2024, 4, 25)) == ["csp-dpa"]
    assert matching("cadre strategique permanent", date(2024, 10, 15)) == ["csp-dpa"]


@pytest.mark.parametrize("member", ["mnla", "hcua", "maa-cma"])
def test_azawad_movements_were_members_of_the_csp_dpa_until_the_fla(catalogue, member):
    membership = relation(member, "member_of", "csp-dpa")
    assert (membership.start_date, membership.start_precision) == (
        date(2024, 4, 1),
        DatePrecision.MONTH,
    )
    assert (membership.end_date, membership.end_precision) == (
        date(2024, 11, 30),
        DatePrecision.DAY,
    )
    assert relation(member, "succeeded_by", "fla").start_date == date(2024, 11, 30)


def test_the_csp_dpa_was_created_in_2024(catalogue):
    csp_dpa = Actor.objects.get(slug="csp-dpa")
    assert csp_dpa.active_from == date(2024, 4, 1)
    assert csp_dpa.active_from_precision == DatePrecision.MONTH
    assert "2023" not in csp_dpa.description


def test_the_cma_reaches_the_fla_only_through_the_csp_dpa(catalogue):
    assert not ActorRelation.objects.filter(
        source__slug="cma", target__slug="fla", type="succeeded_by"
    ).exists()
    assert relation("cma", "succeeded_by", "csp-dpa").start_date == date(2024, 4, 1)
    assert relation("csp-dpa", "succeeded_by", "fla").start_date == date(2024, 11, 30)
    assert relation("csp-psd", "renamed_to", "csp-dpa")


def test_wagner_attachment_ends_with_the_exit_announced_in_june_2025(catalogue):
    attached = relation("wagner", "attached_to", "fama")
    assert attached.start_date == date(2021, 12, 1)
    assert attached.end_date == date(2025, 6, 30)
    assert attached.end_precision == DatePrecision.MONTH
    assert "announce" in attached.note


def test_africa_corps_succeeds_wagner_in_mali_only(catalogue):
    succession = relation("wagner", "succeeded_by", "africa-corps")
    assert succession.countries == ["ML"]
    assert (succession.start_date, succession.start_precision) == (
        date(2025, 6, 1),
        DatePrecision.MONTH,
    )
    wagner = actor_activity()["wagner"]
    assert wagner.end == FOREVER  # the organisation goes on elsewhere
    assert wagner.active("ML", date(2024, 6, 1), date(2024, 6, 1))
    assert not wagner.active("ML", date(2025, 7, 1), date(2025, 7, 1))


@pytest.mark.parametrize(
    "source, target, start, precision",
    [
        ("isgs", "al-mourabitoun", date(2015, 5, 1), DatePrecision.MONTH),
        ("mujao", "aqim", date(2011, 1, 1), DatePrecision.YEAR),
        ("al-mulathamun", "aqim", date(2012, 12, 1), DatePrecision.MONTH),
        ("msa", "mnla", date(2016, 9, 2), DatePrecision.DAY),
    ],
)
def test_splits_are_recorded_with_their_dates(catalogue, source, target, start, precision):
    split = relation(source, "split_from", target)
    assert (split.start_date, split.start_precision) == (start, precision)
    assert split.references


@pytest.mark.parametrize(
    "slug, kind",
    [
        ("msa", "militia"),
        ("msa-c", "militia"),
        ("gatia", "militia"),
        ("cmfpr", "militia"),
        ("cmfpr-2", "militia"),
        ("ganda-izo", "militia"),
        ("ganda-koy", "militia"),
        ("police-mali", "state"),
        ("gendarmerie-mali", "state"),
        ("garde-nationale-mali", "state"),
        ("fu-aes", "state"),
        ("fpl", "rebel"),
        ("crr", "rebel"),
        ("fal", "rebel"),
        ("fpj", "rebel"),
        ("canik-academy", "external"),
    ],
)
def test_actors_named_in_sahel_reports_are_in_the_catalogue(catalogue, slug, kind):
    actor = Actor.objects.get(slug=slug)
    assert actor.kind == kind
    assert actor.aliases.exists()
    assert actor.references


@pytest.mark.parametrize(
    "spelling, on, slug",
    [
        ("Mouvement pour le salut de l'Azawad", date(2020, 1, 1), "msa"),
        ("MSA-D", date(2020, 1, 1), "msa"),
        ("Ganda Iso", date(2012, 8, 1), "ganda-izo"),
        ("Garde républicaine et Goum du Mali", date(1980, 1, 1), "garde-nationale-mali"),
        ("Force unifiée de l'AES", date(2025, 12, 20), "fu-aes"),
        ("Front patriotique de libération", date(2024, 6, 17), "fpl"),
        ("Forces armées libres", date(2024, 10, 19), "fal"),
    ],
)
def test_new_actors_are_found_by_their_names(catalogue, spelling, on, slug):
    assert matching(spelling, on) == [slug]


def test_canik_is_an_external_actor_reported_present_not_fighting(catalogue):
    canik = Actor.objects.get(slug="canik-academy")
    assert canik.kind == "external"
    assert canik.fighting_party is False
    assert canik.acled_inter is None
    assert len(canik.references) == 1
    assert "theatlasnews.com" in canik.references[0]["url"]
    not_fighting = Actor.objects.filter(fighting_party=False).values_list("slug", flat=True)
    assert set(not_fighting) == {"canik-academy", "crr"}


def test_actors_md_states_the_true_counts(catalogue):
    text = (CATALOGUE_PATH.parent / "ACTORS.md").read_text(encoding="utf-8")
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    first = next(p for p in paragraphs if not p.lstrip().startswith("#"))

    def stated(noun):
        found = re.search(rf"(\d[\d,]*) (?:dated )?{noun}", first)
        assert found, f"ACTORS.md's first paragraph gives no count of {noun}"
        return int(found.group(1).replace(",", ""))

    data = read_catalogue()
    assert stated("actors") == len(data["actors"]) == Actor.objects.count()
    assert stated("aliases") == sum(len(a.get("aliases") or []) for a in data["actors"])
    assert stated("aliases") == ActorAlias.objects.filter(catalogue=True).count()
    assert stated("relations") == len(data["relations"])
    assert stated("presences") == sum(len(a.get("presence") or []) for a in data["actors"])
