"""Numeric figures an analyst would quote: casualties, territory, money, weapons, durations, rates.

A figure is a *number phrase* (the number with its approximator, currency, scale and
measurement unit: "about 116,000 sq km", "$61bn", "between 984,000 and 1,438,000",
"a quarter to a third", "thousands") plus what the dependency parse says about it:
the counted noun ("Russian casualties"), the category, who claims it ("according to X",
the subject of a speech verb governing it), and the time it refers to.

What is *not* a figure (precision matters more than coverage here):

* dates, years, clock times, ordinals, ages ("a 34-year-old");
* identifiers: model names ("F-16", "S-400"), article/resolution/page numbers and
  plan sizes ("the 28-point plan": the number names the document, it measures nothing);
* relative time ("two weeks ago", "three days later", "the past three years");
* small counts of things with no analytic meaning ("two leaders", "three sources"),
  and sources described by a count ("two people familiar with the talks");
* the bare word "one" ("one official"; "at least one" is a figure).

Counted nouns ("drones", "people") are not part of the figure's text; measurement
units ("km", "percent", "years", "$") are.

Vague quantities get a range by a fixed convention: "thousands" is 2,000–10,000,
"tens of thousands" 20,000–100,000, "dozens" 24–120 (twice to ten times the unit).
Percentages keep their stated value (unit ``percent``); fractions are values in
[0, 1] with unit ``fraction``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence

from ..models import Article, Figure, record_id
from ..stage import Context, stage

ActorSpan = tuple[int, int, str]

# --------------------------------------------------------------------------- lexicons

SMALL_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALES = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "mln": 1e6, "mn": 1e6, "bn": 1e9, "bln": 1e9, "tn": 1e12, "trn": 1e12,
}
# Single-letter scales, read only when written against the number ("$5m", "1.2m people").
CURRENCY_SCALES = {"m": 1e6, "k": 1e3, "b": 1e9}
VAGUE_PLURALS = {"dozens": 12, "scores": 20, "hundreds": 1e2, "thousands": 1e3,
                 "millions": 1e6, "billions": 1e9, "tens": 10}
FRACTIONS = {"half": 0.5, "halves": 0.5, "third": 1 / 3, "thirds": 1 / 3, "quarter": 0.25,
             "quarters": 0.25, "fifth": 0.2, "fifths": 0.2, "sixth": 1 / 6, "sixths": 1 / 6,
             "seventh": 1 / 7, "eighth": 0.125, "tenth": 0.1, "tenths": 0.1}
CURRENCY_SYMBOLS = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "₽": "RUB", "₴": "UAH"}
CURRENCY_WORDS = {"dollar": "USD", "euro": "EUR", "pound": "GBP", "ruble": "RUB",
                  "rouble": "RUB", "hryvnia": "UAH", "hryvnias": "UAH", "yuan": "CNY",
                  "usd": "USD", "eur": "EUR"}
CURRENCY_CODES = {"USD", "EUR", "GBP", "NOK", "SEK", "DKK", "CHF", "JPY", "CNY", "RUB", "UAH",
                  "PLN", "CAD", "AUD"}
CURRENCIES = set(CURRENCY_SYMBOLS.values()) | set(CURRENCY_WORDS.values()) | CURRENCY_CODES
# Units of energy and mass: quantities with a unit of their own, kept whatever their size.
OTHER_UNITS = {"gigawatt": "GW", "gigawatts": "GW", "megawatt": "MW", "megawatts": "MW",
               "tonne": "t", "tonnes": "t", "ton": "t", "tons": "t"}
PERCENT_WORDS = {"%", "percent", "pct"}
# Measurement units that belong to the figure's text, keyed by the lower-cased token.
AREA_UNITS = {"km2": "km2", "km²": "km2", "sq km": "km2", "square km": "km2",
              "square kilometres": "km2", "square kilometers": "km2",
              "square kilometre": "km2", "square kilometer": "km2",
              "square miles": "sq mi", "square mile": "sq mi", "sq mi": "sq mi",
              "hectares": "ha", "hectare": "ha"}
DISTANCE_UNITS = {"km": "km", "kilometres": "km", "kilometers": "km", "kilometre": "km",
                  "kilometer": "km", "miles": "mi", "mile": "mi", "metres": "m", "meters": "m"}
TIME_UNITS = {"year": "years", "years": "years", "month": "months", "months": "months",
              "week": "weeks", "weeks": "weeks", "day": "days", "days": "days",
              "hour": "hours", "hours": "hours", "decade": "decades", "decades": "decades"}
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun",
          "jul", "aug", "sep", "sept", "oct", "nov", "dec", "jan.", "feb.", "mar.", "apr.",
          "jun.", "jul.", "aug.", "sep.", "sept.", "oct.", "nov.", "dec."}

# Approximators in front of a number, longest first, with the direction they give.
APPROXIMATORS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("as", "many", "as"), "upper"), (("as", "much", "as"), "upper"),
    (("in", "excess", "of"), "lower"), (("more", "than"), "lower"), (("over",), "lower"),
    (("at", "least"), "lower"), (("upwards", "of"), "lower"), (("well", "over"), "lower"),
    (("just", "over"), "lower"), (("just", "under"), "upper"), (("less", "than"), "upper"),
    (("fewer", "than"), "upper"), (("up", "to"), "upper"), (("at", "most"), "upper"),
    (("under",), "upper"), (("nearly",), "upper"), (("almost",), "upper"),
    (("a", "little", "under"), "upper"), (("a", "little", "over"), "lower"),
    (("slightly", "more", "than"), "lower"), (("slightly", "less", "than"), "upper"),
    (("close", "to"), "about"), (("near",), "about"), (("an", "estimated"), "about"), (("estimated",), "about"),
    (("about",), "about"), (("around",), "about"), (("roughly",), "about"),
    (("approximately",), "about"), (("some",), "about"), (("circa",), "about"),
    (("several",), "about"), (("a", "few"), "about"),
)
FRACTION_LEADS = {"by", "to", "than", "about", "nearly", "almost", "roughly", "around", "some", "over",
                  "under", "only", "just", "barely", "approximately", "estimated"}
NAME_ENTITIES = {"ORG", "EVENT", "LAW", "WORK_OF_ART", "FAC", "PRODUCT", "PERSON", "GPE"}
APPROXIMATORS_LONGEST_FIRST = sorted(APPROXIMATORS, key=lambda entry: -len(entry[0]))
RANGE_JOINERS = {"to", "-", "–", "—", "or"}

CASUALTY_WORDS = {"casualty", "casualties", "death", "dead", "fatality", "killed", "wounded",
                  "injured", "loss", "losses", "victim", "toll", "missing", "captured",
                  "kia", "wia", "body", "bodies"}
CASUALTY_VERBS = {"kill", "wound", "injure", "die", "capture", "lose", "hurt", "execute",
                  "maim", "perish", "slay", "murder"}
PEOPLE_NOUNS = {"people", "person", "civilian", "soldier", "troop", "serviceman",
                "servicemen", "prisoner", "pow", "child", "children", "kid", "resident",
                "refugee", "citizen", "worker", "man", "men", "woman", "women", "family",
                "household", "home", "consumer", "customer", "volunteer", "recruit",
                "conscript", "fighter", "mercenary", "evacuee", "hostage", "detainee",
                "inhabitant", "adult", "student", "pensioner", "orphan", "personnel",
                "defender", "marine", "paratrooper", "captive", "deportee", "migrant",
                "subscriber", "patient", "doctor", "voter", "respondent", "population"}
WEAPON_NOUNS = {"drone", "missile", "rocket", "shell", "tank", "aircraft", "jet", "plane",
                "helicopter", "warship", "artillery", "howitzer",
                "launcher", "munition", "round", "bomb", "warhead", "ammunition", "shahed",
                "uav", "interceptor", "mine", "vehicle", "apc", "ifv", "gun", "system",
                "battery", "atacms", "himars", "patriot", "f-16", "submarine",
                "projectile", "weapon", "rifle", "grenade", "mortar", "decoy", "bomber",
                "fighter-jet", "cruise", "ballistic", "sortie", "strike", "attack"}
HOUSING_NOUNS = {"home", "household", "family", "subscriber", "customer", "consumer"}
TERRITORY_NOUNS = {"territory", "land", "country", "region", "oblast", "province", "area",
                   "village", "town", "city", "settlement", "district", "farmland", "donbas",
                   "donbass", "crimea", "surface"}
# Places whose *count* is a territorial figure ("captured five villages").
CAPTURED_PLACES = {"village", "town", "city", "settlement", "hamlet", "region", "oblast",
                   "district", "position", "stronghold"}
CAPTURE_VERBS = {"capture", "take", "seize", "occupy", "liberate", "control", "hold", "lose",
                 "retake", "recapture", "claim", "annex", "cede", "withdraw", "enter", "gain"}
# Verbs whose object share is a share of land ("occupies roughly three quarters").
OCCUPY_VERBS = {"capture", "seize", "occupy", "control", "liberate", "retake", "recapture",
                "annex", "cede"}
UNCOUNTABLE_UNITS = {"aircraft", "artillery", "ammunition", "personnel", "hardware"}
MONEY_VERBS = {"spend", "cost", "pay", "lend", "borrow", "pledge", "allocate", "fund", "invest",
               "owe", "repay", "donate", "earmark", "appropriate"}
MONEY_NOUNS = {"aid", "budget", "funding", "fund", "loan", "asset", "reparation", "grant",
               "spending", "revenue", "investment", "debt", "package", "deal", "export",
               "sale", "cost", "price", "financing", "reserve", "tax", "tariff"}
# Nouns whose count is a source description or a plain count nobody would chart.
NON_ANALYTIC_NOUNS = {"source", "official", "leader", "side", "party", "time", "way",
                      "point", "page", "paragraph", "article", "clause", "item", "section",
                      "chapter", "round", "meeting", "call", "question", "thing", "step",
                      "option", "reason", "word", "minute", "second", "episode", "diplomat",
                      "delegation", "envoy", "aide"}
IDENTIFIER_WORDS = {"no", "no.", "number", "article", "resolution", "section", "page",
                    "paragraph", "chapter", "clause", "item", "point", "flight", "route",
                    "highway", "phase", "minsk", "stage", "level", "grade", "tier", "unit",
                    "brigade", "regiment", "division", "battalion", "corps", "army", "district",
                    "building", "block", "room", "gate", "terminal", "line", "channel", "rule",
                    "figure", "table", "chart"}
RELATIVE_TIME_AFTER = {"ago", "later", "earlier", "before", "after", "beforehand", "hence"}
RELATIVE_TIME_BEFORE = {"past", "last", "next", "previous", "coming", "first", "final",
                        "recent", "following", "few", "initial"}
SPEECH_VERBS = {"say", "tell", "claim", "estimate", "report", "announce", "state", "write",
                "insist", "assert", "add", "note", "argue", "believe", "reckon", "calculate",
                "suggest", "show", "indicate", "count", "confirm", "allege", "acknowledge",
                "admit", "warn", "predict", "project", "forecast", "put", "document",
                "record", "verify", "tally", "boast", "brag", "post", "publish", "cite",
                "quote", "tweet", "declare", "assess", "find", "conclude"}
CHANGE_VERBS = {"estimate", "put", "number", "stand", "total", "reach", "rise", "climb",
                "exceed", "hit", "top", "grow", "increase", "fall", "drop", "decline",
                "spike", "surge", "jump", "soar", "double", "triple", "shrink", "plunge",
                "amount", "come", "tally", "cut", "reduce", "slash", "boost", "raise",
                "be", "remain"}
CLAUSE_DEPS = {"ROOT", "ccomp", "advcl", "relcl", "xcomp", "conj", "parataxis", "acl", "pcomp"}
TIME_PREPOSITIONS = {"in", "since", "by", "until", "through", "during", "from", "between",
                     "on", "as", "last", "this", "before", "after", "throughout", "over"}

_DIGITS = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_DIGITS_WITH_SUFFIX = re.compile(
    r"^(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(bn|bln|mn|mln|tn|trn|m|k|%|km2|km²|km)$", re.I)
_YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")
_CLOCK = re.compile(r"^\d{1,2}[:.]\d\d$")


# --------------------------------------------------------------------------- number phrases


@dataclass
class _Amount:
    """One number as written: token range, value (or vague range) and what came with it."""

    start: int
    end: int
    value: Optional[float] = None
    low: Optional[float] = None
    high: Optional[float] = None
    currency: Optional[str] = None
    unit: Optional[str] = None
    scaled: bool = False
    vague: bool = False
    fraction: bool = False
    shape: str = "digits"


@dataclass
class _Phrase:
    start: int
    end: int
    value: Optional[float]
    low: Optional[float]
    high: Optional[float]
    unit: Optional[str]
    approx: Optional[str]
    shape: str
    vague: bool = False
    core_start: int = 0  # start of the amounts, after any approximator
    core_end: int = 0  # end of the amounts, before any trailing unit tokens


def _lower(doc: Any, i: int) -> str:
    return doc[i].lower_ if 0 <= i < len(doc) else ""


def _attached(doc: Any, i: int) -> bool:
    """True when token i is written without a space before token i + 1."""
    return 0 <= i < len(doc) - 1 and not doc[i].whitespace_


def _digit_value(text: str) -> Optional[float]:
    match = _DIGITS.match(text)
    if not match:
        return None
    return float(match.group(1).replace(",", "") + ("." + match.group(2) if match.group(2) else ""))


def _word_number(doc: Any, i: int, limit: int) -> tuple[int, Optional[float]]:
    """Read spelled-out numbers ("twenty-five", "three hundred", "a dozen") from token i."""
    total, current, j, read_any = 0.0, 0.0, i, False
    while j < limit:
        word = doc[j].lower_
        if word in SMALL_NUMBERS and word != "zero":
            current += SMALL_NUMBERS[word]
        elif word == "-" and read_any and j + 1 < limit and doc[j + 1].lower_ in SMALL_NUMBERS:
            j += 1
            continue
        elif word in ("a", "an") and not read_any and j + 1 < limit and (
                doc[j + 1].lower_ in ("hundred", "thousand", "million", "billion", "dozen")):
            current = 1
        elif word == "dozen" and read_any:
            current = (current or 1) * 12
        elif word == "hundred" and read_any:
            current = (current or 1) * 100
        elif word in ("thousand", "million", "billion", "trillion") and read_any:
            total += (current or 1) * SCALES[word]
            current = 0
        elif word == "and" and read_any and j + 1 < limit and doc[j + 1].lower_ in SMALL_NUMBERS \
                and doc[j - 1].lower_ == "hundred":
            pass
        else:
            break
        read_any = True
        j += 1
    if not read_any or j == i:
        return i, None
    # a trailing "a"/"an" that read no scale is not a number
    if doc[j - 1].lower_ in ("a", "an", "and"):
        return i, None
    return j, total + current


def _read_amount(doc: Any, i: int, limit: int) -> Optional[_Amount]:
    """Read one number with its currency, scale and percent sign starting at token i."""
    start, currency = i, None
    low_text = doc[i].lower_ if i < limit else ""
    if low_text in CURRENCY_SYMBOLS and i + 1 < limit and _attached(doc, i):
        currency = CURRENCY_SYMBOLS[low_text]
        i += 1
    elif doc[i].text in CURRENCY_CODES and i + 1 < limit and doc[i + 1].like_num:
        currency = doc[i].text
        i += 1
    if i >= limit:
        return None
    text = doc[i].text
    amount: Optional[_Amount] = None
    value = _digit_value(text)
    suffixed = _DIGITS_WITH_SUFFIX.match(text)
    if value is not None:
        amount = _Amount(start, i + 1, value=value, currency=currency)
    elif suffixed:
        number = float(suffixed.group(1).replace(",", ""))
        suffix = suffixed.group(2).lower()
        if suffix in SCALES:
            amount = _Amount(start, i + 1, value=number * SCALES[suffix], currency=currency,
                             scaled=True)
        elif suffix in CURRENCY_SCALES:
            amount = _Amount(start, i + 1, value=number * CURRENCY_SCALES[suffix],
                             currency=currency, scaled=True)
        elif suffix == "%":
            amount = _Amount(start, i + 1, value=number, unit="percent")
        elif suffix in ("km2", "km²"):
            amount = _Amount(start, i + 1, value=number, unit="km2")
        elif suffix == "km":
            amount = _Amount(start, i + 1, value=number, unit="km")
        if amount is None:
            return None
    else:
        amount = _read_word_amount(doc, start, i, limit, currency)
        if amount is None:
            return None
    j = amount.end
    # scale words after the number: "1.2 million", "$61 bn", "$5m"
    while j < limit and not amount.vague and not amount.fraction:
        word = doc[j].lower_
        if word in SCALES and word != "hundred" or (word == "hundred" and amount.shape == "digits"):
            amount.value = (amount.value or 0) * SCALES[word]
            amount.scaled = True
            j += 1
        elif word in CURRENCY_SCALES and _attached(doc, j - 1):
            amount.value = (amount.value or 0) * CURRENCY_SCALES[word]
            amount.scaled = True
            j += 1
        else:
            break
    if not amount.vague and not amount.fraction and _and_a_half(doc, j, limit):
        amount.value, j = (amount.value or 0) + 0.5, j + 3  # "four and a half hours"
    amount.end = j
    if j < limit and amount.unit is None:
        word = doc[j].lower_
        if word in PERCENT_WORDS:
            amount.unit, amount.end = "percent", j + 1
        elif word == "per" and j + 1 < limit and doc[j + 1].lower_ == "cent":
            amount.unit, amount.end = "percent", j + 2
        elif word == "percentage" and j + 1 < limit and doc[j + 1].lower_ in ("point", "points"):
            amount.unit, amount.end = "percentage points", j + 2
    return amount


def _and_a_half(doc: Any, j: int, limit: int) -> bool:
    return j + 2 < limit and [t.lower_ for t in doc[j:j + 3]] == ["and", "a", "half"]


def _read_word_amount(doc: Any, start: int, i: int, limit: int,
                      currency: Optional[str]) -> Optional[_Amount]:
    word = doc[i].lower_
    # "tens of thousands", "hundreds of thousands", "thousands", "dozens"
    if word in VAGUE_PLURALS:
        base = VAGUE_PLURALS[word]
        end = i + 1
        if end + 1 < limit and doc[end].lower_ == "of" and doc[end + 1].lower_ in VAGUE_PLURALS \
                and VAGUE_PLURALS[doc[end + 1].lower_] > base:
            base *= VAGUE_PLURALS[doc[end + 1].lower_]
            end += 2
        elif word == "tens":
            return None
        return _Amount(start, end, low=2 * base, high=10 * base, currency=currency,
                       vague=True, shape="vague")
    # "several dozen", "a few hundred": two to ten times the unit, like "dozens"
    if word in ("dozen", "hundred", "thousand", "million", "billion") and \
            _lower(doc, i - 1) in ("several", "few"):
        base = 12 if word == "dozen" else SCALES[word]
        return _Amount(start, i + 1, low=2 * base, high=10 * base, currency=currency,
                       vague=True, shape="vague")
    # "about a week", "more than a year"
    if word in ("a", "an") and _lower(doc, i + 1) in TIME_UNITS and (
            _lower(doc, i - 1) in ("about", "nearly", "almost", "than", "around", "roughly",
                                   "approximately", "over", "under") or _and_a_half(doc, i + 2, limit)):
        return _Amount(start, i + 1, value=1, shape="words")
    # fractions: "half", "a fifth", "two-thirds", "one third"
    numerator_end, numerator = i, 1.0
    if word in ("a", "an", "one"):
        numerator_end = i + 1
    elif word in SMALL_NUMBERS and SMALL_NUMBERS[word] in range(2, 10):
        numerator_end, numerator = i + 1, float(SMALL_NUMBERS[word])
        if numerator_end < limit and doc[numerator_end].text == "-" and _attached(doc, i):
            numerator_end += 1
    if numerator_end < limit and doc[numerator_end].lower_ in FRACTIONS:
        name = doc[numerator_end].lower_
        if (numerator > 1) != name.endswith("s") and name != "half":  # "two thirds", "a third"
            return None
        if name == "half" and numerator_end != i and word != "one":
            return None  # "a half" is almost always "an hour and a half"
        if not _fraction_context(doc, i, numerator_end):
            return None
        return _Amount(start, numerator_end + 1, value=numerator * FRACTIONS[name],
                       unit="fraction", fraction=True, shape="fraction")
    end, value = _word_number(doc, i, limit)
    if value is None:
        return None
    return _Amount(start, end, value=value, currency=currency, shape="words")


def _fraction_context(doc: Any, first: int, fraction: int) -> bool:
    """Ordinal words are fractions only in fraction contexts: "a fifth of X", "fell by a third",
    "half the X", "a quarter to a third", "two-thirds"; not in "a third round"."""
    following, preceding = _lower(doc, fraction + 1), _lower(doc, first - 1)
    if doc[fraction].lower_ == "half" and first == fraction:
        if preceding in ("first", "second", "latter", "former", "the"):
            return False
        return following in ("of", "the", "its", "their", "his", "her", "all") or \
            preceding in FRACTION_LEADS
    if first == fraction:
        return False
    if doc[fraction].lower_.endswith("s"):  # "two-thirds", "three quarters"
        return True
    return following in ("of", "to", "or") or preceding in FRACTION_LEADS


def _read_phrase(doc: Any, i: int, limit: int) -> Optional[_Phrase]:
    """A figure's number phrase at token i: approximator, amount or range, measurement unit."""
    first = _read_amount(doc, i, limit)
    if first is None:
        return None
    start, end = first.start, first.end
    value, low, high = first.value, first.low, first.high
    unit = first.unit or (first.currency if first.currency else None)
    shape = first.shape
    # ranges: "190,000 to 480,000", "between X and Y", "20-25%", "a quarter to a third"
    between = _lower(doc, start - 1) in ("between", "from")
    joiner = _lower(doc, end)
    if end < limit and (joiner in RANGE_JOINERS or (between and joiner == "and")):
        second = _read_amount(doc, end + 1, limit)
        if second is not None and second.value is not None and first.value is not None \
                and not (joiner == "-" and not _attached(doc, end)):
            low_value, high_value = first.value, second.value
            if second.scaled and not first.scaled and low_value < high_value and \
                    second.value >= 1000 * max(low_value, 1):
                low_value *= second.value / _unscaled(doc, second)
            if second.unit and not first.unit:
                unit = second.unit
            if second.currency:
                unit = unit or second.currency
            if joiner == "to" and second.value == 1 and low_value > 1 and not unit:
                value, unit, end, shape = low_value, "ratio", second.end, "ratio"  # "six to one"
            elif low_value <= high_value:
                value, low, high = None, low_value, high_value
                end = second.end
                shape = "range"
                if between:
                    start -= 1
    # "one in four" households
    if joiner == "in" and first.value is not None and not first.unit and not first.currency:
        second = _read_amount(doc, end + 1, limit)
        if second is not None and second.value and first.value < second.value <= 100 and \
                not second.unit and not second.scaled:
            value, unit, end, shape = first.value / second.value, "fraction", second.end, "ratio"
    core_start = start
    approx = None
    if shape != "range" or not between:
        approx, start = _approximator(doc, start)
    if first.vague:
        approx = approx or "about"
    core_end = end
    end, unit = _trailing_unit(doc, end, limit, unit)
    if unit in TIME_UNITS.values() and end > core_end and value is not None and _and_a_half(doc, end, limit):
        value, end = value + 0.5, end + 3  # "a year and a half"
    if _lower(doc, end) == "or" and _lower(doc, end + 1) == "so" and end + 1 < limit:
        end, approx = end + 2, approx or "about"  # "25 percent or so"
    return _Phrase(start, end, value, low, high, unit, approx, shape, first.vague, core_start, core_end)


