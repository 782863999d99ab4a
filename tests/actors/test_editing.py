"""The editors' actor pages (/actors/new/, /actors/<slug>/edit/): an actor with its dated aliases
and relations and their sources, written through actors/services.py (attributed, in the
history), the database's rules shown at their fields, the duplicate warning before anything is
saved, and viewers refused."""

import pytest
from django.urls import reverse
from pghistory.models import Events

from actors import selectors, services
from actors.models import Actor, ActorAlias, ActorRelation
from actors.services import actor_catalogue_load, read_catalogue
from tests.formsets import management

pytestmark = pytest.mark.django_db

NEW = "/actors/new/"


def actor_data(**fields) -> dict:
    data = {
        "actor-name": "Katiba Hanifa",
        "actor-acronym": "",
        "actor-kind": "jihadist",
        "actor-countries_text": "ml, bf",
        "actor-active_from": "2019-05-01",
        "actor-active_from_precision": "month",
        "actor-active_until_precision": "day",
        "actor-fighting_party": "on",
        "actor-description": "A katiba of the Gourma.",
        "actor-references_text": "Studio Tamani | Une katiba dans le Gourma | https://www.studiotamani.org/x",
        **management("aliases", 0),
        **management("relations", 0),
    }
    data.update({f"actor-{k}": v for k, v in fields.items()})
    return data


def with_alias(data: dict, n: int = 0, **fields) -> dict:
    row = {
        "name": "Katibat Hanifa",
        "language": "ar",
        "kind": "transliteration",
        "valid_from_precision": "day",
        "valid_until_precision": "day",
        **fields,
    }
    data.update({f"aliases-{n}-{k}": v for k, v in row.items()})
    data["aliases-TOTAL_FORMS"] = str(n + 1)
    return data


def with_relation(data: dict, n: int = 0, **fields) -> dict:
    row = {
        "type": "member_of",
        "target": "JNIM",
        "start_date": "2019-05-01",
        "start_precision": "month",
        "end_precision": "day",
        "references_text": "RFI | La katiba rejoint le JNIM | https://www.rfi.fr/katiba",
        **fields,
    }
    data.update({f"relations-{n}-{k}": v for k, v in row.items()})
    data["relations-TOTAL_FORMS"] = str(n + 1)
    return data


@pytest.fixture
def catalogue(db):
    actor_catalogue_load(read_catalogue())


@pytest.fixture
def editor(users, client):
    client.force_login(users["editor"])
    return users["editor"]


def test_an_editor_creates_an_actor_with_an_alias_and_a_relation(client, editor, catalogue):
    response = client.post(NEW, with_relation(with_alias(actor_data())))

    assert response.status_code == 302, response.context and response.context["form"].errors
    actor = Actor.objects.get(name="Katiba Hanifa")
    assert response.url == reverse("actors:detail", args=[actor.slug])
    assert (actor.slug, actor.kind, actor.countries) == ("katiba-hanifa", "jihadist", ["ML", "BF"])
    assert actor.references == [
        {
            "publisher": "Studio Tamani",
            "title": "Une katiba dans le Gourma",
            "url": "https://www.studiotamani.org/x",
        }
    ]
    # Its name is an alias (the registry's searches find it), with the one typed.
    assert sorted(actor.aliases.values_list("name", "kind")) == [
        ("Katiba Hanifa", "name"),
        ("Katibat Hanifa", "transliteration"),
    ]
    relation = ActorRelation.objects.get(source=actor)
    assert (relation.type, relation.target.slug, str(relation.start_date)) == (
        "member_of",
        "jnim",
        "2019-05-01",
    )
    assert relation.references[0]["url"] == "https://www.rfi.fr/katiba"
    # Every write is in the history with who made it.
    alias_ids = [str(pk) for pk in actor.aliases.values_list("pk", flat=True)]
    written = [
        *Events.objects.filter(pgh_obj_model="actors.Actor", pgh_obj_id=str(actor.pk)),
        *Events.objects.filter(pgh_obj_model="actors.ActorAlias", pgh_obj_id__in=alias_ids),
        *Events.objects.filter(pgh_obj_model="actors.ActorRelation", pgh_obj_id=str(relation.pk)),
    ]
    assert len(written) == 4
    assert {e.pgh_context["user"] for e in written} == {editor.pk}


def test_the_duplicate_warning_lists_resembling_actors_before_saving(client, editor, catalogue):
    # "Katibat Macina" resembles the catalogue's "Katiba Macina"; "GSIM" is JNIM's alias.
    data = with_alias(actor_data(name="Katibat Macina"), name="GSIM", language="fr", kind="acronym")
    response = client.post(NEW, data)

    assert response.status_code == 400
    assert not Actor.objects.filter(name="Katibat Macina").exists()
    found = {r.actor.slug for r in response.context["resemblances"]}
    assert {"katiba-macina", "jnim"} <= found
    page = response.content.decode()
    assert f'href="{reverse("actors:detail", args=["jnim"])}"' in page
    assert response.context["form"].errors["create_anyway"] == [
        "Existing actors have similar names (listed above): check that this is none of them, "
        "then tick this box to save."
    ]
    # Typing is kept.
    assert response.context["form"]["name"].value() == "Katibat Macina"

    data["actor-create_anyway"] = "on"
    assert client.post(NEW, data).status_code == 302
    assert Actor.objects.filter(name="Katibat Macina").exists()


