"""Word lists and patterns the extractor reads reports with, in English and French.

Kept apart from the extraction code so that a coder can extend a list (a new word for "killed",
a local term for an armed group's fighters) without reading the matching logic. Everything is
matched case-insensitively on the report's text unless said otherwise.
"""

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ---------------------------------------------------------------------------------------------
# Language guess: a few very frequent function words of each language.

ENGLISH_WORDS = _words(
    "the and of in on at were was has have had by with from according said killed people "
    "their which that this near between"
)
FRENCH_WORDS = _words(
    "le la les des du de et dans sur selon ont été est une un par avec pour qui que près "
    "entre au aux ces"
)

# ---------------------------------------------------------------------------------------------
# Gazetteer names the text scan ignores: ordinary words that are also the name of some place
# (GeoNames holds wells called "Est", hamlets called "Centre" or "Sud", and so on). A pattern
# ("near X", "cercle de X") still finds such a place.

COMMON_WORDS = _words(
    """
    the and for but not are was were has had have with from that this they them there then
    near between road north south east west centre center central region province commune
    cercle department district village town city market army police forces force group
    said says sources source local security attack attacks ambush drone strike strikes
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december
    les des une sur par pour dans selon est nord sud ouest centre entre route axe ville marche
    armee groupe region lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier
    mars avril mai juin juillet aout septembre octobre novembre decembre
    sahel sahara niger mali burkina faso africa afrique west africa islam allah
    about after also among before during fighters gunmen however local many more most one
    other residents several since some soldiers suspected their these those three two
    unidentified when while witnesses troops people
    après aussi aucun avant ces cette deux elle ils lors mais nous parmi plus quand sans
    sept trois une selon
    """
)
# Country names are context, not incident places: the geocoder treats them itself.
COUNTRY_NAMES = _words(
    "mali niger burkina faso burkina mauritania mauritanie algeria algerie senegal guinea "
    "guinee ghana togo benin nigeria chad tchad libya libye"
)
MIN_NAME_LENGTH = 3

# ---------------------------------------------------------------------------------------------
# Place patterns. NAME: a capitalised name of up to five words, allowing the particles place
# names carry ("Fada N'Gourma", "Nioro du Sahel", "Toguéré Coumbé").

UPPER = "A-ZÀ-ÖØ-Þ"
_WORD = rf"[{UPPER}][\w'’]*(?:-[\w'’]+)*"
NAME = rf"{_WORD}(?:\s+(?:(?:du|de|des|el|al|n['’])\s+)?{_WORD}){{0,4}}"
# Words that start a sentence or a phrase with a capital but are no place.
NOT_NAMES = _words(
    "the a an in on at this that these those la le les l un une des du de ce cette dans sur "
    "au aux à a near between et and of"
)

