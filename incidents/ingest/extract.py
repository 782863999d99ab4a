"""Extraction: what a report says happened, where, when, who and with what toll, in English and
French, each value with the span of text it was read from (so that the review queue can show an
editor why).

`extract_report(text, published=..., language=...)` splits the report into incidents (a brief
often tells several, with background passages between them that are no incident), and reads for
each one:

- places: every gazetteer name in the text (one Aho-Corasick automaton over the normalised names
  of the `PlaceName` table, built once per process and rebuilt when the gazetteer changes) and
  the place expressions reports use ("near X", "between X and Y", "on the road from X to Y",
  "l'axe X-Y", "Mopti region", "cercle de X", "commune de X", "30 km north of X", RN15), each
  with the expression to hand to `incidents.geo.geocoder.geocode()`;
- actors, by any alias of the actor registry valid on the report's date (a second automaton);
- dates, explicit or relative to the publication date, with the ACLED time precision the range
  justifies (1 one day, 2 up to a week, 3 longer);
- casualty figures as claims (killed / injured / abducted; civilians, children, state forces,
  armed group or unknown; low / best / high from the qualifier) with the source the sentence
  names;
- a guess of the event type, in the taxonomy's values (incidents/taxonomy.py).

No database query runs per sentence: two cheap queries per report check that the cached
automata are still current.
"""

import calendar
import re
import threading
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import ahocorasick
from django.db import connection
from text_to_num import text2num

from actors.names import APOSTROPHES, PUNCTUATION, normalise_name
from incidents.ingest import lexicon as lx
from incidents.precision import TimePrecision

# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Span:
    """Characters [start, end) of the report; `text` is exactly report[start:end]."""

    start: int
    end: int
    text: str


@dataclass
class PlaceMention:
    name: str
    span: Span
    kind: str  # place, near, between, road, admin_area, distance
    # The phrase to hand to incidents.geo.geocoder.geocode() ("between Sévaré and Bandiagara").
    expression: str
    names: list[str] = field(default_factory=list)  # every place name the mention holds
    in_gazetteer: bool = False  # at least one of the names is a gazetteer name


@dataclass
class ActorMention:
    actor_id: int
    name: str
    alias: str
    span: Span
    slug: str = ""


@dataclass
class DateMention:
    start: date
    end: date
    time_precision: int  # ACLED: 1 day, 2 week, 3 month or more
    span: Span
    relative: bool = False  # read against the publication date


@dataclass
class CasualtyClaim:
    kind: str  # killed, injured, abducted
    category: str  # civilians, children, state_forces, armed_group, unknown
    low: int | None
    best: int | None
    high: int | None
    span: Span
    attributed_to: str = ""
    attribution_span: Span | None = None
    qualifier: str = ""  # exact, at_least, more_than, about, up_to, range, approximate, vague
    # A part of the figure before it ("four people, including two children"), not more dead.
    breakdown: bool = False


@dataclass
class ExtractedEvent:
    span: Span  # the passage the event was read from
    places: list[PlaceMention]
    actors: list[ActorMention]
    dates: list[DateMention]  # finest first, then in the order of the text
    casualties: list[CasualtyClaim]
    event_type: str
    sub_event_type: str
    event_type_span: Span | None

    def as_dict(self) -> dict:
        return asdict(self, dict_factory=_json_ready)


@dataclass
class Extraction:
    language: str
    events: list[ExtractedEvent]

    def as_dict(self) -> dict:
        return {"language": self.language, "events": [e.as_dict() for e in self.events]}


def _json_ready(items) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in items}


# ---------------------------------------------------------------------------------------------
# Normalised text with a map back to the report's characters


_APOSTROPHE_SET = set(APOSTROPHES)
_SEPARATOR_SET = set(PUNCTUATION)


def fold(text: str) -> tuple[str, list[int]]:
    """The text normalised as `actors.names.normalise_name` does it (lower case, no accents or
    apostrophes, punctuation runs as one space), with, for each character, the index of the
    report's character it comes from: a match in the folded text maps back to an exact span."""
    out: list[str] = []
    index: list[int] = []
    last_space = True
    for i, ch in enumerate(text):
        plain = _FOLDED.get(ch)
        if plain is None:
            plain = _FOLDED[ch] = _fold_char(ch)
        if not plain:
            if ch in _APOSTROPHE_SET and _elided(text, i):
                plain = " "  # "l'armée" is "l armée": the name after it is a word of its own
            else:
                continue
        if plain == " ":
            if not last_space:
                out.append(" ")
                index.append(i)
                last_space = True
            continue
        out.append(plain)
        index.extend([i] * len(plain))
        last_space = False
    return "".join(out), index


_FOLDED: dict[str, str] = {}
# French elision before a name: "l'armée malienne", "d'Ansarul Islam", "qu'AQMI". Not a
# capital N ("N'Gourma", "N'Tillit": part of the name) nor a letter inside a word ("Jama'at").
_ELIDED_LETTERS = frozenset("lLdDjJmMsStTcCn")
_ELIDED_WORDS = frozenset({"qu", "jusqu", "lorsqu", "puisqu", "quoiqu"})


def _elided(text: str, i: int) -> bool:
    """Whether the apostrophe at text[i] ends an elided French article or pronoun."""
    if i == 0 or i + 1 >= len(text) or not text[i + 1].isalpha():
        return False
    start = i
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    word = text[start:i]
    return (len(word) == 1 and word in _ELIDED_LETTERS) or word.lower() in _ELIDED_WORDS


