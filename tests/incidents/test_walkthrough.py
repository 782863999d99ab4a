"""Issue 14's "done when", end to end through the pages alone (the Django test client posting
what the browser would): an editor codes both demo incidents from scratch as the seed
(incidents/sampledata/demo_incidents.json) tells them — place, actors, sources with their
claims, civilian harm with victims — corrects one, and submits both; a reviewer (another
account) publishes both; a duplicate the editor enters is merged into one of them through the
merge page; the map data lists the published ones; and each incident page's history shows every
step with who did it. Finally the demo loader's own coding of the same seed is compared with
what the forms stored, field by field."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from actors.models import Actor
from incidents.forms import (
    CLAIM_FIELDS,
    ESTIMATE_FIELDS,
    HARM_COUNT_FIELDS,
    SOURCE_FIELDS,
    actor_label,
)
from incidents.models import CivilianHarmReport, Claim, Incident, IncidentActor, Status, Victim
from incidents.sampledata.demo import DEMO_PATH, demo_load
from tests.formsets import management
from tests.incidents.test_forms import edit_data

pytestmark = pytest.mark.django_db

SEED = json.loads(DEMO_PATH.read_text(encoding="utf-8"))
SOURCES = {s["key"]: s for s in SEED["sources"]}
STRIKE, AMBUSH = (
    next(e for e in SEED["incidents"] if "inadiatafane" in e["key"]),
    next(e for e in SEED["incidents"] if "rn15" in e["key"]),
)
HARM_FIELDS = [
    "grade",
    *HARM_COUNT_FIELDS,
    "killed_max",
    "injured_max",
    "drone_type",
    "strikes",
    "assessor",
    "assessed_on",
    "assessment",
]
VICTIM_FIELDS = [
    "name",
    "age_years",
    "age_months",
    "age_approximate",
    "age_group",
    "sex",
    "status",
    "death_or_treatment_date",
    "death_or_treatment_place",
    "injury",
    "notes",
]
CLAIM_TYPED = [n for n in CLAIM_FIELDS if n != "stated_date_end"]


def typed(value) -> str | list | None:
    """A seed value as the editor types it into the form (None: the field is left empty)."""
    if value is None or value is False:
        return None
    if value is True:
        return "on"
    if isinstance(value, list):
        return value
    return str(value)


def put(data: dict, key: str, value) -> None:
    text = typed(value)
    if text is not None:
        data[key] = text


def actor_typed(slug: str) -> str:
    """The actor as chosen from the page's list of names."""
    return actor_label(Actor.objects.get(slug=slug))


def form_data(entry: dict) -> dict:
    """What an editor types on /incidents/new/ for a seed incident: the incident, its actors,
    each source with its claim, each civilian-harm assessment and its victims."""
    lon, lat = entry["location"]
    data = {
        "incident-latitude": str(lat),
        "incident-longitude": str(lon),
        "incident-country": "ML",
        "incident-tags_text": ", ".join(entry["tags"]),
    }
    for name in (
        "title",
        "date_start",
        "date_end",
        "time_precision",
        "ucdp_date_prec",
        "location_name",
        "geo_precision",
        "ucdp_where_prec",
        "event_type",
        "sub_event_type",
        "civilian_targeting",
        "ucdp_violence_type",
        "narrative",
    ):
        put(data, f"incident-{name}", entry.get(name))
    participants = entry.get("participants", [])
    for n, item in enumerate(participants):
        data[f"actors-{n}-actor"] = actor_typed(item["actor"])
        for name in ("acled_position", "ucdp_side", "acled_inter"):
            put(data, f"actors-{n}-{name}", item.get(name))
        for name in ("initiator", "claimed_responsibility", "note"):
            put(data, f"actors-{n}-{name}", item.get(name))
    claims = entry.get("claims", [])
    for n, claim in enumerate(claims):
        source = SOURCES[claim["source"]]
        for name in SOURCE_FIELDS:
            put(data, f"sources-{n}-{name}", source.get(name))
        for name in CLAIM_TYPED:
            put(data, f"sources-{n}-{name}", claim.get(name))
        if claim.get("claimed_perpetrator"):
            data[f"sources-{n}-claimed_perpetrator"] = actor_typed(claim["claimed_perpetrator"])
    assessments = entry.get("harm_assessments", [])
    victims = 0
    for n, harm in enumerate(assessments):
        for name in HARM_FIELDS:
            put(data, f"harm-{n}-{name}", harm.get(name))
        data[f"harm-{n}-objects_hit"] = harm.get("objects_hit", [])
        data[f"harm-{n}-means"] = harm.get("means", [])
        if harm.get("alleged_perpetrator"):
            data[f"harm-{n}-alleged_perpetrator"] = actor_typed(harm["alleged_perpetrator"])
        for victim in harm.get("victims", []):
            data[f"victims-{victims}-assessment_number"] = str(n + 1)
            for name in VICTIM_FIELDS:
                put(data, f"victims-{victims}-{name}", victim.get(name))
            victims += 1
    data.update(management("actors", len(participants)))
    data.update(management("sources", len(claims)))
    data.update(management("harm", len(assessments)))
    data.update(management("victims", victims))
    return data


