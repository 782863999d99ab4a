"""The editors' incident form (incidents/forms.py, incidents/editing.py): what it saves through the
services, what it refuses (each message at its field, nothing saved, everything typed kept), stale
edits, who may use it, the workflow buttons and the possible duplicates."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point
from django.urls import reverse

from incidents import services
from incidents.models import (
    CivilianHarmReport,
    Claim,
    Incident,
    IncidentActor,
    Source,
    Status,
    Victim,
)
from tests.factories import ActorFactory, IncidentFactory, UserFactory
from tests.formsets import management

pytestmark = pytest.mark.django_db

NEW = "/incidents/new/"
TIMBUKTU = ("16.7735", "-3.0074")


def incident_data(**fields) -> dict:
    data = {
        "incident-title": "Attack on the Tombouctou market",
        "incident-date_start": "2024-03-02",
        "incident-date_end": "2024-03-02",
        "incident-time_precision": "1",
        "incident-latitude": TIMBUKTU[0],
        "incident-longitude": TIMBUKTU[1],
        "incident-location_name": "Tombouctou",
        "incident-geo_precision": "1",
        "incident-event_type": "violence_against_civilians",
        "incident-sub_event_type": "attack",
        "incident-narrative": "Gunmen attacked the market.",
        **management("actors", 0),
        **management("sources", 0),
        **management("harm", 0),
        **management("victims", 0),
    }
    data.update({f"incident-{k}": v for k, v in fields.items()})
    return data


def with_actor(data: dict, label: str, n: int = 0, **fields) -> dict:
    data[f"actors-{n}-actor"] = label
    data[f"actors-{n}-acled_position"] = fields.get("acled_position", "actor1")
    data[f"actors-{n}-ucdp_side"] = fields.get("ucdp_side", "A")
    if fields.get("initiator"):
        data[f"actors-{n}-initiator"] = "on"
    data["actors-TOTAL_FORMS"] = str(n + 1)
    return data


def with_claim(data: dict, n: int = 0, **fields) -> dict:
    row = {
        "publisher": "RFI",
        "url": "https://www.rfi.fr/fr/afrique/tombouctou-marche",
        "kind": "news_report",
        "published_on": "2024-03-03",
        "published_on_precision": "day",
        "reliability": "B",
        "language": "fra",
        "credibility": "2",
        "fatalities_best": "7",
        "killed_civilians_best": "7",
        "injured_best": "12",
        "perpetrator_text": "unidentified gunmen",
        "summary": "RFI reports seven civilians killed at the market.",
        **fields,
    }
    data.update({f"sources-{n}-{k}": v for k, v in row.items()})
    data["sources-TOTAL_FORMS"] = str(n + 1)
    return data


def with_harm(data: dict, n: int = 0, **fields) -> dict:
    row = {"grade": "weak", "killed_men": "4", "killed_women": "2", "killed_unknown": "1"}
    row.update(fields)
    data.update({f"harm-{n}-{k}": v for k, v in row.items()})
    data["harm-TOTAL_FORMS"] = str(n + 1)
    return data


@pytest.fixture
def editor(users, client):
    client.force_login(users["editor"])
    return users["editor"]


def test_an_editor_creates_a_draft_with_actors_a_claim_and_civilian_harm(client, editor):
    actor = ActorFactory(name="Test armed group", acronym="TAG")
    data = with_harm(with_claim(with_actor(incident_data(), "Test armed group (TAG)")))
    data["harm-0-objects_hit"] = ["market"]
    data["harm-0-means"] = ["small_arms"]

    response = client.post(NEW, data)

    assert response.status_code == 302, response.context and response.context["form"].errors
    incident = Incident.objects.get()
    assert response.url == reverse("incidents:detail", args=[incident.pk])
    assert incident.status == Status.DRAFT
    assert incident.created_by == editor
    # Typed coordinates kept as typed.
    assert (str(incident.location.y), str(incident.location.x)) == TIMBUKTU
    participant = IncidentActor.objects.get(incident=incident)
    assert (participant.actor, participant.acled_position, participant.ucdp_side) == (
        actor,
        "actor1",
        "A",
    )
    claim = Claim.objects.get(incident=incident)
    assert claim.source.publisher == "RFI" and claim.created_by == editor
    # The estimates are the claims' (derived by the database), not typed.
    incident.refresh_from_db()
    assert (incident.fatalities_best, incident.injured_best) == (7, 12)
    harm = CivilianHarmReport.objects.get(incident=incident)
    assert (
        harm.killed_total == 7 and harm.objects_hit == ["market"] and harm.killed_children is None
    )


def test_an_actor_is_found_by_any_of_its_aliases(client, editor, reference_data):
    data = with_actor(incident_data(), "GSIM")
    response = client.post(NEW, data)
    assert response.status_code == 302
    assert IncidentActor.objects.get().actor.slug == "jnim"


def test_a_failing_form_saves_nothing_and_keeps_everything_typed(client, editor):
    future = (date.today() + timedelta(days=3)).isoformat()
    data = incident_data(
        date_start="2024-03-05",
        date_end="2024-03-01",
        time_precision="",
        sub_event_type="armed_clash",  # a battle's, not violence against civilians'
        longitude="west of here",
    )
    data = with_claim(data, url="not a web address", published_on=future)
    data = with_actor(data, "Nobody we know")
    data = with_harm(data, died_later_men="9")  # more than the 4 men killed

    response = client.post(NEW, data)

    assert response.status_code == 400
    assert not Incident.objects.exists() and not Source.objects.exists()
    assert not CivilianHarmReport.objects.exists()
    errors = response.context["form"].errors
    assert "The end date cannot be before the start date." in errors["date_end"]
    assert errors["time_precision"] == ["This field is required."]
    assert "does not belong to the event type" in errors["sub_event_type"][0]
    assert "decimal number of degrees" in errors["longitude"][0]
    editor_ = response.context["editor"]
    source_errors = editor_.sources.forms[0].errors
    assert "url" in source_errors and "published_on" in source_errors
    assert "Choose an actor from the list" in editor_.participants.forms[0].errors["actor"][0]
    assert "died_later_men" in editor_.harm.forms[0].errors
    page = response.content.decode()
    # Everything typed is on the page again, inline rows included.
    for typed in (
        "Attack on the Tombouctou market",
        "west of here",
        "not a web address",
        "RFI reports seven civilians killed at the market.",
        "Nobody we know",
        'value="9"',
    ):
        assert typed in page
    assert "Nothing was saved" in page


def test_a_refusal_by_the_services_rolls_everything_back_and_shows_at_its_field(client, editor):
    # The claim's highest total is below its categories: a database rule (the services refuse).
    data = with_claim(
        incident_data(), fatalities_best="", fatalities_high="5", killed_civilians_low="7"
    )
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert not Incident.objects.exists() and not Claim.objects.exists()
    row = response.context["editor"].sources.forms[0]
    assert any("below what the categories say" in e for e in row.errors.get("fatalities_high", []))


def test_a_point_outside_the_chosen_country_is_refused_naming_where_it_lies(
    client, editor, reference_data
):
    response = client.post(NEW, incident_data(country="BF"))
    assert response.status_code == 400
    message = response.context["form"].errors["latitude"][0]
    assert "Mali" in message and "Burkina Faso" in message
    assert not Incident.objects.exists()

    response = client.post(NEW, incident_data(country="ML"))
    assert response.status_code == 302
    assert Incident.objects.get().country_code == "ML"


def test_a_future_date_and_a_bad_precision_are_refused(client, editor):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = client.post(NEW, incident_data(date_start=tomorrow, date_end=tomorrow))
    assert response.context["form"].errors["date_start"] == ["This date is in the future."]
    response = client.post(NEW, incident_data(date_end="2024-03-09"))  # a week, coded "day"
    assert "does not match the dates" in response.context["form"].errors["time_precision"][0]
    assert not Incident.objects.exists()


def test_the_estimates_are_the_claims_unless_overridden(client, editor):
    data = with_claim(incident_data(fatalities_best="99"))  # typed, but not overridden
    client.post(NEW, data)
    assert Incident.objects.get().fatalities_best == 7

    data = with_claim(
        incident_data(title="Another", fatalities_override="on", fatalities_best="99"),
        url="https://example.org/another",
    )
    client.post(NEW, data)
    overridden = Incident.objects.get(title="Another")
    assert overridden.fatalities_override and overridden.fatalities_best == 99


def edit_data(client, incident) -> dict:
    """The edit form's initial data, as the browser would post it back."""
    response = client.get(reverse("incidents:edit", args=[incident.pk]))
    assert response.status_code == 200
    editor = response.context["editor"]
    data = {}
    for form in [editor.form, *[f for fs in editor.formsets for f in fs.forms]]:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            if value is True:
                data[key] = "on"
            elif isinstance(value, list):
                data[key] = value
            elif (shown := field.widget.format_value(value)) is not None:
                data[key] = shown
    for formset in editor.formsets:
        count = len(formset.forms)
        data.update(management(formset.prefix, count, formset.initial_form_count()))
    return data