def _fold_char(ch: str) -> str:
    """One character folded: "" (an apostrophe), " " (a separator) or its plain letters."""
    if ch in _APOSTROPHE_SET:
        return ""
    if ch.isspace() or ch in _SEPARATOR_SET:
        return " "
    decomposed = unicodedata.normalize("NFKD", ch.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")


_WORD = re.compile(r"\w+")


def _scan(pattern: re.Pattern, text: str, starters: frozenset[str]):
    """pattern.finditer(text), trying the pattern only where a word it can start with begins
    (a digit, or a word of `starters`): many times faster for long alternations."""
    reach = 0
    for word in _WORD.finditer(text):
        if word.start() < reach:
            continue
        w = word.group(0).lower()
        if not (w[0].isdigit() or w in starters):
            continue
        m = pattern.match(text, word.start())
        if m and m.end() > m.start():
            reach = m.end()
            yield m


def _span(text: str, start: int, end: int) -> Span:
    return Span(start, end, text[start:end])


def _folded_matches(automaton, folded: str, index: list[int]):
    """(start, end, value) of the report for each whole-word match, leftmost-longest and not
    overlapping."""
    found = []
    for last, value in automaton.iter(folded):
        key = value[0]
        first = last - len(key) + 1
        if first > 0 and folded[first - 1] != " ":
            continue
        if last + 1 < len(folded) and folded[last + 1] != " ":
            continue
        found.append((first, last, value))
    found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    result, reach = [], -1
    for first, last, value in found:
        if first <= reach:
            continue
        result.append((index[first], index[last] + 1, value))
        reach = last
    return result


# ---------------------------------------------------------------------------------------------
# The automata, built once per process and rebuilt when their tables change


class _CachedAutomaton:
    """An automaton built from a table, rebuilt when `key_sql` answers something new. The key
    is asked at most every CHECK_SECONDS (a gazetteer edit shows within that delay) so that a
    batch of reports costs no query each; `refresh()` forces the check."""

    CHECK_SECONDS = 2.0

    def __init__(self, key_sql: str, build):
        self.key_sql = key_sql
        self.build = build
        self.key = None
        self.value = None
        self.checked = 0.0
        self.lock = threading.Lock()

    def get(self):
        if time.monotonic() - self.checked < self.CHECK_SECONDS and self.key is not None:
            return self.value
        with connection.cursor() as cursor:
            cursor.execute(self.key_sql)
            key = tuple(cursor.fetchone())
        with self.lock:
            if key != self.key:
                self.value = self.build()
                self.key = key
            self.checked = time.monotonic()
        return self.value

    def refresh(self):
        """Checks the table now (after an edit that must show at once, in a test say)."""
        self.checked = 0.0
        return self.get()


@dataclass
class _Gazetteer:
    automaton: object
    names: set[str]  # normalised names the automaton holds

    def knows(self, name: str) -> bool:
        return normalise_name(name) in self.names


def _build_gazetteer() -> _Gazetteer:
    automaton = ahocorasick.Automaton()
    names: set[str] = set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT name, normalised FROM incidents_placename")
        for name, normalised in cursor:
            if not _scannable(normalised):
                continue
            names.add(normalised)
            # Keyed as the text is folded ("Cercle d'Ansongo": "cercle d ansongo").
            for key in {normalised, _folded_name(name)}:
                automaton.add_word(key, (key,))
    if names:
        automaton.make_automaton()
    return _Gazetteer(automaton if names else None, names)


def _scannable(normalised: str) -> bool:
    """Whether a gazetteer name is worth scanning the text for: not a short or common word."""
    return (
        len(normalised) >= lx.MIN_NAME_LENGTH
        and normalised not in lx.COMMON_WORDS
        and normalised not in lx.COUNTRY_NAMES
        and not normalised.isdigit()
    )


@dataclass(frozen=True)
class _Alias:
    actor_id: int
    slug: str
    actor_name: str
    alias: str
    valid_from: date | None
    valid_until: date | None
    exact_case: bool  # an acronym: matched as written ("FAN" the army, not "fan")
    capitalised: bool  # a proper name: the text must capitalise it too

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def written_as(self, text: str) -> bool:
        if self.exact_case:
            return text == self.alias or text == self.alias.upper()
        # A proper name is capitalised somewhere: "katiba Macina" and "la Katiba Macina" both
        # name the group; "islamic state" in lower case is not a name.
        return not self.capitalised or any(c.isupper() for c in text)


def _build_actors():
    by_name: dict[str, list[_Alias]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.actor_id, r.slug, r.name, a.name, a.normalised, a.valid_from, "
            "a.valid_until FROM actors_actoralias a JOIN actors_actor r ON r.id = a.actor_id"
        )
        for actor_id, slug, actor_name, alias, normalised, start, end in cursor:
            acronym = " " not in alias and sum(c.isupper() for c in alias) >= 2 and len(alias) <= 8
            if not normalised or (len(normalised) < 3 and not acronym):
                continue
            capitalised = alias[:1].isupper()
            item = _Alias(actor_id, slug, actor_name, alias, start, end, acronym, capitalised)
            # Keyed as the text is folded ("l'islam": "l islam"), and as stored.
            for key in {normalised, _folded_name(alias)}:
                by_name.setdefault(key, []).append(item)
    if not by_name:
        return None
    automaton = ahocorasick.Automaton()
    for key, aliases in by_name.items():
        automaton.add_word(key, (key, tuple(aliases)))
    automaton.make_automaton()
    return automaton


def _folded_name(name: str) -> str:
    """A name as fold() writes it in a text (French elisions split off)."""
    return fold(name)[0].strip()


# min/max of the key are index look-ups however large the gazetteer (a reload renumbers).
GAZETTEER = _CachedAutomaton("SELECT min(id), max(id) FROM incidents_placename", _build_gazetteer)
# The alias table is small; its history table also changes when an alias's period is edited.
ACTORS = _CachedAutomaton(
    "SELECT (SELECT count(*) FROM actors_actoralias), (SELECT max(id) FROM actors_actoralias), "
    "(SELECT max(pgh_id) FROM actors_actoraliasevent), (SELECT max(updated_at) FROM actors_actor)",
    _build_actors,
)


# ---------------------------------------------------------------------------------------------
# Sentences


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”»’)]*\s+(?=[\"“«(]?[A-ZÀ-ÖØ-Þ0-9])|\n\s*")
_ABBREVIATIONS = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|St|Gen|Col|Lt|Capt|Sgt|Maj|No|M|Mme|Me|km|approx|U\.S|U\.N|e\.g|i\.e|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|av|env)\.$"
)