NOT_NAME_ENDINGS = _words(
    "monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi "
    "vendredi samedi dimanche january february march april june july august september "
    "october november december janvier fevrier mars avril mai juin juillet aout septembre "
    "octobre novembre decembre"
)
NEAR_WORDS = (
    r"(?:near|nearby|close\s+to|just\s+outside|outside|on\s+the\s+outskirts\s+of|"
    r"in\s+the\s+vicinity\s+of|in\s+the\s+area\s+of|not\s+far\s+from)\s+|"
    # French: "près de Boni", "près d'Ansongo", "près du village de Boni".
    r"(?:près|pres|non\s+loin|aux\s+environs|dans\s+les\s+environs|à\s+proximité|"
    r"a\s+proximite|aux\s+alentours|à\s+la\s+sortie|dans\s+la\s+zone|en\s+périphérie|"
    r"à\s+quelques\s+kilomètres)\s+d(?:e\s+|['’]|u\s+)"
)
PLACE_NOUN = (
    r"(?:the\s+)?(?:town|village|city|locality|hamlet|market|commune|camp|base|post)\s+of\s+|"
    r"(?:la\s+|le\s+|du\s+|au\s+)?(?:ville|localité|village|hameau|marché|commune|camp|"
    r"poste|base)\s+(?:de\s+|d['’])"
)
NEAR_PATTERN = re.compile(rf"\b(?i:{NEAR_WORDS})(?:(?i:{PLACE_NOUN})|l['’])?(?P<name>{NAME})")
BETWEEN_PATTERN = re.compile(
    rf"\b(?i:between|entre)\s+(?i:the\s+(?:towns|villages|localities)\s+of\s+|"
    rf"les\s+(?:localités|villages|villes)\s+de\s+)?(?P<a>{NAME})\s+(?i:and|et)\s+(?P<b>{NAME})",
)
ROAD_FROM_TO_PATTERN = re.compile(
    rf"\b(?i:road|route|axis|highway|track|axe|piste|tronçon)\s+(?:\w+\s+)?"
    rf"(?i:from|linking|connecting|de|d['’]|du|reliant)\s*(?P<a>{NAME})\s+"
    rf"(?i:to|and|à|et|au)\s+(?P<b>{NAME})"
)
# "l'axe Sévaré-Bandiagara", "the Sévaré-Bandiagara road": one hyphenated token, split later
# where both sides are gazetteer names (Gourma-Rharous is one name).
AXIS_PATTERN = re.compile(
    rf"(?:\b(?i:l['’]axe|axe|axis|road|route|tronçon)\s+(?P<a>{_WORD}\s*[-–—/]\s*{_WORD})|"
    rf"(?P<b>{_WORD}\s*[-–—/]\s*{_WORD})\s+(?i:road|axis|highway|route|axe))"
)
ADMIN_WORDS = (
    r"r[ée]gion|cercle|circle|commune(?:\s+(?:rurale|urbaine))?|rural\s+commune|province|"
    r"d[ée]partement|department|district|municipality|pr[ée]fecture"
)
ADMIN_PREFIX_PATTERN = re.compile(
    rf"\b(?:the\s+)?(?i:{ADMIN_WORDS})\s+(?:de\s+la\s+|du\s+|des\s+|de\s+l['’]|d['’]|de\s+|"
    rf"of\s+(?:the\s+)?)(?P<name>{NAME})"
)
ADMIN_SUFFIX_PATTERN = re.compile(
    rf"(?P<name>{NAME})\s+(?i:region|cercle|circle|province|department|département|district|"
    rf"municipality|commune)\b"
)
DISTANCE_PATTERN = re.compile(
    rf"\b(?P<km>\d+(?:[.,]\d+)?)\s*(?i:km|kms|kilom[eè]tres?|kilometers?|kilometres?)\s+"
    rf"(?i:(?:to\s+the\s+|au\s+|à\s+l['’])?(?:north|south|east|west|nord|sud|est|ouest|"
    rf"north[\s-]?east|north[\s-]?west|south[\s-]?east|south[\s-]?west|nord[\s-]est|"
    rf"nord[\s-]ouest|sud[\s-]est|sud[\s-]ouest)\s+)?(?i:of|from|de|du|d['’])\s*"
    rf"(?i:{PLACE_NOUN})?(?P<name>{NAME})"
)
# "the market of Inadiatafane", "le village de Boni": a place the gazetteer may not know.
PLACE_NOUN_PATTERN = re.compile(rf"\b(?i:{PLACE_NOUN})(?P<name>{NAME})")
# The geocoder's own road pattern (RN15, N16, route nationale 15, national road 15).
ROAD_PATTERN = re.compile(
    r"\b(?:(?:RN|RR|N)\s?-?\s?(\d{1,3})|[Rr]oute\s+[Nn]ationale\s+(?:n[°o]\s*)?(\d{1,3})|"
    r"[Nn]ational\s+(?:[Rr]oad|[Hh]ighway)\s+(?:[Nn]o\.?\s*)?(\d{1,3}))\b"
)

# ---------------------------------------------------------------------------------------------
# Dates

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4,
    "samedi": 5, "dimanche": 6,
}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(WEEKDAYS)

