"""The actor catalogue: required actors and dated relations, aliases matched whatever the
spelling, groups including their members, and idempotent loading."""

from datetime import date

import pytest
from django.db import connection

from actors.models import Actor, ActorAlias, ActorRelation
from actors.names import normalise_name
from actors.selectors import actors_matching_name
from actors.services import actor_catalogue_load, read_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return actor_catalogue_load(read_catalogue())


def slugs(ids):
    return set(Actor.objects.filter(pk__in=ids).values_list("slug", flat=True))


def relation(source, type_, target):
    return ActorRelation.objects.get(source__slug=source, type=type_, target__slug=target)


def test_catalogue_has_the_actors_of_the_central_sahel(catalogue):
    required = {
        "jnim",
        "ansar-dine",
        "al-mourabitoun",
        "katiba-macina",
        "aqim",
        "al-qaeda",
        "isgs",
        "issp",
        "fama",
        "wagner",
        "africa-corps",
        "cma",
        "mnla",
        "hcua",
        "fla",
        "dan-na-ambassagou",
        "armed-forces-bf",
        "fan-niger",
        "vdp",
        "civilians-mali",
        "civilians-burkina-faso",
        "civilians-niger",
        "unidentified-armed-group-mali",
    }
    assert required <= set(Actor.objects.values_list("slug", flat=True))


def test_catalogue_has_the_dated_relations(catalogue):
    for member in ("ansar-dine", "al-mourabitoun", "katiba-macina"):
        assert relation(member, "member_of", "jnim").start_date == date(2017, 3, 2)
    assert relation("jnim", "affiliate_of", "al-qaeda")
    assert relation("isgs", "renamed_to", "issp").start_date.year == 2022
    assert relation("wagner", "succeeded_by", "africa-corps").start_date.year == 2025
    attached = relation("wagner", "attached_to", "fama")
    assert attached.start_date.year == 2021 and attached.end_date.year == 2025
    for member in ("mnla", "hcua"):
        assert relation(member, "member_of", "cma")
    # The CMA became part of the CSP-DPA, which the FLA succeeded: no edge skips the step.
    assert relation("cma", "succeeded_by", "csp-dpa").start_date.year == 2024
    assert relation("csp-dpa", "succeeded_by", "fla").start_date == date(2024, 11, 30)


@pytest.mark.parametrize(
    "spelling",
    [
        "JNIM",
        "GSIM",
        "Jama'at Nusrat al-Islam wal-Muslimin",
        "jamaat nusrat al islam wal muslimin",
        "Groupe de soutien à l'islam et aux musulmans",
        "GROUPE DE SOUTIEN A L’ISLAM ET AUX MUSULMANS",
    ],
)
def test_jnim_is_found_by_any_of_its_names(catalogue, spelling):
    assert list(actors_matching_name(spelling).values_list("slug", flat=True)) == ["jnim"]


def test_aliases_are_normalised_by_the_database_like_python_does(catalogue):
    samples = [
        "Jama'at Nuṣrat al-Islām wa-l-Muslimīn",
        "Tin-Zaouatène",
        "TOMBOUCTOU (Région)",
        "Œuvre — «test»",
        "Ségou",
        "Ti-n-Essako",
        "Ménaka",
    ]
    with connection.cursor() as cursor:
        for sample in samples:
            cursor.execute("SELECT sahel_normalise(%s)", [sample])
            assert cursor.fetchone()[0] == normalise_name(sample), sample
    alias = ActorAlias.objects.filter(actor__slug="jnim").first()
    assert alias.normalised == normalise_name(alias.name)


def test_loading_the_catalogue_twice_changes_nothing(catalogue):
    def snapshot():
        return (
            list(Actor.objects.values_list("id", "slug", "name", "updated_at").order_by("id")),
            list(ActorAlias.objects.values_list("id", "name", "language", "kind").order_by("id")),
            list(
                ActorRelation.objects.values_list(
                    "id", "source_id", "type", "target_id", "start_date", "end_date"
                ).order_by("id")
            ),
        )

    before = snapshot()
    report = actor_catalogue_load(read_catalogue())
    assert not report.changed
    assert snapshot() == before


def test_a_bad_catalogue_is_refused_and_changes_nothing(catalogue, tmp_path):
    from django.core.management import CommandError, call_command

    bad = tmp_path / "actors.json"
    bad.write_text('{"actors": [{"slug": "x", "name": "X", "kind": "pirates"}]}')
    count = Actor.objects.count()
    with pytest.raises(CommandError, match="unknown kind 'pirates'"):
        call_command("load_actors", str(bad))
    assert Actor.objects.count() == count