@dataclass
class _Sentence:
    start: int
    end: int
    paragraph: int


def _sentences(text: str) -> list[_Sentence]:
    """Sentences with their paragraph (a blank line, or a line break, starts one)."""
    sentences: list[_Sentence] = []
    paragraph = 0
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if "\n" not in m.group(0) and _ABBREVIATIONS.search(
            text[max(0, m.start() - 8) : m.start()]
        ):
            continue
        _add_sentence(text, start, m.start(), paragraph, sentences)
        if "\n" in m.group(0):
            paragraph += 1
        start = m.end()
    _add_sentence(text, start, len(text), paragraph, sentences)
    return sentences


def _add_sentence(text: str, start: int, end: int, paragraph: int, into: list) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        into.append(_Sentence(start, end, paragraph))


# ---------------------------------------------------------------------------------------------
# Language


def guess_language(text: str) -> str:
    """ "fr" or "en", by the more frequent set of function words."""
    words = re.findall(r"[a-zàâçéèêëîïôûùüÿ]+", text.lower())
    french = sum(w in lx.FRENCH_WORDS for w in words)
    english = sum(w in lx.ENGLISH_WORDS for w in words)
    return "fr" if french > english else "en"


# ---------------------------------------------------------------------------------------------
# Places


def _clean_name(name: str) -> str:
    """A captured name without a leading capitalised function word ("The Mopti" -> "Mopti")
    and trailing punctuation."""
    words = name.split()
    # "Burkina Faso's Centre-Nord": the name is after the possessive.
    for i in range(len(words) - 1, -1, -1):
        if re.search(r"['’]s$", words[i]) and i < len(words) - 1:
            words = words[i + 1 :]
            break
    while words and normalise_name(words[0]) in lx.NOT_NAMES:
        words.pop(0)
    # "near Djibo Tuesday": a weekday or a month after the name is not part of it.
    while words and normalise_name(words[-1]) in lx.NOT_NAME_ENDINGS:
        words.pop()
    return " ".join(words).strip(" ,.;:'’")


def _name_start(text: str, m: re.Match, group: str) -> int:
    """Where the cleaned name of `group` starts in the report."""
    raw = m.group(group)
    cleaned = _clean_name(raw)
    return m.start(group) + raw.find(cleaned) if cleaned else m.start(group)


def _split_axis(token: str, gazetteer: _Gazetteer) -> tuple[str, str] | None:
    """ "Sévaré-Bandiagara" -> ("Sévaré", "Bandiagara") where the parts are gazetteer names
    and the whole is not (Gourma-Rharous is one place)."""
    if gazetteer.knows(token):
        return None
    parts = re.split(r"\s*[–—/]\s*|\s+-\s+", token)
    if len(parts) == 2:
        return parts[0], parts[1]
    for m in re.finditer("-", token):
        a, b = token[: m.start()].strip(), token[m.end() :].strip()
        if a and b and gazetteer.knows(a) and gazetteer.knows(b):
            return a, b
    return None


def _pattern_places(text: str, gazetteer: _Gazetteer, is_actor) -> list[PlaceMention]:
    """Place expressions found by pattern; names that are actors' ("between JNIM and ISSP")
    are not places."""
    found: list[PlaceMention] = []

    def add(kind, start, end, names, expression):
        names = [n for n in (_clean_name(n) for n in names) if n]
        if not names or any(is_actor(n) for n in names):
            return
        known = any(gazetteer.knows(n) for n in names)
        found.append(
            PlaceMention(names[0], _span(text, start, end), kind, expression, names, known)
        )

    for pattern in (lx.BETWEEN_PATTERN, lx.ROAD_FROM_TO_PATTERN):
        for m in pattern.finditer(text):
            a, b = _clean_name(m.group("a")), _clean_name(m.group("b"))
            if pattern is lx.BETWEEN_PATTERN and not (gazetteer.knows(a) or gazetteer.knows(b)):
                continue
            add("between", m.start(), m.end(), [a, b], f"between {a} and {b}")
    for m in lx.AXIS_PATTERN.finditer(text):
        token = m.group("a") or m.group("b")
        pair = _split_axis(token, gazetteer)
        if pair:
            add("between", m.start(), m.end(), list(pair), f"between {pair[0]} and {pair[1]}")
    for m in lx.DISTANCE_PATTERN.finditer(text):
        add("distance", m.start(), m.end(), [m.group("name")], m.group(0))
    for m in lx.NEAR_PATTERN.finditer(text):
        name = _clean_name(m.group("name"))
        add("near", m.start(), m.end(), [name], f"near {name}")
    for pattern in (lx.ADMIN_PREFIX_PATTERN, lx.ADMIN_SUFFIX_PATTERN):
        for m in pattern.finditer(text):
            start = (
                m.start() if pattern is lx.ADMIN_PREFIX_PATTERN else _name_start(text, m, "name")
            )
            phrase = text[start : m.end()]
            phrase = re.sub(r"^(?:the|The)\s+", "", phrase)
            add("admin_area", start, m.end(), [m.group("name")], phrase)
    for m in lx.PLACE_NOUN_PATTERN.finditer(text):
        start = _name_start(text, m, "name")
        name = _clean_name(m.group("name"))
        add("place", start, start + len(name), [name], name)
    for m in lx.ROAD_PATTERN.finditer(text):
        number = next(g for g in m.groups() if g)
        road = f"RN{int(number)}"
        found.append(PlaceMention(road, _span(text, m.start(), m.end()), "road", road, [road]))
    return _without_overlaps(found, _PATTERN_RANK)