# Explicit dates, handed to dateparser: "21 October 2024", "lundi 21 octobre", "October 21,
# 2024", "21/10/2024", "1er novembre".
EXPLICIT_DATE_PATTERN = re.compile(
    rf"\b(?:(?:{_WEEKDAY}),?\s+)?(?:(?P<dmy>\d{{1,2}}(?:er|st|nd|rd|th)?\s+(?:{_MONTH})\.?"
    rf"(?:,?\s+\d{{4}})?)|(?P<mdy>(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)"
    rf"|(?P<num>\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{4}}))\b",
    re.IGNORECASE,
)
# A dateline's date: "OUAGADOUGOU, Aug. 26 (Reuters) -".
DATELINE_AFTER = re.compile(r"\s*\((?:Reuters|AFP|AP|APA|Xinhua|Anadolu|ANP|AMAP|AIB)\)")
# "in the night of 21 to 22 October", "dans la nuit du 21 au 22 octobre".
NIGHT_DATES_PATTERN = re.compile(
    rf"\b(?:(?:in|on|during)\s+the\s+night\s+of|overnight|dans\s+la\s+nuit\s+du)\s+"
    rf"(?P<d1>\d{{1,2}})(?:er|st|nd|rd|th)?\s*(?:to|-|–|au|and)\s*(?P<d2>\d{{1,2}})"
    rf"(?:st|nd|rd|th)?\s+(?P<month>{_MONTH})(?:\s+(?P<year>\d{{4}}))?\b",
    re.IGNORECASE,
)
# "dans la nuit de samedi à dimanche", "on the night of Saturday to Sunday".
NIGHT_WEEKDAYS_PATTERN = re.compile(
    rf"\b(?:(?:in|on|during)\s+the\s+night\s+(?:of|from)|overnight|dans\s+la\s+nuit\s+(?:de|du))"
    rf"\s+(?P<w1>{_WEEKDAY})\s+(?:to|into|à|a|au)\s+(?P<w2>{_WEEKDAY})\b",
    re.IGNORECASE,
)
# "early October", "in late July 2024", "mi-octobre", "fin juillet", "début novembre".
MONTH_PART_PATTERN = re.compile(
    rf"\b(?:(?P<part>early|mid|late|the\s+end\s+of|the\s+beginning\s+of|the\s+start\s+of|"
    rf"début|debut|mi|fin|courant|à\s+la\s+mi|à\s+la\s+fin\s+de|au\s+début\s+de)[\s-]+|"
    rf"(?P<prep>in|en|au\s+mois\s+de|during|since|depuis)\s+)(?P<month>{_MONTH})"
    rf"(?:\s+(?P<year>\d{{4}}))?\b",
    re.IGNORECASE,
)
WEEKDAY_PATTERN = re.compile(
    rf"\b(?:(?P<last>last|this\s+past)\s+|(?P<on>on|this|ce|le)\s+)?(?P<weekday>{_WEEKDAY})"
    rf"(?P<night>\s+(?:night|evening|morning|soir|matin|nuit))?(?P<dernier>\s+(?:dernier|passé))?\b",
    re.IGNORECASE,
)
AGO_PATTERN = re.compile(
    r"\b(?:(?P<n_en>\w+)\s+days?\s+ago|il\s+y\s+a\s+(?P<n_fr>\w+)\s+jours?)\b", re.IGNORECASE
)
# Relative phrases: (pattern, what) where what names the period (see extract._relative_period).
RELATIVE_PHRASES = [
    (r"the\s+day\s+before\s+yesterday|avant-hier", "day-2"),
    (r"yesterday|hier|last\s+night|la\s+nuit\s+derni[èe]re", "day-1"),
    (r"today|aujourd['’]hui|this\s+morning|ce\s+matin|tonight|cette\s+nuit", "day0"),
    (r"earlier\s+this\s+week|en\s+d[ée]but\s+de\s+semaine", "this_week"),
    (r"last\s+weekend|(?:le|ce)\s+(?:week-end|weekend)(?:\s+dernier)?", "last_weekend"),
    (r"last\s+week|(?:la\s+)?semaine\s+(?:derni[èe]re|pass[ée]e)", "last_week"),
    (r"this\s+week|cette\s+semaine", "this_week"),
    (
        r"(?:at\s+the\s+)?end\s+of\s+last\s+month|late\s+last\s+month|"
        r"(?:à\s+la\s+|en\s+)?fin\s+du\s+mois\s+(?:dernier|pass[ée])",
        "late_last_month",
    ),
    (
        r"early\s+last\s+month|(?:au\s+|en\s+)?d[ée]but\s+du\s+mois\s+(?:dernier|pass[ée])",
        "early_last_month",
    ),
    (r"last\s+month|(?:le\s+)?mois\s+(?:dernier|pass[ée])", "last_month"),
    (
        r"(?:earlier|early)\s+this\s+month|at\s+the\s+(?:start|beginning)\s+of\s+(?:the|this)"
        r"\s+month|(?:au\s+|en\s+)?d[ée]but\s+(?:du|de\s+ce)\s+mois(?:-ci)?|en\s+d[ée]but\s+de\s+mois",
        "early_this_month",
    ),
    (r"this\s+month|ce\s+mois(?:-ci)?", "this_month"),
]
RELATIVE_PATTERN = re.compile(
    r"\b(?:" + "|".join(f"(?P<r{i}>{p})" for i, (p, _) in enumerate(RELATIVE_PHRASES)) + r")\b",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------------------------
# Numbers and casualties

NUMBER_WORDS_EN = _words(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand"
)
NUMBER_WORDS_FR = _words(
    "un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
    "seize vingt vingts trente quarante cinquante soixante cent cents mille"
)
_NUMBER_WORD = "|".join(sorted(NUMBER_WORDS_EN | NUMBER_WORDS_FR, key=len, reverse=True))
# A number in digits ("12", "1 200") or words ("twenty-one", "quatre-vingt-dix", "dix-sept").
NUMBER = (
    rf"(?P<digits>\d{{1,3}}(?:[\u00a0\u202f ,]\d{{3}})+|\d+)|"
    rf"(?P<words>(?:{_NUMBER_WORD})(?:(?:[\s-]+|\s+(?:and|et)\s+|-et-)(?:{_NUMBER_WORD}))*)"
)
# Collective nouns of an approximate number ("une dizaine", "a dozen").
APPROX_NOUNS = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "dozen": 12,
    "score": 20,
}  # fmt: skip
# Vague plurals: their low bound ("dozens" is at least two dozen).
VAGUE_PLURALS = {
    "dozens": 24, "scores": 40, "hundreds": 200, "several": 2, "dizaines": 20,
    "centaines": 200, "plusieurs": 2, "many": 2, "numerous": 2, "nombreux": 2, "nombreuses": 2,
}  # fmt: skip
_APPROX = "|".join(APPROX_NOUNS)
_VAGUE = "|".join(VAGUE_PLURALS)
QUALIFIERS = {
    "at_least": r"at\s+least|a\s+minimum\s+of|no\s+fewer\s+than|not\s+less\s+than|au\s+moins|"
    r"au\s+minimum|pas\s+moins\s+d['’e]\s*|un\s+minimum\s+d['’e]\s*",
    "more_than": r"more\s+than|over|upwards\s+of|plus\s+d['’e]\s*|over\s+a|more\s+than\s+a",
    "about": r"about|around|some|approximately|roughly|an\s+estimated|nearly|almost|close\s+to|"
    r"environ|près\s+d['’e]\s*|quelque|presque|approximativement|autour\s+d['’e]\s*",
    "up_to": r"up\s+to|as\s+many\s+as|jusqu['’]à",
}
_QUALIFIER = "|".join(f"(?P<q_{k}>{v})" for k, v in QUALIFIERS.items())
QUANTITY_PATTERN = re.compile(
    rf"\b(?:(?:{_QUALIFIER})\s*)?(?:"
    rf"(?:between|entre)\s+(?P<range_a>\d+|{_NUMBER_WORD})\s+(?:and|et)\s+"
    rf"(?P<range_b>\d+|{_NUMBER_WORD})|"
    rf"(?:des\s+)?(?P<vague>{_VAGUE})(?:\s+(?:of|d['’]|de))?|"
    rf"(?:an?\s+|une\s+)?(?P<approx>{_APPROX})(?:\s+(?:of|d['’]|de))?|"
    rf"{NUMBER})(?![\w-])",
    re.IGNORECASE,
)