def test_an_edit_round_trips_and_changes_what_was_changed(client, editor):
    ActorFactory(name="Test armed group", acronym="TAG")
    client.post(NEW, with_harm(with_claim(with_actor(incident_data(), "Test armed group (TAG)"))))
    incident = Incident.objects.get()
    data = edit_data(client, incident)
    assert data["incident-latitude"] == TIMBUKTU[0]
    assert data["actors-0-actor"] == "Test armed group (TAG)"
    data["incident-title"] = "Attack on the market of Tombouctou"
    data["sources-0-summary"] = "RFI now reports eight killed."
    data["sources-0-fatalities_best"] = "8"
    data["sources-0-killed_civilians_best"] = "8"
    response = client.post(reverse("incidents:edit", args=[incident.pk]), data)
    assert response.status_code == 302, response.context and [
        response.context["form"].errors,
        *[(fs.errors, fs.non_form_errors()) for fs in response.context["editor"].formsets],
    ]
    incident.refresh_from_db()
    assert incident.title == "Attack on the market of Tombouctou"
    assert incident.fatalities_best == 8
    assert Claim.objects.get().summary == "RFI now reports eight killed."
    assert Source.objects.count() == 1 and CivilianHarmReport.objects.count() == 1
    assert IncidentActor.objects.get().actor.name == "Test armed group"

    # A removed row goes; the source it cited stays.
    data = edit_data(client, incident)
    data["actors-0-DELETE"] = "on"
    data["sources-0-DELETE"] = "on"
    response = client.post(reverse("incidents:edit", args=[incident.pk]), data)
    assert response.status_code == 302
    assert not IncidentActor.objects.exists() and not Claim.objects.exists()
    assert Source.objects.count() == 1
    incident.refresh_from_db()
    assert incident.fatalities_best is None  # no claim says anything now


