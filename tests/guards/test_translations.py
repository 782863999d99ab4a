"""Guard: French is complete.

- Every string the code marks for translation today has a French translation in the committed
  catalogue (locale/fr/LC_MESSAGES/django.po), not empty and not fuzzy. The marked strings are
  extracted afresh by `manage.py makemessages` run on a copy of the project, with the same
  arguments as the command that refreshes the catalogue (REFRESH_COMMAND below).
- No template shows unmarked text: every .html template is read with Django's template Lexer;
  its text outside tags (HTML tags, scripts and styles left out) and its user-facing attributes
  (title, placeholder, alt, aria-label..., the value of submit buttons) must hold no letters
  that are not inside {% translate %} / {% blocktranslate %}, except the few names in
  ALLOWED_TEXT.
- Both checks are shown to fail on a template with unmarked text and on a catalogue with a
  translation removed and another marked fuzzy.
- Pages are French for a French browser and after the language switcher: the login page, and
  dates and numbers on the about page and an incident page.

The .po is parsed here (a few lines, see parse_po) rather than with polib, which is not among
the project's dependencies.
"""

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"

# The command that refreshes the catalogue; the guard extracts with the same arguments.
# Folders left out: hidden ones (.venv, .git), var/, staticfiles/ (collected copies) and tests/.
MAKEMESSAGES_ARGS = [
    "--locale",
    "fr",
    "--add-location",
    "file",
    "--no-obsolete",
    "--ignore",
    ".*",
    "--ignore",
    "var",
    "--ignore",
    "staticfiles",
    "--ignore",
    "tests",
]
REFRESH_COMMAND = ".venv/bin/python manage.py makemessages " + " ".join(
    f"'{a}'" if a == ".*" else a for a in MAKEMESSAGES_ARGS
)
COPY_IGNORE = (".*", "var", "staticfiles", "tests", "locale", "__pycache__", "*.pyc", "*.mo")

TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]

# Unmarked text a template may show, each with the reason it stays as it is.
ALLOWED_TEXT = {
    "ACLED": "a dataset's name (Armed Conflict Location & Event Data), the same in French",
    "UCDP GED": "a dataset's name (UCDP Georeferenced Event Dataset), the same in French",
    "CSV": "a file format's name, the same in French",
    "GeoJSON": "a file format's name, the same in French",
}
# Blocks whose content is markup, not text: {% block body_class %}map-page{% endblock %}.
NON_TEXT_BLOCKS = {"body_class": "CSS class names of <body>"}
USER_FACING_ATTRIBUTES = {
    "title",
    "placeholder",
    "alt",
    "label",
    "aria-label",
    "aria-description",
    "aria-placeholder",
    "aria-roledescription",
    "aria-valuetext",
}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
MARKED = "\ue000"  # stands for every template tag and variable: never unmarked text itself


# --- The catalogue ---------------------------------------------------------------------------


@dataclass
class PoEntry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)  # [msgstr] or [msgstr[0], msgstr[1], ...]
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def _unquote(text: str) -> str:
    """A PO string literal ("...", C escapes) -> its value."""
    return ast.literal_eval(text.strip())