# Who the figure counts. Keys are matched as whole words (plural and singular forms listed).
CATEGORY_NOUNS = {
    "civilians": """civilians civilian villagers residents inhabitants passengers traders
        herders worshippers women displaced farmers shepherds travellers travelers miners
        civils civil villageois habitants passagers commerçants éleveurs fidèles femmes
        déplacés cultivateurs bergers voyageurs orpailleurs""",
    "children": """children child boys girls kids infants babies minors pupils
        enfants enfant garçons filles bébés mineurs élèves""",
    "state_forces": """soldiers soldier troops servicemen gendarmes gendarme policemen
        police officers guards guardsmen volunteers militaires militaire soldats soldat
        policiers policier gardes volontaires vdp fama wagner mercenaries mercenaires
        supplétifs auxiliaries""",
    "armed_group": """militants militant jihadists jihadist djihadistes djihadiste
        jihadistes jihadiste terrorists terrorist terroristes terroriste assailants attackers
        fighters insurgents gunmen rebels assaillants combattants insurgés rebelles bandits
        extremists extrémistes islamists islamistes""",
    "unknown": """people persons men individuals others person man bodies victims member
        members personnes personne hommes homme individus autres corps victimes membre
        membres""",
}
CATEGORY_BY_WORD = {w: cat for cat, words in CATEGORY_NOUNS.items() for w in words.split()}
# Figures that say both who and what: "five dead", "sept morts", "12 blessés".
KIND_NOUNS = {
    "killed": "dead deaths fatalities killed morts mort tués tués décès",
    "injured": "wounded injured blessés blessé blessées injuries",
    "abducted": "hostages otages abductees captives",
}
KIND_BY_NOUN = {w: kind for kind, words in KIND_NOUNS.items() for w in words.split()}
# Words allowed between a figure and the noun it counts: "seven FAMa soldiers", "six young
# men", "une dizaine d'autres civils".
NUMBER_MODIFIERS = _words(
    """other more young armed suspected presumed alleged malian burkinabe burkinabè nigerien
    russian foreign local unarmed innocent security defence defense further additional
    autres autre jeunes présumés présumé supposés maliens malien burkinabè nigériens
    russes étrangers locaux innocents de d des of the éléments elements"""
)
KIND_WORDS = {
    "killed": r"killed|killing|kill|died|dead|slain|lost\s+their\s+lives|perished|executed|"
    r"massacred|murdered|shot\s+dead|neutrali[sz]ed|neutrali[sz]ing|"
    r"tués?|tuées?|tuant|morts?|mortes|ont\s+péri|perdu\s+la\s+vie|trouvé\s+la\s+mort|"
    r"abattus?|exécutés?|neutralisés?|neutralisant|décédés?|succombé|massacrés?",
    "injured": r"injured|injuring|wounded|wounding|hurt|blessés?|blessées?|blessant",
    "abducted": r"abducted|abducting|kidnapped|kidnapping|taken\s+hostage|held\s+hostage|"
    r"enlevés?|enlevées?|enlevant|kidnappés?|pris\s+en\s+otages?|emmenés?|séquestrés?",
}
KIND_PATTERN = re.compile(
    r"\b(?:" + "|".join(f"(?P<{k}>{v})" for k, v in KIND_WORDS.items()) + r")\b", re.IGNORECASE
)
# A verb that takes the figure as its object: "killing at least 12", "tuant sept".
KIND_VERB_BEFORE = re.compile(
    r"\b(?:(?P<killed>killing|killed|a\s+tué|ont\s+tué|tuant|neutralising|neutralizing)|"
    r"(?P<injured>wounding|injuring|wounded|injured|a\s+blessé|ont\s+blessé|blessant)|"
    r"(?P<abducted>abducting|kidnapping|abducted|kidnapped|a\s+enlevé|ont\s+enlevé|enlevant))"
    r"\s+$",
    re.IGNORECASE,
)
# A figure that breaks a larger one down: "including six children", "dont quatre enfants",
# "four of them children".
SUBCLAIM_BEFORE = re.compile(
    r"(?:including|among\s+them|of\s+whom|among\s+whom|dont|parmi\s+lesquels|parmi\s+eux|"
    r"notamment|parmi\s+lesquelles)\s*$",
    re.IGNORECASE,
)
SUBCLAIM_AFTER = re.compile(r"^\s*(?:of\s+them|d['’]entre\s+eux|d['’]entre\s+elles)\b", re.I)

