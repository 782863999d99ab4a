"""A new release of the actor catalogue never overwrites what editors changed: a catalogue row
that anyone but the catalogue's load changes (an editor on the site's pages, an admin, raw SQL)
becomes the editors' own (the database clears its `catalogue` flag), and later loads neither
update nor remove it, and say so."""

import copy

import pytest
from django.db import connection

from actors import services
from actors.models import Actor, ActorAlias, ActorRelation
from actors.services import actor_catalogue_load, read_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    actor_catalogue_load(read_catalogue())
    return read_catalogue()


def entry(data: dict, slug: str) -> dict:
    return next(a for a in data["actors"] if a["slug"] == slug)


def test_the_catalogue_marks_what_it_loads(catalogue):
    assert not Actor.objects.filter(catalogue=False).exists()
    assert not ActorAlias.objects.filter(catalogue=False).exists()
    assert not ActorRelation.objects.filter(catalogue=False).exists()


def test_an_editors_change_to_an_actor_survives_the_next_release(catalogue, users):
    jnim = Actor.objects.get(slug="jnim")
    services.actor_update(jnim.pk, user=users["editor"], description="Corrected by an editor.")
    jnim.refresh_from_db()
    assert not jnim.catalogue

    release = copy.deepcopy(catalogue)
    entry(release, "jnim")["description"] = "The catalogue's new description."
    entry(release, "jnim")["name"] = "JNIM (renamed in the catalogue)"
    entry(release, "isgs")["description"] = "Another actor's new description."
    report = actor_catalogue_load(release)

    jnim.refresh_from_db()
    assert jnim.description == "Corrected by an editor."
    assert jnim.name != "JNIM (renamed in the catalogue)"
    # The actors nobody edited follow the catalogue.
    assert Actor.objects.get(slug="isgs").description == "Another actor's new description."
    assert (report.count("kept"), report.updated) == (1, 1)
    assert "1 kept" in str(report)


def test_an_editors_change_to_an_alias_survives_the_next_release(catalogue, users):
    alias = ActorAlias.objects.filter(actor__slug="jnim", catalogue=True).order_by("name").first()
    services.alias_update(alias.pk, user=users["editor"], language="ar")
    alias.refresh_from_db()
    assert (alias.language, alias.catalogue) == ("ar", False)

    # The next release drops that alias: the editor's version stays.
    release = copy.deepcopy(catalogue)
    entry(release, "jnim")["aliases"] = [
        a for a in entry(release, "jnim")["aliases"] if a["name"] != alias.name
    ]
    actor_catalogue_load(release)
    alias.refresh_from_db()
    assert alias.language == "ar"

    # A release listing it again with other values leaves it as the editor left it.
    report = actor_catalogue_load(catalogue)
    alias.refresh_from_db()
    assert alias.language == "ar"
    assert "(1 kept as edited)" in str(report)


def test_a_change_made_outside_the_services_ends_the_catalogues_hold_too(catalogue):
    relation = ActorRelation.objects.filter(catalogue=True).first()
    with connection.cursor() as cursor:  # as the admin, a shell or a script would
        cursor.execute(
            "UPDATE actors_actorrelation SET note = 'Checked by the desk.' WHERE id = %s",
            [relation.pk],
        )
    relation.refresh_from_db()
    assert not relation.catalogue
    actor_catalogue_load(catalogue)
    relation.refresh_from_db()
    assert (relation.note, relation.catalogue) == ("Checked by the desk.", False)


def test_saving_a_row_unchanged_keeps_it_in_step(catalogue):
    alias = ActorAlias.objects.filter(catalogue=True).first()
    alias.save()  # the admin's save of an untouched form
    actor = Actor.objects.get(slug="jnim")
    actor.save()
    alias.refresh_from_db()
    actor.refresh_from_db()
    assert alias.catalogue and actor.catalogue


def test_the_catalogues_own_changes_keep_it_in_step(catalogue, users):
    release = copy.deepcopy(catalogue)
    entry(release, "jnim")["description"] = "The catalogue's new description."
    actor_catalogue_load(release)
    jnim = Actor.objects.get(slug="jnim")
    assert (jnim.description, jnim.catalogue) == ("The catalogue's new description.", True)
    # The load's permission ends with it, even inside a longer transaction.
    services.actor_update(jnim.pk, user=users["editor"], description="An editor's.")
    jnim.refresh_from_db()
    assert not jnim.catalogue


def test_what_a_person_deleted_is_not_brought_back_but_what_the_catalogue_dropped_is(
    catalogue, users
):
    alias = ActorAlias.objects.filter(actor__slug="jnim", catalogue=True).order_by("name").first()
    relation = ActorRelation.objects.filter(catalogue=True).first()
    relation_key = (relation.source_id, relation.target_id, relation.type, relation.start_date)
    services.alias_delete(alias.pk, user=users["editor"])
    services.relation_delete(relation.pk, user=users["editor"])

    report = actor_catalogue_load(catalogue)
    assert not ActorAlias.objects.filter(actor__slug="jnim", name=alias.name).exists()
    assert not ActorRelation.objects.filter(
        source_id=relation_key[0],
        target_id=relation_key[1],
        type=relation_key[2],
        start_date=relation_key[3],
    ).exists()
    assert "aliases +0 ~0 -0 (1 kept as edited)" in str(report)
    assert "relations +0 ~0 -0 (1 kept as edited)" in str(report)

    # A release that drops another alias removes it; the next one listing it brings it back.
    other = ActorAlias.objects.filter(actor__slug="isgs", catalogue=True).first()
    release = copy.deepcopy(catalogue)
    entry(release, "isgs")["aliases"] = [
        a for a in entry(release, "isgs")["aliases"] if a["name"] != other.name
    ]
    actor_catalogue_load(release)
    assert not ActorAlias.objects.filter(pk=other.pk).exists()
    actor_catalogue_load(catalogue)
    assert ActorAlias.objects.filter(actor__slug="isgs", name=other.name, catalogue=True).exists()