_PATTERN_RANK = {"between": 0, "distance": 1, "near": 2, "admin_area": 3, "road": 4, "place": 5}


def _without_overlaps(mentions: list[PlaceMention], rank: dict) -> list[PlaceMention]:
    """The best mention where several overlap: by kind, then the longest."""
    chosen: list[PlaceMention] = []
    ordered = sorted(mentions, key=lambda p: (rank[p.kind], -(p.span.end - p.span.start)))
    for mention in ordered:
        # A road stays beside the expression that holds it ("on the RN15 road from X to Y").
        rivals = [c for c in chosen if (c.kind == "road") == (mention.kind == "road")]
        if not any(_overlap(mention.span, c.span) for c in rivals):
            chosen.append(mention)
    return sorted(chosen, key=lambda p: p.span.start)


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _gazetteer_places(
    text: str, folded: str, index: list[int], gazetteer: _Gazetteer, taken: list[Span]
) -> list[PlaceMention]:
    """Gazetteer names in the text outside the spans already taken (place expressions, actor
    names), written with a capital as a proper name is."""
    if gazetteer.automaton is None:
        return []
    mentions = []
    for start, end, _value in _folded_matches(gazetteer.automaton, folded, index):
        written = text[start:end]
        # A proper name is capitalised; a word in capitals is a dateline or a headline's.
        if not any(c.isupper() for c in written) or (written.isupper() and len(written) > 3):
            continue
        span = _span(text, start, end)
        if any(_overlap(span, t) for t in taken):
            continue
        mentions.append(PlaceMention(written, span, "place", written, [written], True))
    return mentions


def _with_roads(mentions: list[PlaceMention], text: str) -> list[PlaceMention]:
    """ "the RN15 between Sévaré and Bandiagara": the road goes into the expression after it,
    so that the geocoder places the road section."""
    roads = [m for m in mentions if m.kind == "road"]
    for mention in mentions:
        if mention.kind not in ("between", "near"):
            continue
        for road in roads:
            gap = text[road.span.end : mention.span.start]
            if 0 <= len(gap) <= 25 and re.fullmatch(r"[\s,]*(?:road|route|axis)?[\s,]*", gap):
                mention.expression = f"{road.expression} {mention.expression}"
    return mentions


# ---------------------------------------------------------------------------------------------
# Actors


def _actor_mentions(text: str, folded: str, index: list[int], automaton, on: date) -> list:
    if automaton is None:
        return []
    mentions = []
    for start, end, (_key, aliases) in _folded_matches(automaton, folded, index):
        written = text[start:end]
        seen = set()
        for alias in aliases:
            if alias.actor_id in seen or not alias.valid_on(on) or not alias.written_as(written):
                continue
            seen.add(alias.actor_id)
            mentions.append(
                ActorMention(
                    alias.actor_id,
                    alias.actor_name,
                    alias.alias,
                    _span(text, start, end),
                    alias.slug,
                )
            )
    return mentions


# ---------------------------------------------------------------------------------------------
# Dates


def _precision(start: date, end: date) -> int:
    """ACLED's time precision for a range, as the database checks it (incidents/precision.py)."""
    width = (end - start).days
    if width == 0:
        return int(TimePrecision.DAY)
    if width <= 6:
        return int(TimePrecision.WEEK)
    return int(TimePrecision.MONTH)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _past_year(published: date, month: int, day: int = 1) -> int:
    """The year of a day-and-month without a year: the latest not after publication."""
    year = published.year
    try:
        if date(year, month, day) > published:
            year -= 1
    except ValueError:
        pass
    return year


def _last_weekday(published: date, weekday: int, *, strictly_before: bool = False) -> date:
    back = (published.weekday() - weekday) % 7
    if strictly_before and back == 0:
        back = 7
    return published - timedelta(days=back)


def _number(word: str, language: str) -> int | None:
    word = word.strip()
    if word.isdigit():
        return int(word)
    for lang in (language, "fr" if language == "en" else "en"):
        try:
            return text2num(word.lower(), lang)
        except ValueError:
            continue
    return None