def _unscaled(doc: Any, amount: _Amount) -> float:
    """The digits of a scaled amount as written ("1.5" of "1.5 million")."""
    for token in doc[amount.start:amount.end]:
        number = _digit_value(token.text)
        if number is not None:
            return number
        suffixed = _DIGITS_WITH_SUFFIX.match(token.text)
        if suffixed:
            return float(suffixed.group(1).replace(",", ""))
    return 1.0


def _approximator(doc: Any, start: int) -> tuple[Optional[str], int]:
    """Approximators in front of the number, stacked ones included ("up to roughly");
    the direction is the outermost one's."""
    direction = None
    while True:
        for words, found in APPROXIMATORS_LONGEST_FIRST:
            begin = start - len(words)
            if begin >= 0 and tuple(t.lower_ for t in doc[begin:start]) == words:
                direction, start = found, begin
                break
        else:
            return direction, start


def _trailing_unit(doc: Any, end: int, limit: int, unit: Optional[str]) -> tuple[int, Optional[str]]:
    """Measurement units written after the number: "sq km", "years", "dollars", "-day"."""
    j = end
    hyphenated = j < limit and doc[j].text == "-" and _attached(doc, j - 1) and _attached(doc, j)
    if hyphenated:
        j += 1
    for size in (3, 2, 1):
        words = " ".join(t.lower_ for t in doc[j:min(j + size, limit)])
        if j + size > limit:
            continue
        if words in AREA_UNITS and not unit:
            return j + size, AREA_UNITS[words]
        if words in DISTANCE_UNITS and not unit:
            return j + size, DISTANCE_UNITS[words]
    word = _lower(doc, j) if j < limit else ""
    if word in TIME_UNITS and not unit:
        return j + 1, TIME_UNITS[word]
    if j < limit and not unit:
        if doc[j].lemma_.lower() in CURRENCY_WORDS:
            return j + 1, CURRENCY_WORDS[doc[j].lemma_.lower()]
        if doc[j].text in CURRENCY_CODES:
            return j + 1, doc[j].text
        if word in OTHER_UNITS:
            return j + 1, OTHER_UNITS[word]
    if word in ("times", "fold") and not unit and not hyphenated:
        return j + 1, "times"
    return end, unit


