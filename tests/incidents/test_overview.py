"""The overview page (/overview/) and its selectors (incidents/overview.py): monthly figures
equal to the incidents behind them, the list's filters, what each role counts, the actors, the
admin areas that changed most, the default period, bad input, and the charts drawn as SVG."""

import re
from datetime import date

import pytest
from django.contrib.gis.geos import Point
from django.http import QueryDict

from actors.models import Actor
from incidents import overview
from incidents.models import AdminArea, Incident, Status
from incidents.taxonomy import EVENT_TYPE_COLOURS, EventType, sub_event_types_of
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    IncidentActorFactory,
    IncidentFactory,
    UserFactory,
    square,
)

pytestmark = pytest.mark.django_db

# Points inside the built-in boundaries (reference_data): three admin1 areas, three countries.
MOPTI = (-3.5, 14.3)  # Mali, Mopti region
TILLABERI = (1.45, 14.21)  # Niger
CENTRE = (-1.52, 12.37)  # Burkina Faso, around Ouagadougou


def make(
    day: date,
    event_type: str = "battles",
    *,
    end: date | None = None,
    fatalities: int | None = None,
    civilians: int | None = None,
    status: str = Status.PUBLISHED,
    at: tuple[float, float] = MOPTI,
    actors: tuple[Actor, ...] = (),
) -> Incident:
    incident = IncidentFactory(
        date_start=day,
        date_end=end or day,
        time_precision=1 if end is None else 3,
        event_type=event_type,
        sub_event_type=sub_event_types_of(event_type)[0],
        location=Point(*at, srid=4326),
        fatalities_override=True,
        fatalities_best=fatalities,
        killed_civilians_best=civilians,
        status=status,
        published_at="2025-07-01T00:00:00Z" if status == Status.PUBLISHED else None,
    )
    for n, actor in enumerate(actors):
        IncidentActorFactory(
            incident=incident, actor=actor, acled_position="actor1" if n == 0 else "actor2"
        )
    incident.refresh_from_db()  # the database places it in its admin areas
    return incident


class Editor:
    """A user who sees every status, for the selectors (the pages use real users)."""

    is_authenticated = True

    def __init__(self, *, edits: bool = True):
        self.edits = edits

    def has_perm(self, perm: str) -> bool:
        return perm == "incidents.view_incident" or (
            self.edits and perm == "incidents.change_incident"
        )


def figures(query: str, *, edits: bool = True, today: date = date(2025, 7, 15)):
    request = overview.OverviewQuery(Editor(edits=edits), QueryDict(query), today=today)
    assert not request.errors, request.errors
    return request, overview.overview_figures(request)


@pytest.fixture
def quarter(reference_data):
    """Known incidents over the first quarter of 2025, and some around it."""
    make(date(2025, 1, 3), "battles", fatalities=3)
    make(date(2025, 1, 9), "battles", fatalities=5)
    make(date(2025, 1, 20), "violence_against_civilians", fatalities=4, civilians=4)
    # Started in December, lasted into January: counted in the period's first month.
    make(date(2024, 12, 20), "battles", end=date(2025, 1, 5), fatalities=2)
    make(date(2025, 2, 1), "explosions_remote_violence")  # no estimate
    make(date(2025, 2, 14), "battles", fatalities=0)
    make(date(2025, 2, 15), "battles", fatalities=7, status=Status.DRAFT)  # editors only
    for day in (2, 3, 4):
        make(date(2025, 3, day), "protests")
    make(date(2025, 3, 31), "riots", fatalities=1, civilians=1, at=TILLABERI)
    make(date(2024, 11, 30), "battles", fatalities=50)  # before the period
    make(date(2025, 4, 1), "battles", fatalities=60)  # after it


def by_month(months) -> dict[str, dict]:
    return {m.month.strftime("%Y-%m"): m for m in months}


def nonzero(counts: dict) -> dict:
    return {key: value for key, value in counts.items() if value}