def test_a_stale_save_is_refused_with_both_versions_and_the_typing_kept(client, editor, users):
    client.post(NEW, with_claim(incident_data()))
    incident = Incident.objects.get()
    data = edit_data(client, incident)
    # Meanwhile a second editor saves the incident.
    services.incident_update(incident.pk, user=users["reviewer"], title="Their title")

    data["incident-title"] = "My title"
    data["incident-narrative"] = "My narrative."
    response = client.post(reverse("incidents:edit", args=[incident.pk]), data)

    assert response.status_code == 409
    assert [r["derived"][1] for r in response.context["derivation"]][:2] == [7, 7]
    incident.refresh_from_db()
    assert incident.title == "Their title" and incident.narrative == "Gunmen attacked the market."
    rows = response.context["conflict"]["rows"]
    assert ("title", "My title", "Their title") in [(str(a), b, c) for a, b, c in rows]
    page = response.content.decode()
    assert "My narrative." in page and "Their title" in page and "My title" in page
    # Saving again, having seen both, is deliberate: it goes through.
    assert response.context["form"]["version"].value() == incident.version
    data["incident-version"] = str(incident.version)
    response = client.post(reverse("incidents:edit", args=[incident.pk]), data)
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.title == "My title"


@pytest.mark.parametrize("role", ["viewer"])
def test_viewers_may_not_use_the_form(client, users, role):
    incident = IncidentFactory(status=Status.DRAFT)
    client.force_login(users[role])
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, incident_data()).status_code == 403
    assert client.get(reverse("incidents:edit", args=[incident.pk])).status_code == 403
    assert client.get(reverse("incidents:duplicates")).status_code == 403
    assert client.post(reverse("incidents:submit", args=[incident.pk])).status_code == 403
    assert Incident.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(NEW)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_victims_only_for_those_who_see_personal_data(client, editor):
    client.post(
        NEW,
        {
            **with_harm(incident_data()),
            "victims-0-assessment_number": "1",
            "victims-0-name": "Aminata T.",
            "victims-0-age_years": "34",
            "victims-0-age_group": "adult",
            "victims-0-sex": "female",
            "victims-0-status": "killed",
            "victims-TOTAL_FORMS": "1",
        },
    )
    assert Victim.objects.get().name == "Aminata T."

    # Someone who may edit incidents but not see personal data: no victims on the form.
    coder = UserFactory(username="coder")
    coder.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_incident", "add_incident", "change_incident"]
        )
    )
    client.force_login(coder)
    page = client.get(reverse("incidents:edit", args=[Incident.objects.get().pk]))
    assert page.context["editor"].victims is None
    assert "Aminata" not in page.content.decode()