def _relative_period(what: str, published: date) -> tuple[date, date]:
    monday = published - timedelta(days=published.weekday())
    first = published.replace(day=1)
    previous_end = first - timedelta(days=1)
    previous_first = previous_end.replace(day=1)
    periods = {
        "day-2": (published - timedelta(days=2),) * 2,
        "day-1": (published - timedelta(days=1),) * 2,
        "day0": (published, published),
        "this_week": (monday, published),
        "last_week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "last_weekend": (
            _last_weekday(published, 5, strictly_before=True),
            _last_weekday(published, 5, strictly_before=True) + timedelta(days=1),
        ),
        "last_month": (previous_first, previous_end),
        "late_last_month": (previous_first.replace(day=21), previous_end),
        "early_last_month": (previous_first, previous_first.replace(day=10)),
        "this_month": (first, published),
        "early_this_month": (first, min(published, first.replace(day=10))),
    }
    start, end = periods[what]
    return start, min(end, published)


_MONTH_PARTS = {
    "early": (1, 10),
    "the beginning of": (1, 10),
    "the start of": (1, 10),
    "début": (1, 10),
    "debut": (1, 10),
    "au début de": (1, 10),
    "mid": (11, 20),
    "mi": (11, 20),
    "à la mi": (11, 20),
    "late": (21, 31),
    "the end of": (21, 31),
    "fin": (21, 31),
    "à la fin de": (21, 31),
}


def _date_mentions(text: str, start: int, end: int, published: date, language: str) -> list:
    """Dates in text[start:end], each a range with its precision; the longest reading wins
    where readings overlap."""
    part = text[start:end]
    found: list[DateMention] = []

    def add(m: re.Match, first: date, last: date, *, relative: bool, precision=None):
        if lx.DATELINE_AFTER.match(part, m.end()):
            return  # "NIAMEY, May 2 (Reuters) -": when the wire filed it, not the incident
        if last > published:
            last = published
        if first > last:
            return
        found.append(
            DateMention(
                first,
                last,
                precision or _precision(first, last),
                _span(text, start + m.start(), start + m.end()),
                relative,
            )
        )

    for m in _scan(lx.NIGHT_DATES_PATTERN, part, lx.NIGHT_DATES_STARTERS):
        month = lx.MONTHS[m.group("month").lower()]
        d1, d2 = int(m.group("d1")), int(m.group("d2"))
        year = int(m.group("year")) if m.group("year") else _past_year(published, month, d1)
        try:
            first = date(year, month, d1)
            last = date(year, month, d2) if d2 > d1 else first + timedelta(days=1)
        except ValueError:
            continue
        add(m, first, last, relative=not m.group("year"))
    for m in _scan(lx.NIGHT_WEEKDAYS_PATTERN, part, lx.NIGHT_WEEKDAYS_STARTERS):
        second = lx.WEEKDAYS[m.group("w2").lower()]
        last = _last_weekday(published, second)
        add(m, last - timedelta(days=1), last, relative=True)
    for m in _scan(lx.EXPLICIT_DATE_PATTERN, part, lx.EXPLICIT_DATE_STARTERS):
        parsed = _explicit_date(m, published)
        if parsed:
            add(m, parsed, parsed, relative=False)
    for m in _scan(lx.MONTH_PART_PATTERN, part, lx.MONTH_PART_STARTERS):
        month_word = m.group("month")
        if month_word.lower() == "may" and not (m.group("year") or month_word[0].isupper()):
            continue
        if m.group("prep") and m.group("prep").lower() in ("since", "depuis"):
            continue
        month = lx.MONTHS[month_word.lower()]
        year = int(m.group("year")) if m.group("year") else _past_year(published, month)
        low, high = 1, 31
        if m.group("part"):
            low, high = _MONTH_PARTS.get(" ".join(m.group("part").lower().split()), (1, 31))
        last_day = _month_end(year, month)
        add(
            m,
            date(year, month, low),
            min(last_day, date(year, month, min(high, last_day.day))),
            relative=not m.group("year"),
        )
    for m in _scan(lx.RELATIVE_PATTERN, part, lx.RELATIVE_STARTERS):
        index = next(int(k[1:]) for k, v in m.groupdict().items() if v)
        first, last = _relative_period(lx.RELATIVE_PHRASES[index][1], published)
        add(m, first, last, relative=True)
    for m in _scan(lx.AGO_PATTERN, part, lx.AGO_STARTERS):
        n = _number(m.group("n_en") or m.group("n_fr"), language)
        if n is not None and n < 60:
            day = published - timedelta(days=n)
            add(m, day, day, relative=True)
    for m in _scan(lx.WEEKDAY_PATTERN, part, lx.WEEKDAY_STARTERS):
        weekday = lx.WEEKDAYS[m.group("weekday").lower()]
        before = bool(m.group("last") or m.group("dernier"))
        day = _last_weekday(published, weekday, strictly_before=before)
        add(m, day, day, relative=True)
    return _longest_dates(found)


def _explicit_date(m: re.Match, published: date) -> date | None:
    if m.group("num"):
        d, mo, y = (int(x) for x in re.split(r"[/.]", m.group("num")))
        try:
            return date(y, mo, d)
        except ValueError:
            return None
    raw = m.group("dmy") or m.group("mdy")
    day = int(re.search(r"\d{1,2}(?!\d)", raw).group(0))
    month_word = re.search(r"[^\W\d_]+", re.sub(r"\d+(?:er|st|nd|rd|th)\b", "", raw)).group(0)
    month = lx.MONTHS.get(month_word.lower())
    year_match = re.search(r"\d{4}", raw)
    year = int(year_match.group(0)) if year_match else _past_year(published, month, day)
    try:
        return date(year, month, day)
    except (ValueError, TypeError):
        return None


def _longest_dates(found: list[DateMention]) -> list[DateMention]:
    chosen: list[DateMention] = []
    for mention in sorted(found, key=lambda d: -(d.span.end - d.span.start)):
        if not any(_overlap(mention.span, c.span) for c in chosen):
            chosen.append(mention)
    return sorted(chosen, key=lambda d: d.span.start)