def test_monthly_counts_and_fatalities_equal_the_incidents_behind_them(quarter):
    _, result = figures("date_from=2025-01-01&date_to=2025-03-31")
    months = by_month(result.months)
    assert list(months) == ["2025-01", "2025-02", "2025-03"]
    assert nonzero(months["2025-01"].incidents) == {"battles": 3, "violence_against_civilians": 1}
    assert nonzero(months["2025-01"].fatalities) == {
        "battles": 10,
        "violence_against_civilians": 4,
    }
    assert nonzero(months["2025-02"].incidents) == {"battles": 2, "explosions_remote_violence": 1}
    assert nonzero(months["2025-02"].fatalities) == {"battles": 7}  # the draft's 7, the other 0
    assert months["2025-02"].fatalities_unknown == 1  # unknown is not zero
    assert nonzero(months["2025-03"].incidents) == {"protests": 3, "riots": 1}
    assert months["2025-03"].fatalities_unknown == 3
    assert [m.civilians_killed for m in result.months] == [4, 0, 1]
    assert [m.civilians_unknown for m in result.months] == [3, 3, 3]
    # The months add up to the incidents the list's filters select.
    listed = overview.OverviewQuery(
        Editor(), QueryDict("date_from=2025-01-01&date_to=2025-03-31")
    ).filtered(date(2025, 1, 1), date(2025, 3, 31))
    assert result.incidents == listed.count() == 11
    assert result.fatalities == 3 + 5 + 4 + 2 + 0 + 7 + 1


def test_viewers_do_not_count_drafts_and_editors_do(quarter):
    _, viewer = figures("date_from=2025-02-01&date_to=2025-02-28", edits=False)
    _, editor = figures("date_from=2025-02-01&date_to=2025-02-28", edits=True)
    assert (viewer.incidents, viewer.fatalities) == (2, 0)
    assert (editor.incidents, editor.fatalities) == (3, 7)


@pytest.mark.parametrize(
    ("query", "incidents", "fatalities"),
    [
        ("country=NE", 1, 1),
        ("country=ML,BF", 10, 21),
        ("event_type=battles&event_type=riots", 6, 18),
        ("event_type=protests", 3, 0),
        ("fatalities_min=4", 3, 16),
        ("bbox=1,13,2,15", 1, 1),
        ("q=nowhere-to-be-found", 0, 0),
        ("civilian_harm=on", 2, 5),
    ],
)
def test_the_lists_filters_apply(quarter, query, incidents, fatalities):
    _, result = figures(f"date_from=2025-01-01&date_to=2025-03-31&{query}")
    assert (result.incidents, result.fatalities) == (incidents, fatalities)


def test_an_actor_filter_takes_member_groups_when_asked(reference_data):
    jnim = Actor.objects.get(slug="jnim")
    macina = Actor.objects.get(slug="katiba-macina")
    fama = Actor.objects.get(slug="fama")
    make(date(2025, 5, 2), actors=(jnim, fama), fatalities=6)
    make(date(2025, 5, 9), actors=(macina, fama), fatalities=2)
    make(date(2025, 5, 12), actors=(fama,), fatalities=1)
    period = "date_from=2025-05-01&date_to=2025-05-31"
    assert figures(f"{period}&actor=jnim")[1].incidents == 1
    with_members = figures(f"{period}&actor=jnim&actor_members=on")[1]
    assert (with_members.incidents, with_members.fatalities) == (2, 8)
    # The actors of those incidents: FAMa fought in both, JNIM and Katiba Macina in one each.
    ranking = {a.slug: (a.incidents, a.fatalities) for a in with_members.actors.by_incidents}
    assert ranking == {"fama": (2, 8), "jnim": (1, 6), "katiba-macina": (1, 2)}
    assert with_members.actors.by_incidents[0].slug == "fama"