def test_the_workflow_buttons_by_role(client, users):
    client.force_login(users["editor"])
    client.post(NEW, incident_data())
    incident = Incident.objects.get()
    detail = reverse("incidents:detail", args=[incident.pk])
    page = client.get(detail).content.decode()
    assert 'id="submit-for-review"' in page and 'id="publish"' not in page

    client.post(reverse("incidents:submit", args=[incident.pk]))
    incident.refresh_from_db()
    assert incident.status == Status.IN_REVIEW

    # An editor may not publish; a reviewer sends back with a comment.
    assert client.post(reverse("incidents:publish", args=[incident.pk])).status_code == 403
    client.force_login(users["reviewer"])
    page = client.get(detail).content.decode()
    assert 'id="publish"' in page and 'id="send-back"' in page
    response = client.post(reverse("incidents:send-back", args=[incident.pk]), {"comment": ""})
    incident.refresh_from_db()
    assert incident.status == Status.IN_REVIEW  # no comment, no send-back
    assert "Say what the editor should change." in client.get(detail).content.decode()
    client.post(reverse("incidents:send-back", args=[incident.pk]), {"comment": "Add a source."})
    incident.refresh_from_db()
    assert incident.status == Status.DRAFT
    client.force_login(users["editor"])
    assert "Add a source." in client.get(detail).content.decode()
    client.post(reverse("incidents:submit", args=[incident.pk]))

    client.force_login(users["reviewer"])
    response = client.post(reverse("incidents:publish", args=[incident.pk]), follow=True)
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.status == Status.PUBLISHED and incident.published_by == users["reviewer"]
    client.post(reverse("incidents:retract", args=[incident.pk]), {"reason": " "})
    incident.refresh_from_db()
    assert incident.status == Status.PUBLISHED
    client.post(reverse("incidents:retract", args=[incident.pk]), {"reason": "A hoax."})
    incident.refresh_from_db()
    assert incident.status == Status.RETRACTED and incident.retraction_reason == "A hoax."


def test_a_reviewer_cannot_publish_their_own_entry(client, users):
    client.force_login(users["reviewer"])
    client.post(NEW, incident_data())
    incident = Incident.objects.get()
    client.post(reverse("incidents:submit", args=[incident.pk]))
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert 'id="publish"' not in page and 'id="send-back"' not in page
    response = client.post(reverse("incidents:publish", args=[incident.pk]), follow=True)
    assert "cannot publish their own entry" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Status.IN_REVIEW


def test_the_workflow_steps_are_post_only(client, editor):
    incident = IncidentFactory()
    assert client.get(reverse("incidents:submit", args=[incident.pk])).status_code == 405


def test_possible_duplicates_near_on_the_same_days(client, editor):
    near = IncidentFactory(title="Near", location=Point(-3.01, 16.77, srid=4326))
    IncidentFactory(title="Far", location=Point(2.1, 13.5, srid=4326))
    IncidentFactory(
        title="Other year",
        location=Point(-3.01, 16.77, srid=4326),
        date_start=date(2020, 1, 1),
        date_end=date(2020, 1, 1),
    )
    query = {"date_start": "2024-03-02", "date_end": "2024-03-02", "lat": "16.77", "lon": "-3.0"}
    found = client.get(reverse("incidents:duplicates"), query).json()["duplicates"]
    assert [d["title"] for d in found] == ["Near"]
    assert found[0]["url"] == reverse("incidents:detail", args=[near.pk])
    query["exclude"] = str(near.pk)
    assert client.get(reverse("incidents:duplicates"), query).json()["duplicates"] == []


def test_the_page_offers_only_sub_event_types_with_their_event_type(client, editor):
    page = client.get(NEW).content.decode()
    assert 'value="armed_clash" data-event-type="battles"' in page
    assert 'value="attack" data-event-type="violence_against_civilians"' in page
    assert "beforeunload" not in page  # in edit.js, a static file
    assert "incidents/edit.js" in page


def test_the_edit_page_shows_how_the_estimates_are_derived(client, editor):
    client.post(NEW, with_claim(incident_data()))
    incident = Incident.objects.get()
    response = client.get(reverse("incidents:edit", args=[incident.pk]))
    rows = {str(row["label"]): row for row in response.context["derivation"]}
    assert rows["killed in all"]["derived"] == (None, 7, None)
    assert rows["killed in all"]["current"] == (None, 7, None)
    assert rows["injured"]["derived"] == (None, 12, None)


def test_the_form_speaks_french(client, editor):
    from django.utils import translation

    with translation.override("fr"):
        client.cookies["django_language"] = "fr"
        page = client.get(NEW, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert "Nouvel incident" in page and "Enregistrer" in page
        assert "Chercher un lieu dans le répertoire géographique" in page
        response = client.post(NEW, incident_data(time_precision=""), HTTP_ACCEPT_LANGUAGE="fr")
        assert "Rien n’a été enregistré" in response.content.decode()


def test_civilian_harm_above_the_high_estimate_is_flagged_after_saving(client, editor):
    data = with_harm(with_claim(incident_data(), fatalities_best="3", killed_civilians_best="3"))
    response = client.post(NEW, data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "counts 7 killed, more than the incident" in page.replace("&#x27;", "'")