# ---------------------------------------------------------------------------------------------
# Casualties


@dataclass
class _Quantity:
    start: int
    end: int
    low: int | None
    best: int | None
    high: int | None
    qualifier: str


def _quantity(m: re.Match, language: str) -> _Quantity | None:
    """low / best / high of a figure with its qualifier ("at least eight" -> 8, 8, None)."""
    qualifier = next((k[2:] for k, v in m.groupdict().items() if k.startswith("q_") and v), "")
    if m.group("range_a"):
        a, b = _number(m.group("range_a"), language), _number(m.group("range_b"), language)
        if a is None or b is None:
            return None
        return _Quantity(m.start(), m.end(), min(a, b), None, max(a, b), "range")
    if m.group("vague"):
        low = lx.VAGUE_PLURALS[m.group("vague").lower()]
        return _Quantity(m.start(), m.end(), low, None, None, "vague")
    if m.group("approx"):
        n = lx.APPROX_NOUNS[m.group("approx").lower()]
        if qualifier in ("at_least", "more_than"):
            return _Quantity(m.start(), m.end(), n, n, None, qualifier)
        if qualifier == "up_to":
            return _Quantity(m.start(), m.end(), None, None, n, qualifier)
        return _Quantity(m.start(), m.end(), None, n, None, "approximate")
    raw = m.group("digits") or m.group("words")
    n = (
        int(re.sub(r"\D", "", raw))
        if m.group("digits")
        else _number(re.sub(r"\s+", " ", raw), language)
    )
    if n is None or n > 100000:
        return None
    if qualifier == "at_least":
        return _Quantity(m.start(), m.end(), n, n, None, qualifier)
    if qualifier == "more_than":
        return _Quantity(m.start(), m.end(), n + 1, n + 1, None, qualifier)
    if qualifier == "about":
        return _Quantity(m.start(), m.end(), None, n, None, qualifier)
    if qualifier == "up_to":
        return _Quantity(m.start(), m.end(), None, None, n, qualifier)
    return _Quantity(m.start(), m.end(), n, n, n, "exact")


_TOKEN = re.compile(r"\s*(?:[dl]['’])?([\w-]+)")


def _head(part: str, pos: int) -> tuple[str, str, int, bool] | None:
    """What the figure ending at `pos` counts: (category, kind noun or "", end of the head,
    "of them") — or None when no casualty noun follows closely."""
    if part[pos : pos + 1] == "-":  # "six-month-old", "nine-year-old"
        return None
    of_them = lx.SUBCLAIM_AFTER.match(part[pos:])
    if of_them:
        pos += of_them.end()
    category_hint = ""
    for _ in range(5):
        m = _TOKEN.match(part, pos)
        if not m:
            return None
        word = m.group(1)
        lower = word.lower()
        pos = m.end()
        if lower in lx.KIND_BY_NOUN:
            return category_hint or "unknown", lx.KIND_BY_NOUN[lower], pos, bool(of_them)
        if lower in lx.CATEGORY_BY_WORD:
            category = lx.CATEGORY_BY_WORD[lower]
            if category == "unknown" and category_hint:
                category = category_hint
            if lower in ("fama", "vdp", "wagner") and _next_is_noun(part, pos):
                category_hint = category
                continue
            return category, "", pos, bool(of_them)
        if lower in lx.NUMBER_MODIFIERS or lower in ("a", "an") or word[:1].isupper():
            continue
        return None
    return None


def _next_is_noun(part: str, pos: int) -> bool:
    m = _TOKEN.match(part, pos)
    return bool(m) and m.group(1).lower() in lx.CATEGORY_BY_WORD


def _kind_near(part: str, start: int, end: int) -> str:
    m = lx.KIND_PATTERN.search(part, start, end)
    if not m:
        return ""
    return next(k for k, v in m.groupdict().items() if v)


def _kind_just_before(text: str) -> str:
    m = lx.KIND_VERB_BEFORE.search(text)
    return next(k for k, v in m.groupdict().items() if v) if m else ""


def _kind_before(part: str, start: int, end: int) -> str:
    kinds = [m for m in lx.KIND_PATTERN.finditer(part, start, end)]
    if not kinds:
        return ""
    return next(k for k, v in kinds[-1].groupdict().items() if v)