def test_top_actors_count_an_incident_once_and_leave_civilians_out(reference_data):
    jnim = Actor.objects.get(slug="jnim")
    fama = Actor.objects.get(slug="fama")
    civilians = Actor.objects.get(slug="civilians-mali")
    for _ in range(3):
        make(date(2025, 5, 3), "violence_against_civilians", actors=(jnim, civilians), fatalities=2)
    attack = make(date(2025, 5, 4), actors=(fama, jnim), fatalities=10)
    # JNIM in a second role in the same incident: still one incident.
    IncidentActorFactory(incident=attack, actor=jnim, acled_position="assoc_actor_1", ucdp_side="")
    _, result = figures("date_from=2025-05-01&date_to=2025-05-31")
    assert [(a.slug, a.incidents, a.fatalities) for a in result.actors.by_incidents] == [
        ("jnim", 4, 16),
        ("fama", 1, 10),
    ]
    assert [a.slug for a in result.actors.by_fatalities] == ["jnim", "fama"]
    assert result.actors.actors == 2


def test_the_areas_that_changed_most_compare_the_last_month_with_the_three_before(
    reference_data,
):
    mopti = AdminArea.objects.get(level=1, code="ML-5")
    # The built-in boundaries have no admin2 areas: one for the test, inside Mopti.
    bandiagara = AdminAreaFactory(
        level=2,
        code="ML-5-T",
        name_en="Bandiagara",
        parent=mopti,
        geom=square(-3.7, 14.1, -3.3, 14.5),
    )
    for day in range(1, 10):  # Mopti: 9 in June against 1 a month before
        make(date(2025, 6, day))
    for month in (3, 4, 5):
        make(date(2025, month, 10))
        make(date(2025, month, 11), at=TILLABERI)  # Tillabéri: 2 a month before, 1 in June
        make(date(2025, month, 12), at=TILLABERI)
        make(date(2025, month, 13), at=CENTRE)  # Centre: 1 a month before, 3 in June
    make(date(2025, 6, 20), at=TILLABERI)
    for day in (21, 22, 23):
        make(date(2025, 6, day), at=CENTRE)
    tillaberi = AdminArea.objects.get(level=1, code="NE-6")
    centre = Incident.objects.filter(date_start=date(2025, 6, 21)).get().admin1
    # The comparison months lie before the period: they are read all the same.
    _, result = figures("date_from=2025-06-01&date_to=2025-06-30")
    regions = result.areas[0]
    assert regions.level == 1
    assert [(a.id, a.this_month, a.previous_average, a.change) for a in regions.risers] == [
        (mopti.pk, 9, 1.0, 8.0),
        (centre.pk, 3, 1.0, 2.0),
    ]
    assert regions.risers[0].relative == 8.0
    assert (regions.risers[0].name, regions.risers[0].country_code) == ("Mopti", "ML")
    assert [(a.id, a.this_month, a.previous_average, a.change) for a in regions.fallers] == [
        (tillaberi.pk, 1, 2.0, -1.0)
    ]
    assert regions.fallers[0].relative == -0.5
    # The admin2 areas, named with their region.
    cercles = result.areas[1]
    assert cercles.level == 2
    assert [(a.id, a.name, a.parent, a.change) for a in cercles.risers] == [
        (bandiagara.pk, "Bandiagara", "Mopti", 8.0)
    ]
    assert cercles.fallers == []


def test_a_new_area_has_no_relative_change(reference_data):
    make(date(2025, 6, 3), at=CENTRE)
    _, result = figures("date_to=2025-06-30")
    [riser] = result.areas[0].risers
    assert (riser.this_month, riser.previous_average, riser.relative) == (1, 0.0, None)


def test_the_default_period_ends_with_the_month_of_the_latest_incident(reference_data):
    make(date(2025, 3, 15))
    make(date(2025, 4, 2), status=Status.DRAFT)  # not visible to viewers
    viewer, _ = figures("", edits=False)
    assert (viewer.period.start, viewer.period.end) == (date(2024, 3, 1), date(2025, 3, 31))
    assert (viewer.period.anchor, viewer.period.anchored_on_latest) == (date(2025, 3, 15), True)
    assert len(viewer.period.months) == 13
    editor, _ = figures("", edits=True)
    assert editor.period.end == date(2025, 4, 30)
    # One date given: the other is filled in.
    only_end, _ = figures("date_to=2024-06-15")
    assert (only_end.period.start, only_end.period.end) == (date(2023, 6, 1), date(2024, 6, 15))
    only_start, _ = figures("date_from=2025-01-10", edits=False)
    assert (only_start.period.start, only_start.period.end) == (
        date(2025, 1, 10),
        date(2025, 3, 31),
    )
    # The latest incident dated after today: today's month.
    future, _ = figures("", edits=True, today=date(2025, 3, 10))
    assert (future.period.anchor, future.period.anchored_on_latest) == (date(2025, 3, 10), False)
    assert future.period.end == date(2025, 3, 31)
    # No incident at all: today's month too.
    Incident.objects.all().delete()
    empty, result = figures("", today=date(2025, 8, 4))
    assert (empty.period.start, empty.period.end) == (date(2024, 8, 1), date(2025, 8, 31))
    assert result.incidents == 0 and len(result.months) == 13