def parse_po(text: str) -> list[PoEntry]:
    """The entries of a .po file, header (msgid "") included. Enough of the format for what
    makemessages writes: comments, flags, msgctxt, msgid, msgid_plural, msgstr[n], continued
    strings and obsolete (#~) entries."""
    entries: list[PoEntry] = []
    fields: dict[str, list[str]] = {}
    flags: set[str] = set()
    obsolete = False
    start = 0
    current: str | None = None

    def flush() -> None:
        nonlocal fields, flags, obsolete, current
        if "msgid" in fields:
            value = {name: "".join(parts) for name, parts in fields.items()}
            plurals = sorted(
                (int(name[7:-1]), v) for name, v in value.items() if name.startswith("msgstr[")
            )
            entries.append(
                PoEntry(
                    msgid=value["msgid"],
                    msgctxt=value.get("msgctxt"),
                    msgid_plural=value.get("msgid_plural"),
                    msgstr=[v for _, v in plurals] if plurals else [value.get("msgstr", "")],
                    flags=flags,
                    obsolete=obsolete,
                    line=start,
                )
            )
        fields, flags, obsolete, current = {}, set(), False, None

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#~"):
            obsolete = True
            line = line[2:].strip()
        if not line:
            flush()
            continue
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith(("#", "|")):  # comments, and previous msgids (#| and #~|)
            continue
        if line.startswith('"'):
            if current is None:
                raise ValueError(f"line {number}: a string outside any field")
            fields[current].append(_unquote(line))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and ("msgstr" in fields or "msgstr[0]" in fields):
            flush()  # entries written without a blank line between them
        if not (
            keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr") or keyword[:7] == "msgstr["
        ):
            raise ValueError(f"line {number}: unexpected {keyword!r}")
        if not fields:
            start = number
        current = keyword
        fields[current] = [_unquote(rest)]
    flush()
    return entries


def catalogue_problems(extracted: list[PoEntry], catalogue: list[PoEntry]) -> list[str]:
    """What keeps the catalogue from translating every extracted msgid: missing, untranslated
    (an empty msgstr, or an empty plural form), fuzzy, or with another plural."""
    translated = {e.key: e for e in catalogue if not e.obsolete and e.msgid}
    problems = []
    for wanted in extracted:
        if not wanted.msgid or wanted.obsolete:
            continue
        found = translated.get(wanted.key)
        name = repr(wanted.msgid) + (f" (context {wanted.msgctxt!r})" if wanted.msgctxt else "")
        if found is None:
            problems.append(f"{name}: not in the catalogue")
        elif "fuzzy" in found.flags:
            problems.append(f"{name}: fuzzy (line {found.line}); check it and drop the flag")
        elif wanted.msgid_plural != found.msgid_plural:
            problems.append(f"{name}: its plural changed to {wanted.msgid_plural!r}")
        elif not found.msgstr or not all(found.msgstr):
            problems.append(f"{name}: no French translation (line {found.line})")
    return problems


def extract_marked_strings(destination: Path) -> list[PoEntry]:
    """The strings the code marks today: makemessages, with the refresh command's arguments, on
    a copy of the project in `destination` (the committed catalogue is not touched)."""
    copy = destination / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*COPY_IGNORE), symlinks=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", *MAKEMESSAGES_ARGS],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    po = copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    return parse_po(po.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> list[PoEntry]:
    from tests.conftest import require_tool

    require_tool("xgettext", "install Debian's gettext package (apt-get install gettext)")
    return extract_marked_strings(tmp_path_factory.mktemp("makemessages"))


def test_every_marked_string_has_a_french_translation(extracted):
    assert len([e for e in extracted if e.msgid]) > 100, "makemessages found too few strings"
    problems = catalogue_problems(extracted, parse_po(CATALOGUE.read_text(encoding="utf-8")))
    assert not problems, (
        f"{len(problems)} marked strings lack French in {CATALOGUE.relative_to(ROOT)}:\n  "
        + "\n  ".join(problems)
        + f"\nRefresh the catalogue ({REFRESH_COMMAND}), then translate the new entries and "
        "remove their fuzzy flags."
    )