# --------------------------------------------------------------------------- filters


def _is_year(doc: Any, phrase: _Phrase) -> bool:
    token = doc[phrase.start]
    if phrase.unit or phrase.end - phrase.start != 1 or not _YEAR.match(token.text):
        return False
    head = token.head
    # "2000 troops" is a count; "in 2022", "the 2022 invasion" are years
    counted_plural = token.dep_ == "nummod" and head.tag_ in ("NNS", "NNPS") and \
        _lower(doc, phrase.start - 1) not in TIME_PREPOSITIONS | MONTHS
    return not counted_plural


def _is_excluded(doc: Any, phrase: _Phrase, sent_start: int) -> Optional[str]:
    """Why the number phrase is not a figure (None when it is one)."""
    first = doc[phrase.start]
    prev = _lower(doc, phrase.start - 1)
    nxt = _lower(doc, phrase.end)
    if _is_year(doc, phrase):
        return "year"
    if prev in MONTHS or (nxt in MONTHS and phrase.unit is None and phrase.value is not None
                          and phrase.value <= 31):
        return "day-of-month"
    if _CLOCK.match(first.text) or nxt in ("a.m.", "p.m.", "am", "pm", "gmt", "utc", "o'clock",
                                           "hrs", "h"):
        return "clock"
    if any(t.ent_type_ in ("ORDINAL", "TIME") for t in doc[phrase.start:phrase.core_end]) \
            and phrase.unit not in ("percent", "fraction", *TIME_UNITS.values()) and not phrase.vague:
        return "time-or-ordinal"
    # model names and codes: "F-16", "Su-34", "G7", "Minsk-2"
    if phrase.start - 2 >= sent_start and doc[phrase.start - 1].text == "-" and \
            _attached(doc, phrase.start - 2) and _attached(doc, phrase.start - 1) and \
            doc[phrase.start - 2].is_alpha:
        return "identifier"
    if prev in IDENTIFIER_WORDS or prev == "#":
        return "identifier"
    core, before_core = doc[phrase.core_start], phrase.core_start - 1
    if any(t.ent_type_ in NAME_ENTITIES for t in doc[phrase.core_start:phrase.core_end]) or (
            core.is_alpha and core.is_title and before_core >= sent_start and
            (doc[before_core].is_title or (doc[before_core].lower_ == "of" and before_core - 1 >= sent_start
                                           and doc[before_core - 1].is_title))):
        return "name"  # "Group of Eight", "World War III"
    if phrase.end < len(doc) and doc[phrase.end].text == "-" and _attached(doc, phrase.end - 1):
        suffix = _lower(doc, phrase.end + 1)
        if suffix in IDENTIFIER_WORDS or suffix in ("year", "years") and \
                _lower(doc, phrase.end + 2) == "-" and _lower(doc, phrase.end + 3) == "old":
            return "identifier" if suffix != "year" else "age"
    if phrase.unit == "years" and (nxt in ("old", "olds") or
                                   nxt == "-" and _lower(doc, phrase.end + 1) in ("old", "olds")):
        return "age"
    if phrase.unit in TIME_UNITS.values():
        after_next = doc[phrase.end + 1] if phrase.end + 1 < len(doc) else None
        # "three years on" (later), but not "two days on the front"
        if nxt == "on" and (after_next is None or after_next.is_punct or after_next.is_space):
            return "relative-time"
        if nxt in RELATIVE_TIME_AFTER or prev in RELATIVE_TIME_BEFORE or \
                (prev in ("the", "these", "those") and nxt != "of"):
            return "relative-time"
        if prev == "in" and _lower(doc, phrase.start - 2) not in ("killed", "died"):
            return "relative-time"
    if phrase.value == 1 and phrase.shape == "words" and phrase.unit is None and not phrase.approx:
        return "one"
    if phrase.value is not None and phrase.value == 0:
        return "zero"
    return None