def _casualties(text: str, start: int, end: int, language: str) -> list[CasualtyClaim]:
    """The casualty figures of one sentence, each with what it counts, its kind and source."""
    part = text[start:end]
    quantities = []
    for m in _scan(lx.QUANTITY_PATTERN, part, lx.QUANTITY_STARTERS):
        q = _quantity(m, language)
        if q is None:
            continue
        head = _head(part, m.end())
        sub = bool(lx.SUBCLAIM_BEFORE.search(part[max(0, m.start() - 30) : m.start()]))
        if head is None:
            # "wounding 15", "killed 12": a figure right after the verb (not "une attaque").
            kind = _kind_just_before(part[max(0, m.start() - 25) : m.start()])
            if not kind or m.group(0).lower() in ("un", "une", "one", "a", "an"):
                continue
            head = ("unknown", kind, m.end(), False)
        quantities.append((q, head, sub or head[3]))
    attributions = _attributions(part)
    claims: list[CasualtyClaim] = []
    parent: CasualtyClaim | None = None
    previous_end = 0
    for i, (q, (category, kind, head_end, _of_them), sub) in enumerate(quantities):
        if sub and parent is not None:
            kind = kind or parent.kind
        if not kind:
            # The verb right before the figure ("killing at least 12"), else the one after what
            # it counts ("12 soldiers were killed"), else one earlier in the sentence.
            following = [j for j, (_, _, s) in enumerate(quantities) if j > i and not s]
            stop = quantities[following[0]][0].start if following else len(part)
            kind = (
                _kind_just_before(part[max(previous_end, q.start - 25) : q.start])
                or _kind_near(part, head_end, stop)
                or _coordinated_kind(part, quantities, i, following)
                or _kind_before(part, previous_end, q.start)
            )
        if not kind and claims:
            kind = claims[-1].kind
        if not kind:
            continue
        if (
            category == "unknown"
            and claims
            and re.match(r"\s*(?:others?|autres?)\b", part[q.end :])
        ):
            category = claims[-1].category
        attributed, attribution_span = _nearest_attribution(attributions, q.start)
        claim = CasualtyClaim(
            kind=kind,
            category=category,
            low=q.low,
            best=q.best,
            high=q.high,
            span=_span(text, start + q.start, start + head_end),
            attributed_to=attributed,
            attribution_span=(
                _span(text, start + attribution_span[0], start + attribution_span[1])
                if attribution_span
                else None
            ),
            qualifier=q.qualifier,
            breakdown=bool(sub and parent is not None),
        )
        claims.append(claim)
        if not sub:
            parent = claim
        previous_end = head_end
    return claims


def _coordinated_kind(part: str, quantities: list, i: int, following: list[int]) -> str:
    """The kind of a figure joined to the next by "and" ("five police officers and two
    civilians were killed", "trois soldats et deux civils ont été tués"): the next one's."""
    if not following:
        return ""
    j = following[0]
    between = part[quantities[i][1][2] : quantities[j][0].start]
    if not re.fullmatch(r"\s*(?:,|and|et|as\s+well\s+as|ainsi\s+que)\s*", between, re.I):
        return ""
    later = [k for k in following if k > j]
    stop = quantities[later[0]][0].start if later else len(part)
    return _kind_near(part, quantities[j][1][2], stop)


def _attributions(part: str) -> list[tuple[str, int, int]]:
    """(source, start, end) of each "according to X", "selon X", "X said" in a sentence."""
    found = []
    for pattern in lx.ATTRIBUTION_PATTERNS:
        for m in pattern.finditer(part):
            source = m.group("src").strip(" ,")
            if re.search(r"\d", source) or len(source.split()) > 7:
                continue
            start = m.start("src") if m.start() < m.start("src") - 25 else m.start()
            start = start + (len(part[start:]) - len(part[start:].lstrip(" ,;.")))
            found.append((source, start, m.end()))
    return found


def _nearest_attribution(attributions, position: int) -> tuple[str, tuple[int, int] | None]:
    if not attributions:
        return "", None
    source, start, end = min(
        attributions, key=lambda a: min(abs(a[1] - position), abs(a[2] - position))
    )
    return source, (start, end)


# ---------------------------------------------------------------------------------------------
# Event types and segmentation


@dataclass
class _Cue:
    weight: int
    event_type: str
    sub_event_type: str
    span: Span
    generic: bool


def _cues(text: str, start: int, end: int) -> list[_Cue]:
    part = text[start:end]
    cues = []
    for pattern, event_type, sub_event_type, weight in lx.EVENT_CUE_PATTERNS:
        for m in pattern.finditer(part):
            word = m.group(0).lower()
            generic = not event_type or (
                word.endswith("s") and not word.endswith(("ss", "us")) and weight < 9
            )
            cues.append(
                _Cue(
                    weight,
                    event_type,
                    sub_event_type,
                    _span(text, start + m.start(), start + m.end()),
                    generic,
                )
            )
    return cues


@dataclass
class _Facts:
    sentence: _Sentence
    places: list[PlaceMention]
    actors: list[ActorMention]
    dates: list[DateMention]
    casualties: list[CasualtyClaim]
    cues: list[_Cue]
    background: bool
    anaphora: bool
    is_title: bool = False
    blame: bool = False

    @property
    def opens_event(self) -> bool:
        if self.background or not self.cues:
            return False
        located = any(p.kind != "road" or p.in_gazetteer for p in self.places) or any(
            p.kind == "road" for p in self.places
        )
        if any(not c.generic for c in self.cues):
            return located or bool(self.dates) or bool(self.casualties)
        day = any(d.time_precision == TimePrecision.DAY for d in self.dates)
        return bool(self.casualties) or (day and located)

    @property
    def place_keys(self) -> set[str]:
        return {normalise_name(n) for p in self.places for n in p.names}


@dataclass
class _Event:
    facts: list[_Facts]

    @property
    def place_keys(self) -> set[str]:
        return set().union(*(f.place_keys for f in self.facts))

    @property
    def sub_event_types(self) -> set[str]:
        return {c.sub_event_type for f in self.facts for c in f.cues if c.sub_event_type}


def _same_event(event: _Event, facts: _Facts) -> bool:
    """An event cue while an incident is open: the same incident told on, or another one."""
    places, theirs = facts.place_keys, event.place_keys
    if places and theirs and not places & theirs:
        return False  # somewhere else: another incident
    own, types = {c.sub_event_type for c in facts.cues if c.sub_event_type}, event.sub_event_types
    compatible = not own or not types or bool(own & types)
    same_paragraph = facts.sentence.paragraph == event.facts[-1].sentence.paragraph
    return compatible and (same_paragraph or bool(places & theirs) or facts.anaphora)