# --- The page -------------------------------------------------------------------------------


def test_the_page_draws_one_bar_group_per_month_in_each_chart(client, users, quarter):
    client.force_login(users["viewer"])
    response = client.get("/overview/?date_from=2024-10-01&date_to=2025-03-31")
    assert response.status_code == 200
    page = response.content.decode()
    charts = re.findall(r'<svg class="bars".*?</svg>', page, re.S)
    assert len(charts) == 3
    months = ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03"]
    for chart in charts:
        assert re.findall(r'class="bar-group" data-month="([\d-]+)"', chart) == months
        assert 'role="img"' in chart and "<title id=" in chart and "<desc id=" in chart
    incidents = charts[0]
    january = incidents.split('data-month="2025-01"')[1].split("</g>")[0]
    # Battles and violence against civilians, in the map's colours, bottom first.
    assert re.findall(r'fill="(#[0-9a-f]{6})"', january) == [
        EVENT_TYPE_COLOURS[EventType.BATTLES],
        EVENT_TYPE_COLOURS[EventType.VIOLENCE_AGAINST_CIVILIANS],
    ]
    assert "Battles: 2" in january  # the bar's tooltip
    # The numbers behind each chart, as a table.
    assert page.count('<details class="numbers">') == 3
    assert '<th scope="row">Jan. 2025</th>' in page
    assert "<b>11</b> incidents" in page  # viewers: the draft is not counted


def test_unknown_estimates_are_said_to_be_unknown_not_zero(client, users, reference_data):
    make(date(2025, 5, 3), fatalities=None, civilians=None)
    make(date(2025, 5, 4), fatalities=2, civilians=None)
    client.force_login(users["viewer"])
    page = client.get("/overview/?date_from=2025-05-01&date_to=2025-05-31").content.decode()
    assert "<b>2</b> killed (best estimates) <small>(1 incident with no estimate)</small>" in page
    assert "(2 incidents with no estimate)" in page
    civilians = page[page.index('id="chart-civilians"') :]
    assert '<text class="empty"' in civilians
    assert "No estimate for 2 incidents" in civilians.split("</svg>")[0]
    fatalities = page[page.index('id="chart-fatalities"') : page.index('id="chart-civilians"')]
    assert '<text class="empty"' not in fatalities


def test_a_chart_names_as_many_months_as_fit_counting_from_the_last(client, users, quarter):
    client.force_login(users["viewer"])
    page = client.get("/overview/?date_from=2024-10-01&date_to=2025-03-31").content.decode()
    chart = re.findall(r'<svg class="bars".*?</svg>', page, re.S)[0]
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', chart)
    assert ticks == ["Oct.", "Nov.", "Dec.", "Jan.", "Feb.", "March"]
    assert re.findall(r'<text class="year"[^>]*>([^<]+)</text>', chart) == ["2024", "2025"]
    # Five years and three months: a name a year (the last month's), each with its year.
    page = client.get("/overview/?date_from=2020-01-01&date_to=2025-03-31").content.decode()
    chart = re.findall(r'<svg class="bars".*?</svg>', page, re.S)[0]
    assert chart.count('class="bar-group"') == 63
    assert re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', chart) == ["March"] * 6
    years = re.findall(r'<text class="year"[^>]*>([^<]+)</text>', chart)
    assert years == ["2020", "2021", "2022", "2023", "2024", "2025"]