# --------------------------------------------------------------------------- syntax


def _phrase_root(doc: Any, start: int, end: int) -> Any:
    """The token of the span whose head lies outside it (the span's syntactic root)."""
    for token in doc[start:end]:
        if not (start <= token.head.i < end) or token.head.i == token.i:
            return token
    return doc[end - 1]


def _noun_span(doc: Any, head: Any, exclude: range) -> tuple[int, int]:
    """The head noun and the modifiers to its left ("Russian casualties", "Ukraine's land")."""
    left = head.i
    for child in head.lefts:
        if child.dep_ in ("amod", "compound", "nmod", "poss", "npadvmod") and child.i not in exclude:
            left = min(left, child.left_edge.i)
    while left in exclude or (left < head.i and doc[left].dep_ in ("det", "punct", "predet")):
        left += 1
    if any(i in exclude for i in range(left, head.i)):
        left = max(i for i in range(left, head.i + 1) if i not in exclude and
                   all(k not in exclude for k in range(i, head.i + 1)))
    return left, head.i + 1


def _counted(doc: Any, phrase: _Phrase) -> tuple[Optional[Any], Optional[tuple[int, int]], str]:
    """The noun the figure counts, its span, and how it was found."""
    span = range(phrase.start, phrase.end)
    root = _phrase_root(doc, phrase.core_start, phrase.end)
    # "810 drones", "1,000 prisoners"
    if root.dep_ in ("nummod", "quantmod", "compound", "amod", "nmod", "npadvmod") and \
            root.head.i not in span and root.head.pos_ in ("NOUN", "PROPN") and \
            root.head.i == _next_content(doc, phrase.end):
        return root.head, _noun_span(doc, root.head, span), "nummod"
    # the segmenter glued a headline to the next line: "hit 41 strategic aircraft\n\nKYIV"
    after = _next_content(doc, phrase.end)
    if root.dep_ == "nummod" and after is not None and doc[after].pos_ in ("NOUN", "PROPN") and \
            any("\n" in t.text for t in doc[min(root.i, root.head.i):max(root.i, root.head.i)]):
        return doc[after], _noun_span(doc, doc[after], span), "nummod"
    # "1,000 dead", "12 injured": the word right after the number
    if after is not None and after < len(doc) and doc[after].lower_ in CASUALTY_WORDS and \
            after == phrase.end:
        return doc[after], (after, after + 1), "adjacent"
    # "thousands of homes", "a fifth of Ukraine", "$61bn in aid"
    for token in doc[phrase.start:phrase.end]:
        for child in token.children:
            if child.dep_ == "prep" and child.i >= phrase.end and child.lower_ in ("of", "in", "for"):
                objects = [c for c in child.children if c.dep_ == "pobj"]
                if objects:
                    noun = objects[0]
                    return noun, _noun_span(doc, noun, span), f"prep-{child.lower_}"
    # "casualties are estimated at 1 million", "attacks spiked by 60 percent"
    governor = root.head
    if root.dep_ == "pobj" and governor.dep_ in ("prep", "agent"):
        governor = governor.head
    if governor.pos_ in ("VERB", "AUX") and governor.lemma_ in CHANGE_VERBS and \
            root.dep_ in ("pobj", "dobj", "attr", "npadvmod", "advmod"):
        # "X puts Russian losses at 1 million": the object is what is counted
        objects = [c for c in governor.children if c.dep_ == "dobj" and c.i not in span]
        if objects and root.dep_ == "pobj":
            return objects[0], _noun_span(doc, objects[0], span), "verb-object"
        for child in governor.children:
            if child.dep_ in ("nsubj", "nsubjpass") and child.i not in span:
                if child.pos_ == "PRON":
                    break
                return _of_noun(child), _noun_span(doc, _of_noun(child), span), "verb-subject"
        if governor.dep_ == "acl" and governor.head.pos_ in ("NOUN", "PROPN"):
            # "Attacks on the grid spiked by 60 percent", parsed with the verb as a modifier
            return governor.head, _noun_span(doc, governor.head, span), "verb-subject"
    return None, None, "none"