# Who says so: "according to local sources", "selon l'armée", "a security source said".
BARE_SOURCES = (
    r"(?:local\s+|security\s+|military\s+|medical\s+|hospital\s+)?(?:sources|officials)|"
    r"witnesses|residents|survivors|villagers|relatives|témoins|habitants|rescapés"
)
_SOURCE = r"[^,.;:()\n«»“”\"]{2,80}?"
ATTRIBUTION_PATTERNS = [
    re.compile(
        rf"\b(?:according\s+to|citing|selon|d['’]après)\s+(?P<src>{_SOURCE})"
        rf"(?=\s*(?:[,.;:()\n]|$|\s(?:who|qui|that|on|in|,)\b))",
        re.IGNORECASE,
    ),
    # "a-t-on appris de sources sécuritaires", "from local sources".
    re.compile(
        r"\b(?:de|from|auprès\s+de)\s+(?P<src>(?:local\s+|security\s+)?sources?"
        r"(?:\s+(?!said|told|added)[^\W\d][\w-]*)?)",
        re.IGNORECASE,
    ),
    re.compile(
        rf"(?:^|[,;]\s*|\.\s+)(?P<src>(?:(?:a|an|the|one|two|several|une?|des|le|la|les|"
        rf"l['’]|[{UPPER}])[^,.;:()\n]{{1,70}}?|(?:{BARE_SOURCES})(?:\s+and\s+(?:{BARE_SOURCES}))?))\s+(?:said|says|told|reported|claimed|stated|"
        rf"confirmed|added|a\s+(?:indiqué|affirmé|déclaré|confirmé|annoncé|rapporté|précisé)|"
        rf"ont\s+(?:indiqué|affirmé|déclaré|confirmé|rapporté)|indique|rapporte|affirme)\b",
    ),
    re.compile(
        rf"\b(?:said|told\s+\w+|reported|a\s+(?:indiqué|affirmé|déclaré|confirmé|précisé)|"
        rf"ont\s+(?:indiqué|affirmé|déclaré|confirmé)|a-t-on\s+appris\s+(?:auprès\s+)?d['e]"
        rf"(?:\s+sources?)?)(?:\s+à\s+\S+)?\s+(?P<src>(?:a|an|the|une?|des|le|la|les|l['’])\s*"
        rf"{_SOURCE})(?=\s*(?:[,.;:()\n]|$))",
    ),
]