def test_the_page_is_in_french_with_french_months_and_numbers(client, users, reference_data):
    for _ in range(3):
        make(date(2025, 1, 10), fatalities=1234)
    client.force_login(users["viewer"])
    page = client.get(
        "/overview/?date_from=2025-01-01&date_to=2025-03-31", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert '<html lang="fr">' in page
    assert '<th scope="row">mars 2025</th>' in page
    assert "3\xa0702" in page  # 3 × 1,234 killed, grouped the French way
    assert "Batailles" in page


def test_actor_and_area_links_open_the_list_with_the_same_filters(client, users, reference_data):
    jnim = Actor.objects.get(slug="jnim")
    incident = make(date(2025, 6, 5), actors=(jnim,))
    client.force_login(users["viewer"])
    page = client.get("/overview/?country=ML&event_type=battles").content.decode()
    period = "date_from=2024-06-01&amp;date_to=2025-06-30"
    actor_link = (
        f'href="/incidents/?country=ML&amp;event_type=battles&amp;{period}&amp;actor={jnim.pk}"'
    )
    assert actor_link in page
    # The list of every incident counted: the same filters over the period shown.
    assert f'href="/incidents/?country=ML&amp;event_type=battles&amp;{period}"' in page
    month = "date_from=2025-06-01&amp;date_to=2025-06-30"
    area_link = (
        f"/incidents/?country=ML&amp;event_type=battles&amp;{month}&amp;admin1={incident.admin1_id}"
    )
    assert area_link in page
    # And the list behind the link holds the incident counted.
    listed = client.get(area_link.replace("&amp;", "&")).content.decode()
    assert incident.title in listed


def test_labels_are_escaped(client, users, reference_data):
    bad = ActorFactory(slug="bad-actor", name='<script>alert("x")</script>')
    make(date(2025, 6, 5), actors=(bad,))
    client.force_login(users["viewer"])
    page = client.get("/overview/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_other_filters_in_the_url_are_kept_by_the_form(client, users, quarter):
    client.force_login(users["viewer"])
    page = client.get("/overview/?q=ambush&geo_precision=1&country=ML").content.decode()
    assert '<input type="hidden" name="q" value="ambush">' in page
    assert '<input type="hidden" name="geo_precision" value="1">' in page
    assert '<option value="ML" selected>' in page


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("date_from=yesterday", "date_from", "Enter a valid date."),
        ("actor=nobody-at-all", "actor", "no such actor: nobody-at-all"),
        ("country=Mali", "country", "give ISO alpha-2 country codes"),
        ("event_type=picnic", "event_type", "Select a valid choice."),
        (
            "date_from=2025-03-01&date_to=2025-01-31",
            "date_to",
            "the end date is before the start date",
        ),
        (
            "date_from=1990-01-01&date_to=2025-01-31",
            "date_from",
            "the overview shows at most 240 months",
        ),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, users, query, parameter, message):
    client.force_login(users["viewer"])
    response = client.get(f"/overview/?{query}")
    assert response.status_code == 400
    page = response.content.decode()
    assert f"<li><code>{parameter}</code>: " in page
    assert message in page
    assert 'class="bars"' not in page


@pytest.mark.parametrize(
    "query",
    ["date_to=0001-02-15", "date_from=9999-12-15", "date_from=0001-01-01&date_to=0001-03-01"],
)
def test_dates_at_the_ends_of_the_calendar_are_no_error(client, users, query):
    client.force_login(users["viewer"])
    response = client.get(f"/overview/?{query}")
    assert response.status_code == 200
    assert 'class="bars"' in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/overview/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_without_a_role_is_refused(client):
    client.force_login(UserFactory())
    assert client.get("/overview/").status_code == 403


def test_the_charts_use_the_maps_colours():
    """One colour per event type, the same in the map's script and in the charts."""
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "static/incidents/mapstyle.js").read_text()
    block = script[script.index("var COLOURS = {") : script.index("};")]
    in_script = dict(re.findall(r'(\w+): "(#[0-9a-f]{6})"', block))
    assert in_script == {str(k): v for k, v in EVENT_TYPE_COLOURS.items()}
    assert set(EVENT_TYPE_COLOURS) == set(EventType)