def _of_noun(noun: Any) -> Any:
    """ "the number of dead" counts "dead", not "number"."""
    if noun.lemma_.lower() in ("number", "toll", "figure", "count", "tally", "total", "share"):
        for prep in noun.children:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                objects = [c for c in prep.children if c.dep_ == "pobj"]
                if objects:
                    return objects[0]
    return noun


def _antecedent(pronoun: Any) -> Optional[Any]:
    """The noun a relative pronoun stands for ("casualties, of whom a quarter ...")."""
    if pronoun.lower_ not in ("which", "whom", "who"):
        return None
    token = pronoun
    while token.head.i != token.i and token.dep_ != "relcl":
        token = token.head
    if token.dep_ == "relcl" and token.head.pos_ in ("NOUN", "PROPN"):
        return token.head
    return None


def _next_content(doc: Any, i: int) -> Optional[int]:
    """Index of the noun a number modifies, skipping adjectives ("12,000 civilian deaths")."""
    j = i
    while j < len(doc) and doc[j].dep_ in ("amod", "compound", "nmod", "punct") and \
            (doc[j].text == "-" or doc[j].dep_ != "punct") and j - i < 4 and \
            not (j > i and doc[j].pos_ in ("NOUN", "PROPN") and "\n" in _lower(doc, j + 1)):
        j += 1
    return j if j < len(doc) else None