def _continues(event: _Event, facts: _Facts) -> bool:
    """A sentence without an event cue of its own that goes on about the open incident."""
    same_paragraph = facts.sentence.paragraph == event.facts[-1].sentence.paragraph
    blames = same_paragraph and bool(facts.actors) and facts.blame
    if facts.background and not blames:
        return False
    places = facts.place_keys
    new_place = bool(places) and bool(event.place_keys) and not places & event.place_keys
    if new_place and not facts.anaphora:
        return False
    related = bool(facts.casualties or facts.anaphora or facts.cues or facts.dates or blames)
    return (same_paragraph and (related or not facts.actors)) or facts.anaphora


def _segment(all_facts: list[_Facts]) -> list[_Event]:
    """Groups sentences into incidents. A title (a first line without a final full stop) is
    read only when the body tells no incident: a body repeats its title's figures."""
    if len(all_facts) > 1 and all_facts[0].is_title:
        return _segment(all_facts[1:]) or _segment(all_facts[:1])
    events: list[_Event] = []
    current: _Event | None = None
    for facts in all_facts:
        if facts.opens_event:
            if current is not None and _same_event(current, facts):
                current.facts.append(facts)
            else:
                current = _Event([facts])
                events.append(current)
        elif current is not None and _continues(current, facts):
            current.facts.append(facts)
        else:
            current = None
    return events


def _event_type(event: _Event, text: str) -> tuple[str, str, Span | None]:
    cues = [c for f in event.facts for c in f.cues]
    if not cues:
        return "", "", None
    best = max(cues, key=lambda c: (c.weight, -c.span.start))
    if best.event_type:
        return best.event_type, best.sub_event_type, best.span
    # A plain "attack": on civilians, or a clash between armed actors. What follows the word
    # ("an attack on the village", "l'attaque du poste militaire") says which, else the passage.
    target = text[best.span.end : best.span.end + 45]
    if lx.MILITARY_CONTEXT.search(target):
        return "battles", "armed_clash", best.span
    if lx.CIVILIAN_CONTEXT.search(target):
        return "violence_against_civilians", "attack", best.span
    passage = text[event.facts[0].sentence.start : event.facts[-1].sentence.end]
    categories = {c.category for f in event.facts for c in f.casualties}
    military = bool(lx.MILITARY_CONTEXT.search(passage)) or categories & {
        "state_forces",
        "armed_group",
    }
    if lx.CIVILIAN_CONTEXT.search(passage) and not military:
        return "violence_against_civilians", "attack", best.span
    return "battles", "armed_clash", best.span


def _event(event: _Event, text: str) -> ExtractedEvent:
    first, last = event.facts[0].sentence, event.facts[-1].sentence
    event_type, sub_event_type, type_span = _event_type(event, text)
    dates = [d for f in event.facts for d in f.dates]
    dates.sort(key=lambda d: (d.time_precision, (d.end - d.start).days))
    return ExtractedEvent(
        span=_span(text, first.start, last.end),
        places=[p for f in event.facts for p in f.places],
        actors=[a for f in event.facts for a in f.actors],
        dates=dates,
        casualties=[c for f in event.facts for c in f.casualties],
        event_type=event_type,
        sub_event_type=sub_event_type,
        event_type_span=type_span,
    )


# ---------------------------------------------------------------------------------------------
# The entry point


def extract_report(text: str, *, published: date, language: str | None = None) -> Extraction:
    """Reads one report (English or French; `language` guessed when not given) into the
    incidents it tells, each with its places, actors, dates, casualty claims and event type,
    every value with its span of `text`. Background passages (who the armed groups are, a
    trend) give no event. Needs the database for the gazetteer and the actor registry."""
    if language not in ("en", "fr"):
        language = guess_language(text)
    gazetteer = GAZETTEER.get()
    actor_automaton = ACTORS.get()
    folded, index = fold(text)
    actors = _actor_mentions(text, folded, index, actor_automaton, published)
    actor_keys = {normalise_name(a.span.text) for a in actors}

    def is_actor(name: str) -> bool:
        key = normalise_name(name)
        return key in actor_keys or any(key.startswith(k + " ") for k in actor_keys)

    places = [
        p
        for p in _pattern_places(text, gazetteer, is_actor)
        if not any(_overlap(p.span, a.span) for a in actors)
    ]
    taken = [p.span for p in places] + [a.span for a in actors]
    places += _gazetteer_places(text, folded, index, gazetteer, taken)
    places = _with_roads(sorted(places, key=lambda p: p.span.start), text)

    facts = []
    sentences = _sentences(text)
    for i, sentence in enumerate(sentences):
        s, e = sentence.start, sentence.end
        body = text[s:e]
        facts.append(
            _Facts(
                sentence=sentence,
                places=[p for p in places if s <= p.span.start and p.span.end <= e],
                actors=[a for a in actors if s <= a.span.start and a.span.end <= e],
                dates=_date_mentions(text, s, e, published, language),
                casualties=_casualties(text, s, e, language),
                cues=_cues(text, s, e),
                background=bool(lx.BACKGROUND_PATTERN.search(body)),
                anaphora=bool(lx.ANAPHORA_PATTERN.search(body)),
                blame=bool(lx.BLAME_PATTERN.search(body)),
                is_title=i == 0
                and len(sentences) > 1
                and sentences[1].paragraph > 0
                and not re.search(r"[.!?…»\"”]$", body),
            )
        )
    return Extraction(language, [_event(ev, text) for ev in _segment(facts)])