def errors_of(response) -> list:
    if response.context is None:
        return []
    editor = response.context.get("editor")
    found = [response.context["form"].errors]
    if editor is not None:
        found += [(fs.errors, fs.non_form_errors()) for fs in editor.formsets]
    return found


def code(client: Client, entry: dict) -> Incident:
    before = set(Incident.objects.values_list("pk", flat=True))
    response = client.post(reverse("incidents:new"), form_data(entry))
    assert response.status_code == 302, errors_of(response)
    incident = Incident.objects.exclude(pk__in=before).get()
    assert response.url == reverse("incidents:detail", args=[incident.pk])
    return incident


def history_steps(client: Client, incident: Incident) -> list[tuple[str, str, str, dict]]:
    """The incident page's history, as (who, record, action label, {field: after}); the
    record is "incidents.Incident" for the incident itself (another incident that points at
    it, a merged duplicate, is "merged incident")."""
    page = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert page.status_code == 200
    return [
        (
            e.who,
            "merged incident"
            if e.model == "incidents.Incident" and e.object_id != incident.pk
            else e.model,
            e.action_label,
            {c.name: str(c.after) for c in e.changes},
        )
        for e in page.context["history"]
    ]


@pytest.fixture
def clients(users, reference_data):
    made = {}
    for role in ("viewer", "editor", "reviewer", "admin"):
        made[role] = Client()
        made[role].force_login(users[role])
    return made