def _governing_lemmas(token: Any, hops: int = 3) -> list[str]:
    lemmas = []
    for _ in range(hops):
        if token.head.i == token.i:
            break
        token = token.head
        lemmas.append(token.lemma_.lower())
    return lemmas


def _casualty_context(token: Any, counted_words: set[str]) -> bool:
    """Is the counted thing dead, wounded, captured or missing?"""
    if counted_words & CASUALTY_WORDS or token.lower_ in CASUALTY_WORDS:
        return True
    # "soldiers killed in action", "people listed as missing"
    for child in token.children:
        if child.dep_ in ("acl", "relcl", "amod") and (child.lemma_ in CASUALTY_VERBS or
                                                        child.lower_ in CASUALTY_WORDS):
            return True
    # climb from "children" in "wounded 14 civilians, including three children" to "civilians"
    node = token
    while node.dep_ in ("prep", "pobj", "conj", "appos", "nummod", "quantmod") and node.head.i != node.i:
        node = node.head
        if _is_casualty_word(node):  # "the bodies of 6,000 soldiers", "deaths, including 726 children"
            return True
    verb, role = node.head, node.dep_
    if verb.pos_ not in ("VERB", "AUX"):
        return False
    # the victims are the object or the passive subject of "kill", the subject of "die"
    if verb.lemma_ in ("die", "perish"):
        return role in ("nsubj", "dobj")
    if verb.lemma_ == "lose":
        return role == "dobj"
    if verb.lemma_ in CASUALTY_VERBS:
        return role in ("dobj", "nsubjpass")
    # "listed as missing", "reported dead"
    near = list(verb.children) + [grandchild for child in verb.children if child.dep_ == "prep"
                                  for grandchild in child.children]
    return any(t.lower_ in CASUALTY_WORDS and t.dep_ in ("acomp", "oprd", "pobj", "pcomp", "xcomp",
                                                          "advcl") for t in near)


def _is_casualty_word(token: Any) -> bool:
    return token.lower_ in CASUALTY_WORDS or token.lemma_.lower() in CASUALTY_WORDS


def _category(doc: Any, phrase: _Phrase, counted: Optional[Any]) -> tuple[str, Optional[str]]:
    """Category and unit of a figure, from its measurement unit and counted noun."""
    unit = phrase.unit
    lemma = counted.lemma_.lower() if counted is not None else ""
    counted_words: set[str] = set()
    if counted is not None:
        counted_words = {t.lemma_.lower() for t in counted.subtree if t.i < counted.i + 1} | {lemma}
    root = _phrase_root(doc, phrase.core_start, phrase.end)
    if unit in CURRENCIES:
        return "money", unit
    if unit in ("km", "mi", "m") and any(t.lemma_ in ("range", "reach", "fly", "strike")
                                         for t in root.sent):
        return "weapons", unit  # a weapon's range, not ground held
    if unit in ("km2", "sq mi", "ha", "km", "mi", "m"):
        return "territory", unit
    if unit in TIME_UNITS.values():
        return "duration", unit
    if unit in OTHER_UNITS.values():
        return "other", unit
    casualty_context = _casualty_context(root, counted_words) or (
        counted is not None and _casualty_context(counted, counted_words))
    # a share is a casualty figure only when the share itself was killed ("a quarter to a third
    # had been killed"), not when it counts something about casualties ("a 37 percent rise in
    # civilian casualties")
    if unit in ("percent", "fraction") and _casualty_context(root, set()):
        return "casualties", unit
    if unit in ("percent", "fraction", "percentage points", "times", "ratio"):
        is_place = counted is not None and (counted.ent_type_ in ("GPE", "LOC") or
                                            lemma in TERRITORY_NOUNS or counted_words & TERRITORY_NOUNS)
        if is_place or set(_governing_lemmas(root, 2)) & OCCUPY_VERBS:
            return "territory", unit
        return "rate", unit
    magnitude = phrase.value if phrase.value is not None else (phrase.low or 0)
    if magnitude >= 1e6 and (lemma in MONEY_NOUNS or set(_governing_lemmas(root, 1)) & MONEY_VERBS):
        return "money", unit  # "spending billions on a war"
    if casualty_context and (counted is None or lemma in PEOPLE_NOUNS | CASUALTY_WORDS or
                             counted.lower_ in CASUALTY_WORDS or counted.ent_type_ == "NORP"):
        return "casualties", "people"
    if lemma in WEAPON_NOUNS or counted_words & {"drone", "missile"}:
        return "weapons", _plural(lemma)
    if lemma in PEOPLE_NOUNS or (counted is not None and counted.ent_type_ == "NORP" and
                                 counted.tag_ in ("NNS", "NNPS")):
        return "people", "people" if lemma not in HOUSING_NOUNS else _plural(lemma)
    if lemma in CAPTURED_PLACES and counted is not None and \
            set(_governing_lemmas(counted, 2)) & CAPTURE_VERBS:
        return "territory", _plural(lemma)
    return "other", unit or (_plural(lemma) if lemma else None)