def test_resemblance_is_accent_case_and_punctuation_insensitive(catalogue):
    found = selectors.actors_resembling(["jama'at nusrat al-islam wal muslimin"])
    assert found[0].actor.slug == "jnim" and found[0].similarity == 1.0
    assert selectors.actors_resembling(["Armée de libération du Macina (nouveau)"]) is not None
    assert selectors.actors_resembling(["Zzyzx Qwerty"]) == []


def test_database_rules_are_shown_at_their_fields_and_nothing_is_saved(client, editor, catalogue):
    data = with_relation(
        actor_data(active_from="2020-01-01", active_until="2019-01-01", countries_text="Mali"),
        end_date="2018-01-01",
    )
    data["relations-0-references_text"] = "RFI | title | not a url"
    response = client.post(NEW, data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["countries_text"] == [
        "Give ISO 3166 two-letter codes separated by commas (ML, BF, NE): MALI."
    ]
    relation = response.context["editor"].relations.forms[0]
    assert "is not a web address" in relation.errors["references_text"][0]

    # With the form's own checks passed, the model's rules come back at their fields.
    data["actor-countries_text"] = "ML"
    data["relations-0-references_text"] = ""
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert response.context["form"].errors["active_until"] == [
        "An actor cannot stop being active before it starts."
    ]
    data["actor-active_until"] = ""
    response = client.post(NEW, data)
    assert response.status_code == 400
    relation = response.context["editor"].relations.forms[0]
    assert relation.errors["end_date"] == ["A relation cannot end before it starts."]
    assert not Actor.objects.filter(name="Katiba Hanifa").exists()


def test_an_editor_edits_aliases_and_relations_and_removes_one(client, editor, catalogue):
    actor = services.actor_create(user=editor, name="Katiba Hanifa", kind="jihadist")
    alias = services.alias_create(user=editor, actor_id=actor.pk, name="K. Hanifa")
    url = reverse("actors:edit", args=[actor.slug])
    page = client.get(url)
    assert page.status_code == 200
    aliases = sorted(actor.aliases.all(), key=lambda a: a.name)
    data = actor_data(name="Katiba Hanifa", references_text="")
    data.update(management("aliases", 2, 2))
    data.update(management("relations", 0))
    for n, row in enumerate(aliases):
        data.update(
            {
                f"aliases-{n}-id": str(row.pk),
                f"aliases-{n}-name": row.name,
                f"aliases-{n}-language": row.language,
                f"aliases-{n}-kind": row.kind,
                f"aliases-{n}-valid_from_precision": "day",
                f"aliases-{n}-valid_until_precision": "day",
            }
        )
    n = [a.pk for a in aliases].index(alias.pk)
    data[f"aliases-{n}-DELETE"] = "on"
    response = client.post(url, with_relation(data, 0))
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert list(actor.aliases.values_list("name", flat=True)) == ["Katiba Hanifa"]
    assert ActorRelation.objects.filter(source=actor, target__slug="jnim").exists()
    deleted = Events.objects.filter(pgh_obj_model="actors.ActorAlias", pgh_label="delete")
    assert [e.pgh_context["user"] for e in deleted] == [editor.pk]


@pytest.mark.parametrize("role", ["viewer"])
def test_viewers_may_not_create_or_edit_actors(client, users, catalogue, role):
    client.force_login(users[role])
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, actor_data()).status_code == 403
    assert client.post(reverse("actors:edit", args=["jnim"]), actor_data()).status_code == 403
    assert not Actor.objects.filter(name="Katiba Hanifa").exists()
    with pytest.raises(services.ActorPermissionError):
        services.actor_create(user=users[role], name="Katiba Hanifa", kind="jihadist")


def test_the_pages_show_the_edit_links_to_editors_only(client, users, catalogue):
    client.force_login(users["viewer"])
    assert 'id="edit-actor"' not in client.get("/actors/jnim/").content.decode()
    assert 'id="new-actor"' not in client.get("/actors/").content.decode()
    client.force_login(users["editor"])
    assert 'id="edit-actor"' in client.get("/actors/jnim/").content.decode()
    assert 'id="new-actor"' in client.get("/actors/").content.decode()


def test_editors_read_but_do_not_write_actors_in_the_admin(client, users, catalogue):
    client.force_login(users["editor"])
    assert client.get("/admin/actors/actor/").status_code == 200
    assert client.get("/admin/actors/actor/add/").status_code == 403
    assert ActorAlias.objects.exists()


def test_the_actor_page_shows_editors_who_changed_the_actor_and_its_names(client, users, catalogue):
    actor = services.actor_create(user=users["editor"], name="Katiba Hanifa", kind="jihadist")
    services.alias_create(user=users["editor"], actor_id=actor.pk, name="K. Hanifa")
    services.actor_update(actor.pk, user=users["admin"], description="Active in the Gourma.")
    client.force_login(users["editor"])
    history = client.get(reverse("actors:detail", args=[actor.slug])).context["history"]
    # (One test transaction: every write has the same timestamp, so the order is not pinned.)
    assert sorted((h.who, h.what, h.action) for h in history) == [
        ("admin", "actor Katiba Hanifa", "update"),
        ("editor", "actor Katiba Hanifa", "insert"),
        ("editor", "alias K. Hanifa", "insert"),
        ("editor", "alias Katiba Hanifa", "insert"),
    ]
    update = next(h for h in history if h.action == "update")
    assert update.changes == [("description", "", "Active in the Gourma.")]
    client.force_login(users["viewer"])
    assert client.get(reverse("actors:detail", args=[actor.slug])).context["history"] is None