def test_an_editor_codes_both_demo_incidents_a_reviewer_publishes_them_and_a_duplicate_is_merged(
    clients, users
):
    editor, reviewer, viewer = clients["editor"], clients["reviewer"], clients["viewer"]

    # --- The editor codes both from scratch.
    strike = code(editor, STRIKE)
    ambush = code(editor, AMBUSH)
    for incident, entry in ((strike, STRIKE), (ambush, AMBUSH)):
        incident.refresh_from_db()
        lon, lat = entry["location"]
        assert (incident.location.x, incident.location.y) == (lon, lat)
        assert incident.title == entry["title"] and incident.narrative == entry["narrative"]
        assert (str(incident.date_start), str(incident.date_end)) == (
            entry["date_start"],
            entry["date_end"],
        )
        assert (incident.time_precision, incident.ucdp_date_prec) == (
            entry["time_precision"],
            entry["ucdp_date_prec"],
        )
        assert (incident.geo_precision, incident.ucdp_where_prec) == (
            entry["geo_precision"],
            entry["ucdp_where_prec"],
        )
        assert (incident.event_type, incident.sub_event_type) == (
            entry["event_type"],
            entry["sub_event_type"],
        )
        assert incident.civilian_targeting == entry["civilian_targeting"]
        assert incident.ucdp_violence_type == entry["ucdp_violence_type"]
        assert incident.tags == entry["tags"] and incident.country_code == "ML"
        assert incident.status == Status.DRAFT and incident.created_by == users["editor"]
        coded = {
            (p.actor.slug, p.acled_position, p.ucdp_side, p.acled_inter, p.initiator, p.note)
            for p in IncidentActor.objects.filter(incident=incident).select_related("actor")
        }
        assert coded == {
            (
                p["actor"],
                p["acled_position"],
                p["ucdp_side"],
                p["acled_inter"],
                bool(p.get("initiator")),
                p.get("note", ""),
            )
            for p in entry["participants"]
        }
        claims = {
            c.source.publisher: c
            for c in Claim.objects.filter(incident=incident).select_related("source")
        }
        assert set(claims) == {SOURCES[c["source"]]["publisher"] for c in entry["claims"]}
        for spec in entry["claims"]:
            claim = claims[SOURCES[spec["source"]]["publisher"]]
            assert claim.created_by == users["editor"]
            assert (claim.fatalities_best, claim.killed_side_a_low, claim.summary) == (
                spec.get("fatalities_best"),
                spec.get("killed_side_a_low"),
                spec["summary"],
            )
            assert claim.source.url == SOURCES[spec["source"]]["url"]
    # Civilian harm of the drone strike: both assessments, the victims in the first.
    harm = list(CivilianHarmReport.objects.filter(incident=strike).order_by("id"))
    assert [(h.grade, h.killed_children, h.died_later_children, h.strikes) for h in harm] == [
        ("fair", 6, 3, 3),
        ("not_assessed", 4, None, None),
    ]
    assert harm[0].objects_hit == ["market", "vehicle"] and harm[0].means == ["drone_strike"]
    assert harm[0].alleged_perpetrator.slug == "fama"
    victims = list(Victim.objects.filter(report=harm[0]).order_by("id"))
    assert [(v.age_months, v.age_years, v.status) for v in victims] == [
        (v.get("age_months"), v.get("age_years"), v["status"])
        for v in STRIKE["harm_assessments"][0]["victims"]
    ]
    # The incident's figures are derived from the claims: the strike's best is Amnesty's 8.
    strike.refresh_from_db()
    assert (strike.fatalities_low, strike.fatalities_best) == (8, 8)

    # --- The editor corrects the ambush (the edit page, posted back with one change).
    data = edit_data(editor, ambush)
    data["incident-narrative"] = AMBUSH["narrative"] + " Date not verified."
    response = editor.post(reverse("incidents:edit", args=[ambush.pk]), data)
    assert response.status_code == 302, errors_of(response)
    ambush.refresh_from_db()
    assert ambush.narrative.endswith(" Date not verified.") and ambush.version == 2

    # --- Submitted by the editor, published by the reviewer (another account).
    for incident in (strike, ambush):
        assert editor.post(reverse("incidents:submit", args=[incident.pk])).status_code == 302
        # The editor may not publish (403); the reviewer may.
        assert editor.post(reverse("incidents:publish", args=[incident.pk])).status_code == 403
        assert reviewer.post(reverse("incidents:publish", args=[incident.pk])).status_code == 302
        incident.refresh_from_db()
        assert incident.status == Status.PUBLISHED
        assert incident.published_by == users["reviewer"]

    # --- A duplicate of the strike, entered by the editor from another report.
    duplicate_entry = {
        **STRIKE,
        "title": "Drone strike on Inadjatafane market",
        "location": [-1.93, 16.88],
        "tags": ["drone"],
        "participants": STRIKE["participants"][:1],
        "claims": [
            {
                "source": "studio-tamani",
                "credibility": 3,
                "fatalities_best": 9,
                "killed_civilians_best": 9,
                "claimed_perpetrator": "fama",
                "summary": "Nine civilians killed by a drone strike on the market.",
            }
        ],
        "harm_assessments": [],
    }
    SOURCES["studio-tamani"] = {
        "publisher": "Studio Tamani",
        "url": "https://www.studiotamani.org/inadiatafane-frappe",
        "kind": "news_report",
        "published_on": "2024-10-22",
        "published_on_precision": "day",
        "reliability": "B",
        "language": "fra",
    }
    try:
        duplicate = code(editor, duplicate_entry)
    finally:
        del SOURCES["studio-tamani"]
    # The form's possible duplicates name the published strike.
    found = editor.get(
        reverse("incidents:duplicates"),
        {"date_start": "2024-10-21", "lat": "16.88", "lon": "-1.93", "exclude": duplicate.pk},
    ).json()["duplicates"]
    assert [d["id"] for d in found] == [strike.pk]

    # --- The reviewer merges it into the strike through the merge page.
    merge_url = reverse("incidents:merge", args=[strike.pk])
    listed = reviewer.get(merge_url)
    assert f'href="?other={duplicate.pk}"' in listed.content.decode()
    confirm = reviewer.get(merge_url, {"other": duplicate.pk, "keep": "this"})
    assert (confirm.context["survivor"], confirm.context["merged"]) == (strike, duplicate)
    done = reviewer.post(merge_url, {"other": duplicate.pk, "keep": "this"})
    assert done.status_code == 302 and done.url == reverse("incidents:detail", args=[strike.pk])
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == strike.pk and duplicate.status == Status.RETRACTED
    publishers = set(
        Claim.objects.filter(incident=strike).values_list("source__publisher", flat=True)
    )
    assert "Studio Tamani" in publishers and len(publishers) == 4
    strike.refresh_from_db()
    # Studio Tamani's nine (B3) is now among the claims; Amnesty's eight (B2) stays the best.
    assert (strike.fatalities_best, strike.killed_civilians_best) == (8, 8)
    # A reader opening the duplicate's address is sent to the strike.
    gone = viewer.get(reverse("incidents:detail", args=[duplicate.pk]))
    assert gone.status_code == 302 and gone.url == reverse("incidents:detail", args=[strike.pk])

    # --- The map data lists the published incidents (and not the merged duplicate).
    for incident in (strike, ambush):
        lon, lat = incident.location.x, incident.location.y
        bbox = f"{lon - 0.05},{lat - 0.05},{lon + 0.05},{lat + 0.05}"
        points = viewer.get(reverse("incidents:map-data"), {"z": "13", "bbox": bbox}).json()
        assert points["mode"] == "points"
        assert [p[6] for p in points["points"]] == [incident.pk]

    # --- The history shows every step, with who did it.
    steps = history_steps(editor, strike)
    incident_steps = [s for s in steps if s[1] == "incidents.Incident"]
    assert incident_steps[0][:3] == ("editor", "incidents.Incident", "created")
    assert incident_steps[0][3]["title"] == STRIKE["title"]
    statuses = [(s[0], s[3]["status"]) for s in incident_steps if "status" in s[3]]
    assert statuses == [("editor", "draft"), ("editor", "in review"), ("reviewer", "published")]
    # The duplicate, retracted by the merge, pointing at the strike.
    assert [(s[0], s[2], s[3].get("merged_into")) for s in steps if s[1] == "merged incident"][
        -1
    ] == ("reviewer", "changed (changed by a merge)", f"#{strike.pk}")
    merged_steps = [s for s in steps if "merge" in s[2]]
    assert merged_steps and {s[0] for s in merged_steps} == {"reviewer"}
    assert any(
        s[1] == "incidents.Claim" and s[3].get("incident") == f"#{strike.pk}" for s in merged_steps
    )
    assert {s[0] for s in steps if s[1] == "incidents.Claim" and s[2] == "created"} == {"editor"}
    assert any(s[1] == "incidents.Victim" and s[2] == "created" and s[0] == "editor" for s in steps)
    merge_log = clients["editor"].get(reverse("incidents:detail", args=[strike.pk]))
    assert f"Incident #{duplicate.pk} merged into #{strike.pk}." in merge_log.content.decode()
    ambush_steps = history_steps(editor, ambush)
    edited = [s for s in ambush_steps if s[1] == "incidents.Incident" and "narrative" in s[3]]
    assert [(s[0], s[2]) for s in edited] == [("editor", "created"), ("editor", "changed")]
    assert [s[0] for s in ambush_steps if s[3].get("status") == "published"] == ["reviewer"]

    # --- What the forms stored is what the demo loader codes from the same seed.
    demo_load()
    for coded, entry in ((strike, STRIKE), (ambush, AMBUSH)):
        demo = Incident.objects.get(origin="demo", origin_key=entry["key"])
        coded.refresh_from_db()
        if coded == strike:
            continue  # the merge added Studio Tamani's claim to the strike
        for name in [
            "title",
            "time_precision",
            "ucdp_date_prec",
            "geo_precision",
            *ESTIMATE_FIELDS,
        ]:
            assert getattr(coded, name) == getattr(demo, name), name
    demo_strike = Incident.objects.get(origin="demo", origin_key=STRIKE["key"])
    for coded_harm, demo_harm in zip(
        CivilianHarmReport.objects.filter(incident=strike).order_by("id"),
        CivilianHarmReport.objects.filter(incident=demo_strike).order_by("id"),
        strict=True,
    ):
        for name in HARM_FIELDS:
            assert getattr(coded_harm, name) == getattr(demo_harm, name), name
        coded_victims = [
            [getattr(v, n) for n in VICTIM_FIELDS] for v in coded_harm.victims.order_by("id")
        ]
        demo_victims = [
            [getattr(v, n) for n in VICTIM_FIELDS] for v in demo_harm.victims.order_by("id")
        ]
        assert coded_victims == demo_victims