def _plural(lemma: str) -> str:
    if lemma in UNCOUNTABLE_UNITS or lemma.endswith("s"):
        return lemma
    if lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
        return lemma[:-1] + "ies"
    if lemma.endswith(("ch", "sh", "x")):
        return lemma + "es"
    return lemma + "s"


def _is_source_count(counted: Optional[Any]) -> bool:
    """"two people familiar with the talks", "three officials said": a count of sources."""
    if counted is None:
        return False
    if any(c.lower_ in ("familiar", "briefed", "close", "knowledgeable") for c in counted.rights):
        return True
    return counted.dep_ == "nsubj" and counted.head.lemma_ in SPEECH_VERBS


# --------------------------------------------------------------------------- claimant, time


def _clause(token: Any) -> Any:
    while token.head.i != token.i and not (token.pos_ in ("VERB", "AUX") and token.dep_ in CLAUSE_DEPS):
        token = token.head
    return token


def _subject(verb: Any) -> Optional[Any]:
    # the subject nearest the verb: "..., the largest attack of the war, the air force said"
    subjects = [child for child in verb.children if child.dep_ == "nsubj"]
    if subjects:
        return min(subjects, key=lambda child: abs(verb.i - child.i))
    for child in verb.children:
        if child.dep_ == "agent":
            objects = [c for c in child.children if c.dep_ == "pobj"]
            if objects:
                return objects[0]
    return None


def _trimmed(doc: Any, token: Any) -> tuple[int, int]:
    """A claimant's span: its subtree, cut before a relative clause, an aside or a line break."""
    left, right = token.left_edge.i, token.right_edge.i + 1
    for descendant in token.subtree:
        if descendant.i > token.i and (descendant.dep_ in ("relcl", "acl") or descendant.text == ","):
            right = min(right, descendant.left_edge.i if descendant.dep_ != "punct" else descendant.i)
    # a headline or dateline ("KYIV —") glued to the sentence by the segmenter
    for i in range(right - 1, left - 1, -1):
        if "\n" in doc[i].text or doc[i].text in ("—", "--"):
            left = i + 1
            break
    while right > left and (doc[right - 1].is_punct or doc[right - 1].is_space):
        right -= 1
    while left < right and doc[left].is_space:
        left += 1
    return left, right


def _paragraph(doc: Any, sent: Any, i: int) -> range:
    """Token range of the sentence part between line breaks around token i (the segmenter
    sometimes glues a headline or dateline to the first sentence)."""
    left, right = sent.start, sent.end
    for j in range(i - 1, sent.start - 1, -1):
        if "\n" in doc[j].text:
            left = j + 1
            break
    for j in range(i, sent.end):
        if "\n" in doc[j].text:
            right = j
            break
    return range(left, right)


def _speaker(doc: Any, verb: Any, within: range) -> Optional[Any]:
    """The subject of a speech verb, mending misparses of attributions: "..., the World Bank
    calculated" (subject parsed as object + acl), "..., a Western assessment seen by us says"
    (subject parsed as an apposition), a subject tied to a headline above it."""
    subject = _subject(verb)
    if subject is not None:
        return subject
    if verb.dep_ == "acl" and verb.head.pos_ in ("NOUN", "PROPN") and verb.head.i == verb.i - 1:
        return verb.head
    boundary = max((j for j in within if j < verb.i and doc[j].text == ","), default=within.start - 1)
    if boundary >= verb.i - 1:
        return None
    node = doc[verb.i - 1]
    while boundary < node.head.i < verb.i and node.head.i != node.i:
        node = node.head
    return node if node.pos_ in ("NOUN", "PROPN", "PRON") else None


def _claimant(doc: Any, phrase: _Phrase, sent: Any) -> Optional[tuple[int, int, str]]:
    """Who the figure is attributed to: "according to X", or the subject of a speech verb."""
    span = range(phrase.start, phrase.end)
    within = _paragraph(doc, sent, phrase.start)
    root = _phrase_root(doc, phrase.core_start, phrase.end)
    # "the 41 aircraft claimed by Kyiv": a participle on the counted noun names its source
    for noun in (root, root.head):
        for verb in noun.children:
            if verb.dep_ == "acl" and verb.lemma_ in SPEECH_VERBS:
                agent = _subject(verb)
                if agent is not None and agent.i not in span:
                    left, right = _trimmed(doc, agent)
                    return left, right, f"speech-{verb.lemma_}"
    candidates = []
    for i in within:
        token = doc[i]
        if token.lower_ == "according":
            for to in token.children:
                if to.lower_ == "to":
                    objects = [c for c in to.children if c.dep_ == "pobj"]
                    if objects:
                        left, right = _trimmed(doc, objects[0])
                        candidates.append((abs(token.i - phrase.start), left, right, "according-to"))
    if candidates:
        _, left, right, rule = min(candidates)
        return left, right, rule

    def claimed_by(verb: Any) -> Optional[tuple[int, int, str]]:
        speaker = _speaker(doc, verb, within)
        if speaker is None or speaker.i in span or speaker.i not in within:
            return None
        left, right = _trimmed(doc, speaker)
        if left <= phrase.start < right:
            return None
        return left, right, f"speech-{verb.lemma_}"

    # speech verbs governing the figure's clause ("X said", "one official told me")
    token = root
    while token.head.i != token.i:
        token = token.head
        if token.i in within and token.pos_ in ("VERB", "AUX") and token.lemma_ in SPEECH_VERBS:
            found = claimed_by(token)
            if found:
                return found
    # a parenthetical speech verb with no complement of its own ("..., the Kremlin claims")
    parentheticals = [doc[i] for i in within if doc[i].lemma_ in SPEECH_VERBS and
                      doc[i].pos_ == "VERB" and i not in span and
                      not any(c.dep_ in ("ccomp", "dobj", "xcomp") for c in doc[i].children)]
    for verb in sorted(parentheticals, key=lambda v: abs(v.i - phrase.start)):
        found = claimed_by(verb)
        if found:
            return found
    return None