# ---------------------------------------------------------------------------------------------
# Event types. (pattern, event_type, sub_event_type, weight, generic): the heaviest cue of an
# event decides; a generic cue (a plural, "attack") alone does not open an event without a
# figure or a dated day.

EVENT_CUES = [
    (
        r"drone\s+strikes?|drones?|air\s*strikes?|airstrikes?|aerial\s+(?:strikes?|bombardments?)|"
        r"bombed|frappes?\s+(?:de\s+drones?|aériennes?|a[ée]riennes?)|bombardements?\s+a[ée]riens?|"
        r"frappes?",
        "explosions_remote_violence",
        "air_drone_strike",
        9,
    ),
    (
        r"suicide\s+(?:bomb(?:er|ing)?s?|attack|car\s+bomb)|kamikazes?|attentats?-suicides?|"
        r"attentats?\s+suicides?|véhicule\s+piégé",
        "explosions_remote_violence",
        "suicide_bomb",
        8,
    ),
    (
        r"improvised\s+explosive\s+devices?|IEDs?|roadside\s+bombs?|land\s*mines?|"
        r"explosive\s+devices?|struck\s+a\s+mine|hit\s+a\s+mine|engins?\s+explosifs?"
        r"(?:\s+improvisés?)?|EEI|mines?\s+artisanales?|sauté\s+sur\s+une\s+mine",
        "explosions_remote_violence",
        "remote_explosive_landmine_ied",
        8,
    ),
    (
        r"shelling|shelled|mortars?|rockets?|artillery|obus|tirs\s+de\s+mortiers?|roquettes?",
        "explosions_remote_violence",
        "shelling_artillery_missile",
        7,
    ),
    (
        r"abducted|abductions?|kidnapped|kidnappings?|taken\s+hostage|enlèvements?|enlevés?|"
        r"enlevées?|kidnappés?|pris\s+en\s+otages?",
        "violence_against_civilians",
        "abduction_forced_disappearance",
        6,
    ),
    (
        r"ambush(?:ed|es)?|embuscades?|tendu\s+une\s+embuscade",
        "battles",
        "armed_clash",
        6,
    ),
    (
        r"massacred?|massacres|executed|summary\s+executions?|exécutions?\s+sommaires?|"
        r"exécutés?|tueries?",
        "violence_against_civilians",
        "attack",
        5,
    ),
    (
        r"clash(?:ed|es)?|fighting|fought|gun\s*battles?|exchange\s+of\s+fire|affrontements?|"
        r"combats?|accrochages?|échanges?\s+de\s+tirs|se\s+sont\s+affrontés|repelled|repoussé",
        "battles",
        "armed_clash",
        4,
    ),
    (
        r"attack(?:ed|s)?|assault(?:ed)?|raid(?:ed|s)?|stormed|overran|overrun|attaques?|"
        r"attaqué|assauts?|raids?|incursions?",
        "",
        "",
        2,
    ),
    # Who killed, without a word for what happened: "gunmen killed", "des hommes armés ont
    # tué", "opened fire on", "tués par". Generic: it opens an incident only with a toll, or a
    # day and a place.
    (
        r"gunmen|armed\s+men|hommes\s+armés|individus\s+armés|opened\s+fire|"
        r"ouvert\s+le\s+feu|killed\s+by|tuée?s?\s+par",
        "",
        "",
        1,
    ),
]
EVENT_CUE_PATTERNS = [
    (re.compile(rf"\b(?:{p})\b", re.IGNORECASE), *rest) for p, *rest in EVENT_CUES
]
# Sentences about a trend or the background, not one incident: "since 2017", "has carried out
# attacks", "ces dernières années".
BACKGROUND_PATTERN = re.compile(
    r"\b(?:since\s+(?:\d{4}|its|their|the)|over\s+the\s+(?:past|last)|in\s+recent\s+(?:years|"
    r"months)|has\s+(?:carried\s+out|claimed|conducted|been\s+(?:active|operating))|have\s+"
    r"(?:carried\s+out|conducted|been)|regularly|frequently|increasingly|is\s+(?:active|"
    r"present)|operates|operating\s+in|is\s+(?:an?|the)\s+(?:affiliate|coalition|branch|group|"
    r"alliance)|was\s+(?:formed|founded|created)|depuis\s+(?:\d{4}|sa|leur|le|la)|ces\s+derni"
    r"[èe]res\s+années|régulièrement|fréquemment|est\s+(?:active|présent|une?\s+(?:coalition|"
    r"groupe|branche|filiale))|a\s+été\s+(?:créé|fondé)e?|opère)\b",
    re.IGNORECASE,
)
# A sentence that goes on about the incident already open: "the attack", "l'embuscade",
# "the victims", "witnesses".
ANAPHORA_PATTERN = re.compile(
    r"\b(?:the\s+(?:attack|ambush|strike|strikes|raid|assault|explosion|blast|incident|"
    r"victims|dead|wounded|convoy|toll|attackers|assailants|fighting|clashes)|les\s+combats|l['’](?:attaque|embuscade|"
    r"explosion|incident|assaut)|la\s+(?:frappe|frappes|tuerie)|les\s+(?:frappes|victimes|"
    r"assaillants|blessés)|le\s+(?:bilan|convoi|raid)|witness(?:es)?|témoins?|survivors?|"
    r"rescapés?|the\s+toll|the\s+army|l['’]armée|it\s+was|they|ils|elles)\b",
    re.IGNORECASE,
)
# A sentence blaming or claiming the incident just told ("Dan Na Ambassagou blamed Katiba
# Macina", "le JNIM a revendiqué l'attaque"): its actors belong to that incident, even when the
# sentence also says who the group is ("JNIM, which is active along the border").
BLAME_PATTERN = re.compile(
    r"\b(?:blam(?:ed|es|ing)|accus(?:ed|es|ing)|attribut(?:ed|es)|claim(?:ed|s)\s+"
    r"(?:responsibility|the|it)|responsibility|accusent|accuse|attribuent|attribue|imput[ée]e?s?|"
    r"revendiqu[ée]e?s?|revendique|revendication)\b",
    re.IGNORECASE,
)
CIVILIAN_CONTEXT = re.compile(
    r"\b(?:civilians?|villagers|market|village|residents|worshippers|mosque|church|wedding|"
    r"civils?|villageois|marché|habitants|fidèles|mosquée|église|mariage|women|femmes|"
    r"children|enfants|passengers|passagers|traders|commerçants|herders|éleveurs|farmers|"
    r"cultivateurs|bus|displaced|déplacés)\b",
    re.IGNORECASE,
)
MILITARY_CONTEXT = re.compile(
    r"\b(?:soldiers|troops|army|military|convoy|base|post|camp|patrol|checkpoint|gendarmerie|"
    r"soldats|militaires|armée|convoi|poste|patrouille|détachement|FAMa|VDP|FDS)\b",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------------------------
# The words each pattern can start with (besides a digit): the extractor tries a pattern only
# where one of them begins, which is much faster than scanning every character.

_WEEKDAY_WORDS = _words(" ".join(WEEKDAYS))
_MONTH_WORDS = _words(" ".join(MONTHS))
NIGHT_DATES_STARTERS = _words("in on during overnight dans")
NIGHT_WEEKDAYS_STARTERS = NIGHT_DATES_STARTERS
EXPLICIT_DATE_STARTERS = _WEEKDAY_WORDS | _MONTH_WORDS
MONTH_PART_STARTERS = _words(
    "early mid late the début debut mi fin courant à a au in en during since depuis"
)
WEEKDAY_STARTERS = _WEEKDAY_WORDS | _words("last this on ce le")
AGO_STARTERS = NUMBER_WORDS_EN | NUMBER_WORDS_FR | _words("il a an")
RELATIVE_STARTERS = _words(
    "the avant yesterday hier last la today aujourd this ce tonight cette earlier en le "
    "semaine at end late à fin early au début debut mois"
)
QUANTITY_STARTERS = (
    NUMBER_WORDS_EN
    | NUMBER_WORDS_FR
    | _words(" ".join(APPROX_NOUNS) + " " + " ".join(VAGUE_PLURALS))
    | _words(" ".join(f"{w}s" for w in APPROX_NOUNS))
    | _words(
        "at a an no not au pas un more over upwards plus about around some approximately "
        "roughly nearly almost close environ près quelque presque approximativement autour up "
        "as jusqu between entre des une"
    )
)