def test_the_catalogue_compiles_and_its_format_strings_match():
    """msgfmt --check: the header is complete (charset, plural forms) and every translation
    keeps the %(name)s placeholders of its msgid."""
    from tests.conftest import require_tool

    msgfmt = require_tool("msgfmt", "install Debian's gettext package (apt-get install gettext)")
    result = subprocess.run(
        [msgfmt, "--check", "--output-file", os.devnull, str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    header = next(e for e in parse_po(CATALOGUE.read_text(encoding="utf-8")) if not e.msgid)
    assert "fuzzy" not in header.flags, "a fuzzy header is ignored by msgfmt: remove the flag"
    assert "Language: fr\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in header.msgstr[0]


def test_the_catalogue_check_reports_a_missing_and_a_fuzzy_translation(extracted, tmp_path):
    """Whatever the committed catalogue lacks today (the test above says), removing one
    translation, emptying one plural form and marking one entry fuzzy are three more problems;
    writing the catalogue back unchanged is none."""
    committed = CATALOGUE.read_text(encoding="utf-8")
    already = catalogue_problems(extracted, parse_po(committed))
    catalogue = parse_po(committed)
    by_msgid = {(e.msgctxt, e.msgid): e for e in catalogue}
    by_msgid[(None, "Log in")].msgstr = [""]
    by_msgid[(None, "Password")].flags.add("fuzzy")
    by_msgid[(None, "%(years)s year")].msgstr[1] = ""
    # Through a file, so that the parser reads what it is given back.
    changed = tmp_path / "django.po"
    changed.write_text(write_po(catalogue), encoding="utf-8")

    problems = catalogue_problems(extracted, parse_po(changed.read_text(encoding="utf-8")))

    new = [p for p in problems if p not in already]
    assert len(new) == 3, new
    assert any(p.startswith("'Log in': no French translation") for p in new)
    assert any(p.startswith("'Password': fuzzy") for p in new)
    assert any(p.startswith("'%(years)s year': no French translation") for p in new)
    unchanged = write_po(parse_po(committed))
    assert catalogue_problems(extracted, parse_po(unchanged)) == already


def _po_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def write_po(entries: list[PoEntry]) -> str:
    """Entries back to .po text (unwrapped), for the tests that change a catalogue."""
    blocks = []
    for e in entries:
        lines = []
        if e.flags:
            lines.append("#, " + ", ".join(sorted(e.flags)))
        if e.msgctxt is not None:
            lines.append(f"msgctxt {_po_string(e.msgctxt)}")
        lines.append(f"msgid {_po_string(e.msgid)}")
        if e.msgid_plural is not None:
            lines.append(f"msgid_plural {_po_string(e.msgid_plural)}")
            lines += [f"msgstr[{i}] {_po_string(s)}" for i, s in enumerate(e.msgstr)]
        else:
            lines.append(f"msgstr {_po_string(e.msgstr[0])}")
        blocks.append("\n".join(("#~ " + line if e.obsolete else line) for line in lines))
    return "\n\n".join(blocks) + "\n"


# --- The templates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Unmarked:
    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.text!r}"


def _with_marks(source: str) -> str:
    """The template with every tag and variable replaced by MARKED (newlines kept, so that line
    numbers still hold), and with the content of {% blocktranslate %}, {% comment %} and of the
    NON_TEXT_BLOCKS replaced too: what is left is the template's own HTML and text."""
    tokens = Lexer(source).tokenize()
    out = []
    closing: list[str] = []  # the end tags of the constructs being left out, innermost last
    block_depth = 0
    for i, token in enumerate(tokens):
        newlines = (tokens[i + 1].lineno - token.lineno) if i + 1 < len(tokens) else 0
        words = token.contents.split()
        name = words[0] if token.token_type == TokenType.BLOCK and words else ""
        if closing:
            if name == "block":
                block_depth += 1
            elif name == "endblock" and closing[-1] == "endblock" and block_depth:
                block_depth -= 1
                name = ""
            if name == closing[-1]:
                closing.pop()
            out.append(MARKED + "\n" * newlines)
            continue
        if token.token_type == TokenType.TEXT:
            out.append(token.contents)
            continue
        if name in ("blocktranslate", "blocktrans"):
            closing.append("end" + name)
        elif name == "comment":
            closing.append("endcomment")
        elif name == "block" and len(words) > 1 and words[1] in NON_TEXT_BLOCKS:
            closing.append("endblock")
            block_depth = 0
        out.append(MARKED + "\n" * newlines)
    return "".join(out)


class _TextFinder(HTMLParser):
    def __init__(self, template: str):
        super().__init__(convert_charrefs=True)
        self.template = template
        self.found: list[Unmarked] = []
        self.raw = 0  # inside <script> or <style>

    def check(self, text: str) -> None:
        for piece in text.split(MARKED):
            words = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", piece.strip())
            if any(ch.isalpha() for ch in words) and words not in ALLOWED_TEXT:
                self.found.append(Unmarked(self.template, self.getpos()[0], piece.strip()))

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            user_facing = name in USER_FACING_ATTRIBUTES or (
                tag == "input" and name == "value" and values.get("type") in BUTTON_INPUT_TYPES
            )
            if user_facing and value:
                self.check(value)
        if tag in ("script", "style"):
            self.raw += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.raw:
            self.raw -= 1

    def handle_data(self, data):
        if not self.raw:
            self.check(data)


def unmarked_text(source: str, template: str) -> list[Unmarked]:
    """The unmarked user-facing text of one template."""
    finder = _TextFinder(template)
    finder.feed(_with_marks(source))
    finder.close()
    return finder.found


def project_templates() -> list[Path]:
    return sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*.html"))


def test_templates_show_no_unmarked_text():
    templates = project_templates()
    assert len(templates) >= 5, templates
    found = [
        str(u)
        for path in templates
        for u in unmarked_text(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not found, (
        "Unmarked text in templates: wrap it in {% translate %} or {% blocktranslate %} "
        "(or, for a name that is the same in every language, add it to ALLOWED_TEXT with its "
        "reason):\n  " + "\n  ".join(found)
    )


def test_the_template_check_reports_unmarked_text_and_attributes(tmp_path):
    template = tmp_path / "page.html"
    template.write_text(
        """{% extends "base.html" %}{% load i18n %}
{% block body_class %}map-page{% endblock %}
{% block content %}
<h1>{% translate "Incidents" %}</h1>
<p>Unmarked sentence {{ count }} here.</p>
<img src="x.png" alt="A map">
<input type="submit" value="Send">
<input type="hidden" name="next" value="/here">
<button title="{% translate 'Close' %}" value="close">×</button>
<span aria-label="Legend"></span>
{% blocktranslate %}Marked {{ n }} words{% endblocktranslate %}
{% comment %}A comment is not shown{% endcomment %}
<script>var label = "not text";</script>
<dt>ACLED</dt><dd>#{{ pk }} · UCDP GED</dd>
{% endblock %}
""",
        encoding="utf-8",
    )

    found = unmarked_text(template.read_text(), "page.html")

    assert [(u.line, u.text) for u in found] == [
        (5, "Unmarked sentence"),
        (5, "here."),
        (6, "A map"),
        (7, "Send"),
        (10, "Legend"),
    ]


# --- French pages ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled_catalogue():
    """The compiled catalogue (django.mo, not committed), as scripts/test's prepare step leaves
    it; compiled here too when it is missing or older than the .po, for a bare pytest run."""
    from django.conf import settings
    from django.test.signals import setting_changed

    from tests.conftest import require_tool

    mo = CATALOGUE.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= CATALOGUE.stat().st_mtime:
        return
    msgfmt = require_tool("msgfmt", "install Debian's gettext package (apt-get install gettext)")
    partial = mo.with_name(f".{mo.name}.{os.getpid()}")
    subprocess.run([msgfmt, "--check-format", "-o", str(partial), str(CATALOGUE)], check=True)
    partial.replace(mo)  # at once: a concurrent run never reads half a file
    # Django caches catalogues per language: have it read the new one.
    setting_changed.send(
        sender=type(settings), setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalogue")
def test_a_french_browser_gets_the_login_page_in_french(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr">' in page
    assert "Se connecter</button>" in page
    assert "Nom d’utilisateur" in page and "Mot de passe" in page
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in</button>" in english


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalogue")
def test_an_anonymous_visitor_switches_to_french_and_back():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/?next=/").content.decode()
    assert 'action="/i18n/setlang/"' in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = client.post(
        "/i18n/setlang/",
        {"language": "fr", "next": "/accounts/login/?next=/", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"
    french = client.get("/accounts/login/?next=/").content.decode()
    assert "Se connecter</button>" in french
    assert 'aria-current="true">FR</button>' in french
    client.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/accounts/login/", "csrfmiddlewaretoken": token},
    )
    assert "Log in</button>" in client.get("/accounts/login/").content.decode()


def french_thousands(number: str) -> str:
    """'12 345' with the thousands separator of Django's French formats (a no-break space)."""
    from django.utils.formats import get_format

    return number.replace(" ", get_format("THOUSAND_SEPARATOR", "fr"))


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalogue")
def test_the_about_page_shows_dates_and_numbers_in_french(client):
    from incidents.models import ReferenceDataset

    dataset = ReferenceDataset.objects.create(
        name="gazetteer:geonames:ML", source="ML.zip", sha256="x", rows=12345
    )
    ReferenceDataset.objects.filter(pk=dataset.pk).update(loaded_at="2024-10-21T10:00:00Z")

    french = client.get("/about/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = client.get("/about/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Sources des données et attribution" in french
    assert "21 octobre 2024" in french and french_thousands("12 345") in french
    assert "21 October 2024" in english and "12,345" in english


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalogue")
def test_an_incident_page_is_in_french(client, users):
    from incidents.models import CivilianHarmReport, Status
    from tests.factories import ClaimFactory, IncidentFactory, SourceFactory

    incident = IncidentFactory(
        title="Frappes de drone sur le marché",
        status=Status.PUBLISHED,
        published_at="2024-10-22T00:00:00Z",
        date_start=date(2024, 10, 21),
        event_type="explosions_remote_violence",
        sub_event_type="air_drone_strike",
    )
    ClaimFactory(incident=incident, source=SourceFactory(publisher="RFI"), fatalities_best=24)
    CivilianHarmReport.objects.create(
        incident=incident,
        grade="fair",
        displaced_unknown=12000,
        means=["drone_strike"],
        strikes=2,
    )
    client.force_login(users["viewer"])

    page = client.get(f"/incidents/{incident.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "21 octobre 2024" in page
    assert "Explosions/Violence à distance / Frappe aérienne/de drone" in page
    assert "Sources et déclarations" in page and "Victimes civiles" in page
    assert "plausible : au moins deux sources crédibles" in page.replace("\u00a0", " ")
    assert french_thousands("12 000") in page
    assert "Moyens\u00a0: frappe de drone, 2 frappes." in page