def _time_ref(doc: Any, phrase: _Phrase, sent: Any, figure_spans: Sequence[range]) -> Optional[str]:
    """The DATE expression in the figure's clause, with its preposition ("since February 2022")."""
    root = _phrase_root(doc, phrase.core_start, phrase.end)
    clause = _clause(root)
    best: Optional[tuple[int, str]] = None
    for ent in sent.ents:
        if ent.label_ != "DATE":
            continue
        if any(ent.start < r.stop and r.start < ent.end for r in figure_spans):
            continue
        if not any(ch.isdigit() for ch in ent.text) and not any(
                t.lower_ in MONTHS or t.lower_ in ("year", "month", "week", "yesterday", "today")
                for t in ent):
            continue
        if _clause(ent.root).i != clause.i:
            continue
        start = ent.start
        if start > sent.start and doc[start - 1].lower_ in TIME_PREPOSITIONS and \
                doc[start - 1].dep_ in ("prep", "advmod", "quantmod"):
            start -= 1
            if doc[start].lower_ == "of" and start > sent.start and doc[start - 1].lower_ == "as":
                start -= 1
        distance = min(abs(ent.start - phrase.end), abs(phrase.start - ent.end))
        text = doc[start:ent.end].text
        if best is None or distance < best[0]:
            best = (distance, text)
    return best[1] if best else None


# --------------------------------------------------------------------------- public API


def _keep(category: str, phrase: _Phrase, counted: Optional[Any]) -> bool:
    """Precision filter: plain counts are figures only when they are large or analytic."""
    if counted is not None and counted.lemma_.lower() in NON_ANALYTIC_NOUNS:
        return category in ("money", "casualties") or (phrase.value or 0) >= 1000
    if category != "other" or phrase.unit in OTHER_UNITS.values():
        return True
    magnitude = phrase.value if phrase.value is not None else (phrase.high or 0)
    return magnitude >= 1000 or phrase.vague and counted is not None


def find_figures(doc: Any, actor_spans: Iterable[ActorSpan] = (), article_id: str = "") -> list[Figure]:
    """All figures in a parsed spaCy ``doc``, in text order.

    ``actor_spans`` are ``(start_char, end_char, actor_id)`` of actor mentions; a claimant
    overlapping one gets its ``claimant_actor``. ``article_id`` only seeds record ids.
    """
    actors = list(actor_spans)
    sentences = list(doc.sents)
    phrases = [(index, phrase) for index, phrase in _number_phrases(doc, sentences)
               if not _is_excluded(doc, phrase, sentences[index].start)]
    spans = [range(phrase.start, phrase.end) for _, phrase in phrases]
    figures: list[Figure] = []
    for sent_index, phrase in phrases:
        previous = figures[-1] if figures and figures[-1].sentence == sent_index else None
        figure = _figure(doc, phrase, sentences[sent_index], sent_index, previous, actors, spans,
                         article_id)
        if figure is not None:
            figures.append(figure)
    return figures


def _number_phrases(doc: Any, sentences: Sequence[Any]) -> Iterable[tuple[int, _Phrase]]:
    """Every number phrase, left to right, with the index of its sentence."""
    for sent_index, sent in enumerate(sentences):
        i = sent.start
        while i < sent.end:
            phrase = _read_phrase(doc, i, sent.end) if _can_start(doc[i]) else None
            if phrase is None:
                i += 1
                continue
            yield sent_index, phrase
            i = max(phrase.end, i + 1)


def _figure(doc: Any, phrase: _Phrase, sent: Any, sent_index: int, previous: Optional[Figure],
            actors: Sequence[ActorSpan], spans: Sequence[range], article_id: str) -> Optional[Figure]:
    """The figure a number phrase makes, or None when it is not one worth keeping."""
    counted, counted_span, counted_rule = _counted(doc, phrase)
    if counted is not None and counted.pos_ == "PRON":
        antecedent = _antecedent(counted)  # "the region, three-quarters of which"
        if antecedent is not None:
            counted, counted_span = antecedent, _noun_span(doc, antecedent, range(phrase.start, phrase.end))
        else:  # "about 1.2 million of them": left to the previous figure
            counted, counted_span, counted_rule = None, None, "none"
    category, unit = _category(doc, phrase, counted)
    counted_text = doc[counted_span[0]:counted_span[1]].text if counted_span else None
    if counted is None and unit is None and category == "other" and previous is not None and \
            previous.category in ("people", "casualties", "weapons"):
        # "up from about 110 in April", "1,000 people for 1,000": the same thing again
        category, unit, counted_text, counted_rule = (previous.category, previous.unit,
                                                      previous.counted, "inherited")
    elif not _keep(category, phrase, counted) or (
            category in ("people", "other") and (phrase.value or 0) < 10 and _is_source_count(counted)):
        return None
    claimant_text = claimant_actor = None
    claim_rule = "none"
    claimant = _claimant(doc, phrase, sent)
    if claimant is not None:
        left, right, claim_rule = claimant
        c_start, c_end = doc[left].idx, doc[right - 1].idx + len(doc[right - 1])
        claimant_text = doc.text[c_start:c_end]
        claimant_actor = _actor_of(c_start, c_end, actors)
    start_char = doc[phrase.start].idx
    end_char = doc[phrase.end - 1].idx + len(doc[phrase.end - 1])
    rule = f"{phrase.shape};counted:{counted_rule};claimant:{claim_rule}"
    if phrase.approx:
        rule += f";approx:{phrase.approx}"
    return Figure(
        id=record_id(article_id, "figure", start_char, end_char),
        text=doc.text[start_char:end_char], start=start_char, end=end_char,
        value=phrase.value, low=phrase.low, high=phrase.high, unit=unit,
        counted=counted_text, category=category, claimant_text=claimant_text,
        claimant_actor=claimant_actor, time_ref=_time_ref(doc, phrase, sent, spans),
        approximate=phrase.approx is not None, sentence=sent_index,
        confidence=0.5 if category == "other" else 0.8, rule=rule)


def _actor_of(start: int, end: int, actors: Sequence[ActorSpan]) -> Optional[str]:
    """The actor whose mention covers most of the claimant ("Ukraine's air force" rather
    than the "Ukraine" inside it, when both are linked)."""
    best: Optional[tuple[int, int, str]] = None
    for a_start, a_end, actor in actors:
        overlap = min(end, a_end) - max(start, a_start)
        if overlap > 0 and (best is None or (overlap, a_end - a_start) > best[:2]):
            best = (overlap, a_end - a_start, actor)
    return best[2] if best else None


def _can_start(token: Any) -> bool:
    low = token.lower_
    return (token.like_num or low in CURRENCY_SYMBOLS or low in VAGUE_PLURALS or
            low in FRACTIONS or low in ("a", "an", "dozen", "hundred", "thousand", "million", "billion") or
            token.text in CURRENCY_CODES or bool(_DIGITS_WITH_SUFFIX.match(token.text)))


@stage(requires=("article.doc",), assigns=("article.figures",), english_only=True)
def extract_figures(article: Article, ctx: Context) -> Article:
    """Numeric figures with value, unit, counted noun, category, claimant and time."""
    if article.doc is None:
        return article
    spans = [(m.start, m.end, actor.id) for actor in article.actors for m in actor.mentions]
    article.figures = find_figures(article.doc, spans, article.id)
    return article
