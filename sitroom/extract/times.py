"""Time expressions: a rule-based TIMEX3 tagger and normaliser (HeidelTime style).

A pattern set (regular expressions over the raw text) proposes candidate
expressions; each pattern has a normalisation function that turns the match into
a TIMEX3 ``type`` (DATE, TIME, DURATION, SET) and ``value`` resolved against the
reference (publication) date. Overlapping candidates are settled longest first,
so "late last July" beats "July" and "the past two years" beats "two years".

Values keep the granularity the text gives and never invent finer parts:
"February 2025" is ``2025-02``, "last summer" ``2024-SU``, "the 1990s" ``199``,
"the 20th century" ``19``, "this week" ``2025-W11``, "48 hours" ``PT48H``,
"several days" ``PXD``, "every week" ``P1W``, "now" ``PRESENT_REF``.

Extents follow TimeML/TempEval-3: prepositions are left out ("on *Friday*"),
modifiers that change the period are kept ("*early December*", "*late last
July*", "*four years ago*"), and "the" is kept where it belongs to the phrase
("*the past two years*", "*the 20th century*", "*the end of the year*").

Under-specified dates are resolved the way news is written: a bare month or
weekday refers to the nearest one at or before the reference date, unless the
words around it point to the future ("will", "until", "by", "scheduled", ...);
"March 11" without a year takes the year that puts it nearest to the reference
date in the direction the tense indicates. Without a reference date, relative
expressions that need one are skipped and partial dates keep ``X`` placeholders
(``XXXX-03-11``, ``XXXX-WXX-2``).

The tense of a sentence is read from cue words nearest the expression (modal and
future words, past-tense verbs, governing prepositions), without a parser, so the
tagger needs nothing but the text. "The next day" counts from the latest date stated
before it, a bare clock time takes the date named earlier in its sentence;
holidays (Christmas, Easter and Orthodox Easter, Victory Day, Thanksgiving, ...)
resolve to their date in the nearest year.

Named periods ("early in Trump's second term") need outside knowledge: pass
``resolve_named_period(text) -> (start, end) | None`` (the actor layer knows term
dates). "early/late/midway in X's term" then becomes a DATE at year granularity
(the year the period starts, ends or is halfway through); "during X's term" a
DURATION of its length.
Without a resolver such phrases are skipped rather than guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Optional, Union

from ..models import Article, InferredDate, TimeExpr, record_id
from ..stage import Context, stage

NamedPeriodResolver = Callable[[str], Optional[tuple[date, date]]]
Direction = Optional[str]  # "past", "future" or None (no cue)

# --------------------------------------------------------------------------- lexicon

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7}
SEASONS = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}
PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "tonight": "NI"}
ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "twenty-first": 21, "twenty first": 21,
}
FUZZY_AMOUNTS = ("several", "a few", "few", "some", "many", "multiple", "numerous", "dozens of",
                 "hundreds of", "countless", "a number of")
# unit -> (ISO 8601 designator, is a time-of-day unit, multiplier)
UNITS = {
    "second": ("S", True, 1), "minute": ("M", True, 1), "hour": ("H", True, 1), "day": ("D", False, 1),
    "week": ("W", False, 1), "fortnight": ("W", False, 2), "month": ("M", False, 1),
    "year": ("Y", False, 1), "decade": ("Y", False, 10), "century": ("Y", False, 100),
}
# Fuzzy decades and centuries have their own TIMEX3 designators.
FUZZY_UNIT_VALUES = {"decade": "PXDE", "century": "PXCE"}
# Set adverbs -> period.
SET_ADVERBS = {"hourly": "PT1H", "daily": "P1D", "nightly": "P1D", "weekly": "P1W", "biweekly": "P2W",
               "fortnightly": "P2W", "monthly": "P1M", "quarterly": "P3M", "annually": "P1Y",
               "yearly": "P1Y"}

# Words after a four-digit number that show it counts things rather than names a year.
COUNTED_NOUNS = frozenset("""
people persons troops soldiers servicemen men women children civilians residents refugees fighters
prisoners pows detainees captives hostages casualties deaths dead killed wounded injured victims
km kilometres kilometers miles metres meters feet yards tons tonnes barrels units cases homes houses
buildings drones missiles rockets shells rounds tanks vehicles aircraft jets times points votes seats
dollars euros rubles roubles hryvnias pounds hectares acres square sq villages towns settlements
strikes attacks sorties employees workers jobs members delegates students doctors officers volunteers
""".split())

# Tense cues for resolving under-specified dates; the nearest cue wins.
FUTURE_CUES = frozenset("""
will shall 'll wo won't going plans plan planning planned scheduled schedule expected expects expect
due upcoming next intends intend intended aims aim hopes hope tomorrow must may might soon forthcoming
slated poised would
""".split())
PAST_CUES = frozenset("""
was were had did said told ago yesterday last earlier previously began came went took met
gave made fled held left lost won sent struck fell rose saw spoke wrote broke led paid sold bought
brought thought found became ran got kept shot sat stood understood withdrew
drew grew knew threw flew swore tore wore
""".split())
NOT_PAST_PARTICIPLES = frozenset("need indeed speed seed feed bleed breed proceed exceed succeed "
                                 "hundred red bed shed weed greed creed deed freed".split())
# Prepositions that govern the expression ("until Saturday", "by April") point to the
# future only right before it. A past verb next to "through" outweighs it ("continued
# through Monday"); "by" counts only when no verb in the sentence gives a tense ("had
# fallen by April"). "since" always looks back.
PREPOSITION_CUES = {"until": ("future", 0.0), "till": ("future", 0.0), "through": ("future", 1.5),
                    "by": ("future", 10.0), "since": ("past", 0.0)}
# An attribution after the expression ("..., officials said") says when it was
# reported, not when the reported thing happens.
REPORTING_VERBS = frozenset("said says told added stated noted reported announced claimed according wrote".split())
# Extra distance for a cue in a later clause than the expression's.
OTHER_CLAUSE_PENALTY = 8.0
# A participle after a form of "be" is passive ("is due to be published"), not past;
# "set" counts only in "set to", a future.
BE_FORMS = frozenset("be been being is are am".split())

# --------------------------------------------------------------------------- regex pieces

_MONTH_FULL = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTH_ABBR = r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
MONTH_RE = rf"(?-i:{_MONTH_FULL}|(?:{_MONTH_ABBR})\.?)"
MONTH_FULL_RE = rf"(?-i:{_MONTH_FULL})"
WEEKDAY_RE = r"(?-i:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_ONES_RE = "|".join(sorted(ONES, key=len, reverse=True))
_TENS_RE = "|".join(TENS)
NUMBER_RE = (rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|(?:{_TENS_RE})(?:[-\s](?:{_ONES_RE}))?|{_ONES_RE}"
             r"|a\s+couple\s+of|a\s+couple|a\s+dozen|a\s+single|an?(?=[\s-])|a\s+hundred)")
FUZZY_RE = "|".join(a.replace(" ", r"\s+") for a in sorted(FUZZY_AMOUNTS, key=len, reverse=True))
AMOUNT_RE = rf"(?:(?:{FUZZY_RE})|{NUMBER_RE})"
UNIT_RE = r"(?:seconds?|minutes?|hours?|days?|weeks?|fortnights?|months?|years?|decades?|centur(?:y|ies))"
PLURAL_UNIT_RE = r"(?:seconds|minutes|hours|days|weeks|months|years|decades|centuries)"
MOD_RE = (r"(?:(?P<mod>early|late|mid|earlier|later|end(?=-)|(?:the\s+)?(?:end|beginning|start|middle)\s+of"
          r"|the\s+(?:first|second)\s+half\s+of)[\s-]+)?")
TIMEZONE_RE = r"(?:GMT|UTC|[ECMP][SD]?T|CET|CEST|EET|EEST|MSK|BST|local\s+time|(?:Kyiv|Kiev|Moscow)\s+time)"


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    type: str
    value: str
    granularity: Optional[str]
    rule: str
    anchor: Optional[str] = None


Handled = Union[None, _Found, list[_Found]]


class _Doc:
    """The text being tagged with what its rules need: reference date and tense cues."""

    def __init__(self, text: str, reference: Optional[date], resolve_named_period: Optional[NamedPeriodResolver]):
        self.text = text
        self.reference = reference
        self.resolve_named_period = resolve_named_period
        self.anchor = reference.isoformat() if reference else None

    def sentence_bounds(self, start: int, end: int) -> tuple[int, int]:
        left = max(self.text.rfind("\n", 0, start), _last_sentence_end(self.text, start))
        right_candidates = [i for i in (self.text.find("\n", end), _next_sentence_end(self.text, end)) if i >= 0]
        return left + 1, min(right_candidates) if right_candidates else len(self.text)

    def previous_word(self, start: int) -> str:
        match = re.search(r"([A-Za-z']+)\W*$", self.text[max(0, start - 40):start])
        return match.group(1).lower() if match else ""

    def direction(self, start: int, end: int) -> Direction:
        """Past or future by the nearest tense cue in the sentence around [start, end)."""
        left, right = self.sentence_bounds(start, end)
        best: tuple[float, Direction] = (float("inf"), None)
        before = list(re.finditer(r"[A-Za-z]+(?:'[a-z]+)?", self.text[left:start]))
        after = list(re.finditer(r"[A-Za-z]+(?:'[a-z]+)?", self.text[end:right]))
        # (distance in words, word, is before the expression, a comma separates it from the expression)
        words = [(len(before) - i, m.group(0), True, False) for i, m in enumerate(before)] + \
                [(i + 1, m.group(0), False, "," in self.text[end:end + m.start()]) for i, m in enumerate(after)]
        # A fronted expression ("On Friday, Russia attacked") belongs to the clause after the
        # comma; otherwise that clause is another one ("drafted in October, would cap ...").
        fronted = len(before) <= 2
        for index, (distance, word, is_before, after_comma) in enumerate(words):
            lower = word.lower()
            previous = words[index - 1][1].lower() if index else ""
            following = words[index + 1][1].lower() if index + 1 < len(words) else ""
            if lower in REPORTING_VERBS and after_comma:
                continue
            clause_penalty = OTHER_CLAUSE_PENALTY if after_comma and not fronted else 0.0
            if lower in PREPOSITION_CUES:
                if distance > 2 or not is_before:
                    continue
                cue, weight = PREPOSITION_CUES[lower]
                score = distance + weight
            elif lower == "set":
                cue, score = ("future" if following == "to" else None), float(distance)
            else:
                cue, score = _tense_of(word), float(distance)
                if cue == "past" and previous in BE_FORMS:
                    cue = None
            if cue is not None and score + clause_penalty < best[0]:
                best = (score + clause_penalty, cue)
        return best[1]


def _last_sentence_end(text: str, pos: int) -> int:
    for match in reversed(list(re.finditer(r"[.!?][\"'”’)]?\s+(?=[A-Z\"“‘(])", text[max(0, pos - 400):pos]))):
        return max(0, pos - 400) + match.start() + 1
    return -1


def _next_sentence_end(text: str, pos: int) -> int:
    match = re.search(r"[.!?][\"'”’)]?(?:\s+(?=[A-Z\"“‘(])|$)", text[pos:pos + 400])
    return pos + match.start() + 1 if match else -1


def _tense_of(word: str) -> Direction:
    lower = word.lower()
    if lower in FUTURE_CUES or lower.endswith("'ll"):
        return "future"
    if lower in PAST_CUES:
        return "past"
    # A lower-case -ed word is a past verb or participle; capitalised ones are mostly names.
    if word.islower() and len(lower) >= 4 and lower.endswith("ed") and lower not in NOT_PAST_PARTICIPLES:
        return "past"
    return None


# --------------------------------------------------------------------------- value helpers


def parse_amount(raw: str) -> Optional[float]:
    """A spelled or written amount as a number; None for fuzzy amounts ("several")."""
    text = re.sub(r"\s+", " ", raw.lower().replace(",", "")).strip()
    if text in FUZZY_AMOUNTS:
        return None
    if text in ("a", "an", "a single", "one"):
        return 1.0
    if text in ("a couple", "a couple of"):
        return 2.0
    if text == "a dozen":
        return 12.0
    if text == "a hundred":
        return 100.0
    try:
        return float(text)
    except ValueError:
        pass
    total = 0
    for part in re.split(r"[\s-]+", text):
        if part in ONES:
            total += ONES[part]
        elif part in TENS:
            total += TENS[part]
        else:
            return None
    return float(total)


def duration_value(amount: Optional[float], unit: str) -> str:
    """TIMEX3 duration value: (3, "year") -> P3Y, (48, "hour") -> PT48H, (None, "day") -> PXD."""
    unit = unit.lower().rstrip("s")
    unit = "century" if unit.startswith("centur") else unit
    designator, is_clock, multiplier = UNITS[unit]
    prefix = "PT" if is_clock else "P"
    if amount is None:
        return FUZZY_UNIT_VALUES.get(unit, f"{prefix}X{designator}")
    amount *= multiplier
    if amount != int(amount):
        # Half units read better one unit down: 1.5 years is P18M, half an hour PT30M.
        smaller = {"Y": (12, "P", "M"), "D": (24, "PT", "H"), "H": (60, "PT", "M"), "W": (7, "P", "D")}
        if designator in smaller and not (designator == "M" and is_clock):
            factor, prefix, designator = smaller[designator]
            amount *= factor
    number = int(amount) if amount == int(amount) else round(amount, 2)
    return f"{prefix}{number}{designator}"


def _month_shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _latest_weekday(reference: date, weekday: int, direction: Direction, strict: bool = False) -> date:
    """The weekday nearest the reference in the given direction (past when unknown)."""
    if direction == "future":
        delta = (weekday - reference.isoweekday()) % 7
        return reference + timedelta(days=delta or (7 if strict else 0))
    delta = (reference.isoweekday() - weekday) % 7
    return reference - timedelta(days=delta or (7 if strict else 0))


def _month_in_direction(reference: date, month: int, direction: Direction, strict: bool = False) -> tuple[int, int]:
    if direction == "future":
        year = reference.year if month > reference.month or (month == reference.month and not strict) \
            else reference.year + 1
    else:
        year = reference.year if month < reference.month or (month == reference.month and not strict) \
            else reference.year - 1
    return year, month


def _day_in_direction(reference: date, month: int, day: int, direction: Direction) -> Optional[date]:
    candidates = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    if direction == "past":
        earlier = [c for c in candidates if c <= reference]
        return max(earlier) if earlier else min(candidates)
    if direction == "future":
        later = [c for c in candidates if c >= reference]
        return min(later) if later else max(candidates)
    return min(candidates, key=lambda c: (abs((c - reference).days), c.year != reference.year))


def _season_of(day: date) -> tuple[int, str]:
    if day.month in (1, 2):
        return day.year - 1, "WI"
    return day.year, {3: "SP", 4: "SP", 5: "SP", 6: "SU", 7: "SU", 8: "SU", 9: "FA", 10: "FA", 11: "FA",
                      12: "WI"}[day.month]


def _season_index(year: int, season: str) -> int:
    return year * 4 + ["SP", "SU", "FA", "WI"].index(season)


def _resolve_season(reference: date, season: str, relation: str, direction: Direction) -> str:
    current = _season_index(*_season_of(reference))
    wanted = ["SP", "SU", "FA", "WI"].index(season)
    candidates = [current - 4 + k for k in range(9) if (current - 4 + k) % 4 == wanted]
    if relation == "this":
        index = next(c for c in candidates if c // 4 == reference.year) if season != "WI" or reference.month > 2 \
            else next(c for c in candidates if c // 4 == reference.year - 1)
    elif relation == "last":
        index = max(c for c in candidates if c < current)
    elif relation == "next":
        index = min(c for c in candidates if c > current)
    elif direction == "future":
        index = min(c for c in candidates if c >= current)
    else:
        index = max(c for c in candidates if c <= current)
    return f"{index // 4:04d}-{['SP', 'SU', 'FA', 'WI'][index % 4]}"


def _with_half(value: str, mod: Optional[str]) -> str:
    """'the first half of 2025' -> 2025-H1; other modifiers keep the period's value (TIMEX3 mod)."""
    if mod and "half" in mod and re.fullmatch(r"\d{4}", value):
        return f"{value}-H{1 if 'first' in mod else 2}"
    return value


def _span(match: re.Match, group: str = "t") -> tuple[int, int]:
    if group in match.re.groupindex and match.group(group) is not None:
        return match.start(group), match.end(group)
    return match.start(), match.end()


# --------------------------------------------------------------------------- rules

_Handler = Callable[[re.Match, _Doc], Handled]


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern
    handler: _Handler
    priority: int


RULES: list[_Rule] = []


def _rule(pattern: str, *, priority: int = 5, flags: int = re.IGNORECASE) -> Callable[[_Handler], _Handler]:
    """Register a pattern and its normaliser; the handler names the rule in what it returns."""
    compiled = re.compile(rf"(?<![\w$€£])(?:{pattern})(?!\w)", flags)

    def register(handler: _Handler) -> _Handler:
        RULES.append(_Rule(compiled, handler, priority))
        return handler
    return register


def _date_found(match: re.Match, rule: str, value: str, granularity: str, doc: _Doc,
                relative: bool = True, type_: str = "DATE") -> _Found:
    start, end = _span(match)
    return _Found(start, end, type_, value, granularity, rule, doc.anchor if relative else None)


@_rule(r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})(?:T(?P<h>\d{2}):(?P<mi>\d{2}))?", priority=1)
def _iso_date(m: re.Match, doc: _Doc) -> Handled:
    try:
        day = date(int(m["y"]), int(m["mo"]), int(m["d"]))
    except ValueError:
        return None
    if m["h"]:
        return _date_found(m, "iso_date", f"{day.isoformat()}T{m['h']}:{m['mi']}", "time", doc, False, "TIME")
    return _date_found(m, "iso_date", day.isoformat(), "day", doc, relative=False)


@_rule(r"(?P<a>\d{1,2})(?P<sep>[./])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})", priority=1)
def _numeric_date(m: re.Match, doc: _Doc) -> Handled:
    """11.03.2025 is day-month-year; with slashes the order is taken only when a part exceeds 12."""
    first, second = int(m["a"]), int(m["b"])
    if m["sep"] == ".":
        day, month = first, second
    elif first > 12 >= second:
        day, month = first, second
    elif second > 12 >= first:
        day, month = second, first
    else:
        return None  # 03/04/2025: March 4 in the US, 3 April elsewhere
    try:
        value = date(int(m["y"]), month, day).isoformat()
    except ValueError:
        return None
    return _date_found(m, "numeric_date", value, "day", doc, relative=False)


def _full_date(m: re.Match, doc: _Doc, rule: str) -> Handled:
    month = MONTHS[m["mo"].lower().rstrip(".")]
    day = int(m["d"])
    if not 1 <= day <= 31:
        return None
    if m["y"]:
        try:
            value = date(int(m["y"]), month, day).isoformat()
        except ValueError:
            return None
        found = [_date_found(m, rule, value, "day", doc, relative=False)]
    elif doc.reference:
        resolved = _day_in_direction(doc.reference, month, day, doc.direction(m.start(), m.end()))
        if resolved is None:
            return None
        found = [_date_found(m, rule, resolved.isoformat(), "day", doc)]
    else:
        found = [_Found(*_span(m), "DATE", f"XXXX-{month:02d}-{day:02d}", "day", rule)]
    if m.groupdict().get("d2"):
        second_day = int(m["d2"])
        year = found[0].value[:4]
        if second_day > day and second_day <= calendar.monthrange(2000 if year == "XXXX" else int(year),
                                                                  month)[1]:
            found = [_Found(found[0].start, m.start("dash"), "DATE", found[0].value, "day", rule, found[0].anchor),
                     _Found(m.start("d2"), m.end("d2"), "DATE", f"{found[0].value[:8]}{second_day:02d}", "day",
                            rule, found[0].anchor)]
    return found


@_rule(rf"(?:(?:{WEEKDAY_RE}),?\s+)?{MOD_RE}(?P<mo>{MONTH_RE})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
       rf"(?:(?P<dash>\s*[-–]\s*)(?P<d2>\d{{1,2}})(?!\d))?(?:,?\s+(?P<y>\d{{4}}))?(?![\d:])",
       priority=2)
def _month_day(m: re.Match, doc: _Doc) -> Handled:
    return _full_date(m, doc, "month_day")


@_rule(rf"(?:(?:{WEEKDAY_RE}),?\s+)?(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?"
       rf"(?P<mo>{MONTH_RE})(?:,?\s+(?P<y>\d{{4}}))?", priority=2)
def _day_month(m: re.Match, doc: _Doc) -> Handled:
    return _full_date(m, doc, "day_month")


@_rule(rf"{MOD_RE}(?P<mo>{MONTH_RE})(?:\s+of|,)?\s+(?P<y>\d{{4}})")
def _month_year(m: re.Match, doc: _Doc) -> Handled:
    month = MONTHS[m["mo"].lower().rstrip(".")]
    return _date_found(m, "month_year", f"{m['y']}-{month:02d}", "month", doc, relative=False)


@_rule(rf"{MOD_RE}(?P<mo>{MONTH_FULL_RE})(?:\s+of)?\s+(?P<rel>this|last|next)\s+year")
def _month_relative_year(m: re.Match, doc: _Doc) -> Handled:
    if not doc.reference:
        return None
    year = doc.reference.year + {"this": 0, "last": -1, "next": 1}[m["rel"].lower()]
    return _date_found(m, "month_relative_year", f"{year}-{MONTHS[m['mo'].lower()]:02d}", "month", doc)


@_rule(rf"{MOD_RE}(?P<rel>last|next|this|(?:this\s+)?coming|past)\s+(?P<mo>{MONTH_FULL_RE})")
def _relative_month_name(m: re.Match, doc: _Doc) -> Handled:
    if not doc.reference:
        return None
    month = MONTHS[m["mo"].lower()]
    relation = m["rel"].lower()
    if relation == "this":
        year = doc.reference.year
    else:
        year, _ = _month_in_direction(doc.reference, month, "past" if relation in ("last", "past") else "future",
                                      strict=True)
    return _date_found(m, "relative_month_name", f"{year}-{month:02d}", "month", doc)


# A bare month needs a context that makes it a date: "May" is also a verb, "June" a name.
MONTH_CONTEXT_WORDS = frozenset("in since until till by of from through throughout during before after "
                                "early late mid end beginning start between and or to last".split())


@_rule(rf"{MOD_RE}(?P<mo>{MONTH_FULL_RE})(?!\s+\d)")
def _month(m: re.Match, doc: _Doc) -> Handled:
    name = m["mo"]
    previous = doc.previous_word(m.start())
    if not m["mod"] and name == "May" and previous not in MONTH_CONTEXT_WORDS:
        return None
    if not m["mod"] and re.match(r"\s+[A-Z][a-z]", doc.text[m.end():m.end() + 3]):  # "June Smith"
        return None
    month = MONTHS[name.lower()]
    if not doc.reference:
        return _Found(*_span(m), "DATE", f"XXXX-{month:02d}", "month", "month")
    year, _ = _month_in_direction(doc.reference, month, doc.direction(m.start(), m.end()) or "past")
    return _date_found(m, "month", f"{year}-{month:02d}", "month", doc)


def _plausible_year(doc: _Doc, start: int, end: int) -> bool:
    before, after = doc.text[max(0, start - 2):start], doc.text[end:end + 25]
    if re.search(r"[$€£#]\s?$|\d[,./]$", before) or \
            re.match(r"\s*(?:%|,\d{3}|\.\d|\s*per\s*cent|\s*percent)", after):
        return False
    next_word = re.match(r"[\s-]*([A-Za-z]+)", after)
    return not (next_word and next_word.group(1).lower() in COUNTED_NOUNS)


@_rule(rf"{MOD_RE}(?:(?P<fiscal>fiscal(?:\s+year)?|FY)\s*)?(?P<y>(?:1[89]|20|21)\d{{2}})"
       r"(?:(?P<dash>\s*[-–/]\s*)(?P<y2>\d{4}|\d{2})(?![\d-]))?(?!\s*(?:st|nd|rd|th)\b)")
def _year(m: re.Match, doc: _Doc) -> Handled:
    if not _plausible_year(doc, m.start("y"), m.end()):
        return None
    first = _Found(m.start(), m.end("y"), "DATE", _with_half(m["y"], m["mod"]), "year", "year")
    if not m["y2"]:
        return first
    second = m["y2"] if len(m["y2"]) == 4 else m["y"][:2] + m["y2"]
    if int(second) <= int(m["y"]) or int(second) - int(m["y"]) > 50:
        return first if m["dash"].strip() != "/" else None
    return [first, _Found(m.start("y2"), m.end("y2"), "DATE", second, "year", "year")]


@_rule(rf"(?:the\s+)?{MOD_RE}(?:(?P<full>(?:1[89]|20)\d0)|'(?P<short>\d0))'?s")
def _decade(m: re.Match, doc: _Doc) -> Handled:
    if m["full"]:
        value = m["full"][:3]
    else:
        century = "19" if doc.reference is None or int(m["short"]) > doc.reference.year % 100 else "20"
        value = century + m["short"][0]
    return _date_found(m, "decade", value, "decade", doc, relative=False)


_ORDINAL_RE = "|".join(sorted(ORDINALS, key=len, reverse=True)).replace(" ", r"\s")


@_rule(rf"(?:the\s+)?{MOD_RE}(?P<ord>\d{{1,2}}(?:st|nd|rd|th)|{_ORDINAL_RE})[\s-]+century")
def _century(m: re.Match, doc: _Doc) -> Handled:
    raw = m["ord"].lower()
    number = int(raw[:-2]) if raw[0].isdigit() else ORDINALS[re.sub(r"\s+", " ", raw)]
    return _date_found(m, "century", f"{number - 1:02d}", "century", doc, relative=False)


@_rule(rf"{MOD_RE}(?:(?P<rel>this|last|next|(?:the\s+)?coming|past|the)\s+)?"
       r"(?P<s>spring|summer|autumn|fall|winter)(?:\s+(?:of\s+)?(?P<y>\d{4}))?")
def _season(m: re.Match, doc: _Doc) -> Handled:
    season = SEASONS[m["s"].lower()]
    relation = (m["rel"] or "").lower().replace("the ", "").strip()
    if m["y"]:
        return _date_found(m, "season", f"{m['y']}-{season}", "season", doc, relative=False)
    previous = doc.previous_word(m.start())
    if not relation and not m["mod"] and previous not in ("in", "during", "by", "until", "since", "through", "over"):
        return None
    if m["s"].lower() == "fall" and relation in ("", "the") and not m["mod"]:
        return None  # "the fall of Bakhmut"
    if relation == "the" and re.match(r"\s+of\s+[A-Z]", doc.text[m.end():m.end() + 5]):
        return None
    if not doc.reference:
        return _Found(*_span(m), "DATE", f"XXXX-{season}", "season", "season")
    relation = {"past": "last", "coming": "next"}.get(relation, relation)
    value = _resolve_season(doc.reference, season, relation, doc.direction(m.start(), m.end()))
    return _date_found(m, "season", value, "season", doc)


_QUARTER_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
                     "final": 4, "last": 4}


@_rule(r"(?:the\s+)?(?P<ord>first|second|third|fourth|final|1st|2nd|3rd|4th)\s+quarter"
       r"(?:\s+of\s+(?:(?P<y>\d{4})|(?P<rel>this|last|next)\s+year|the\s+year))?"
       r"|Q(?P<q>[1-4])(?:\s+(?P<y2>\d{4}))?")
def _quarter(m: re.Match, doc: _Doc) -> Handled:
    quarter = int(m["q"]) if m["q"] else _QUARTER_ORDINALS[m["ord"].lower()]
    year_text = m["y"] or m["y2"]
    if year_text:
        return _date_found(m, "quarter", f"{year_text}-Q{quarter}", "quarter", doc, relative=False)
    if not doc.reference:
        return _Found(*_span(m), "DATE", f"XXXX-Q{quarter}", "quarter", "quarter")
    if m["rel"]:
        year = doc.reference.year + {"this": 0, "last": -1, "next": 1}[m["rel"].lower()]
    else:
        current = (doc.reference.month - 1) // 3 + 1
        direction = doc.direction(m.start(), m.end())
        year = doc.reference.year
        if direction == "future" and quarter < current:
            year += 1
        elif direction != "future" and quarter > current:
            year -= 1
    return _date_found(m, "quarter", f"{year}-Q{quarter}", "quarter", doc)


def _shift_period(reference: date, unit: str, delta: int) -> tuple[str, str]:
    """Value and granularity of the calendar unit containing the reference, moved delta units."""
    if unit == "year":
        return f"{reference.year + delta:04d}", "year"
    if unit == "month":
        year, month = _month_shift(reference.year, reference.month, delta)
        return f"{year:04d}-{month:02d}", "month"
    if unit in ("week", "weekend"):
        week = _iso_week(reference + timedelta(weeks=delta))
        return (week + "-WE", "weekend") if unit == "weekend" else (week, "week")
    if unit == "quarter":
        index = reference.year * 4 + (reference.month - 1) // 3 + delta
        return f"{index // 4:04d}-Q{index % 4 + 1}", "quarter"
    if unit == "decade":
        return f"{reference.year // 10 + delta:03d}", "decade"
    if unit == "century":
        return f"{reference.year // 100 + delta:02d}", "century"
    if unit == "day":
        return (reference + timedelta(days=delta)).isoformat(), "day"
    raise ValueError(unit)


DURATIONAL_PREPOSITIONS = frozenset("over for within throughout during".split())


@_rule(rf"{MOD_RE}(?P<rel>this|last|next|past|previous|coming|current|this\s+coming"
       r"|the\s+(?:coming|current|past|last|next|following|previous))\s+(?:fiscal\s+)?"
       r"(?P<unit>year|month|week|weekend|quarter|decade|century)(?!-)")
def _relative_unit(m: re.Match, doc: _Doc) -> Handled:
    relation = re.sub(r"\s+", " ", m["rel"].lower())
    unit = m["unit"].lower()
    # "over the last year" measures a stretch of time; "in the last week" names one.
    durational = doc.previous_word(m.start()) in DURATIONAL_PREPOSITIONS and relation.startswith("the ")
    if unit != "weekend" and (durational or relation in ("the past", "the next")):
        return _Found(m.start(), m.end(), "DURATION", duration_value(1, unit), unit, "relative_unit")
    if relation in ("the following", "the previous"):
        return None  # narrative: resolved against the dates before it (ANCHORED_PATTERN)
    if not doc.reference:
        return None
    delta = {"this": 0, "current": 0, "the current": 0, "last": -1, "past": -1, "previous": -1, "the last": -1,
             "the past": -1, "next": 1, "coming": 1, "this coming": 1, "the coming": 1, "the next": 1}[relation]
    value, granularity = _shift_period(doc.reference, unit, delta)
    return _date_found(m, "relative_unit", _with_half(value, m["mod"]), granularity, doc)


@_rule(r"the\s+weekend")
def _weekend(m: re.Match, doc: _Doc) -> Handled:
    if doc.previous_word(m.start()) not in ("over", "at", "during", "on", "for", "until", "by", "through"):
        return None
    if not doc.reference:
        return _Found(m.start(), m.end(), "DATE", "XXXX-WXX-WE", "weekend", "weekend")
    on_weekend = doc.reference.isoweekday() >= 6
    if doc.direction(m.start(), m.end()) == "future":
        delta = 1 if on_weekend and doc.reference.isoweekday() == 7 else 0
    else:
        delta = 0 if on_weekend else -1
    value, granularity = _shift_period(doc.reference, "weekend", delta)
    return _date_found(m, "weekend", value, granularity, doc)


def western_easter(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l) // 433
    month = (h + l - 7 * m + 90) // 25
    return date(year, month, (h + l - 7 * m + 33 * month + 19) % 32)


def orthodox_easter(year: int) -> date:
    """Orthodox Easter Sunday (Meeus' Julian algorithm), as a Gregorian date (1900-2099)."""
    a, b, c = year % 4, year % 7, year % 19
    d = (19 * c + 15) % 30
    e = (2 * a + 4 * b - d + 34) % 7
    month, day = divmod(d + e + 114, 31)
    return date(year, month, day + 1) + timedelta(days=13)


# Holidays that name a day; those that move are computed per year.
FIXED_HOLIDAYS = {"christmas": (12, 25), "christmas day": (12, 25), "christmas eve": (12, 24),
                  "new year's day": (1, 1), "new year's eve": (12, 31), "orthodox christmas": (1, 7),
                  "victory day": (5, 9)}
def us_thanksgiving(year: int) -> date:
    """The fourth Thursday of November."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


MOVABLE_HOLIDAYS = {"easter": western_easter, "easter sunday": western_easter,
                    "orthodox easter": orthodox_easter, "thanksgiving": us_thanksgiving,
                    "thanksgiving day": us_thanksgiving}


@_rule(r"(?-i:(?P<name>Christmas(?:\s+(?:Day|Eve))?|New\s+Year['’]s\s+(?:Day|Eve)|Orthodox\s+Christmas"
       r"|Victory\s+Day|Easter(?:\s+Sunday)?|Orthodox\s+Easter|Thanksgiving(?:\s+Day)?))(?:,?\s+(?P<y>\d{4}))?")
def _holiday(m: re.Match, doc: _Doc) -> Handled:
    name = re.sub(r"\s+", " ", m["name"].lower().replace("’", "'"))
    def on(year: int) -> date:
        if name in FIXED_HOLIDAYS:
            return date(year, *FIXED_HOLIDAYS[name])
        return MOVABLE_HOLIDAYS[name](year)
    if m["y"]:
        return _date_found(m, "holiday", on(int(m["y"])).isoformat(), "day", doc, relative=False)
    if not doc.reference:
        return None
    # The nearest occurrence, unless the tense says otherwise and it is more than two weeks
    # away ("declared an Easter truce" days before Easter is about the coming one).
    direction = doc.direction(m.start(), m.end())
    candidates = [on(doc.reference.year + k) for k in (-1, 0, 1)]
    day = min(candidates, key=lambda c: abs((c - doc.reference).days))
    if direction == "past" and (day - doc.reference).days > 14:
        day = max(c for c in candidates if c <= doc.reference)
    elif direction == "future" and (doc.reference - day).days > 14:
        day = min(c for c in candidates if c >= doc.reference)
    return _date_found(m, "holiday", day.isoformat(), "day", doc)


# First month of each named part of a year.
PERIOD_START_MONTH = {"end": 12, "beginning": 1, "start": 1, "middle": 6, "first half": 1, "second half": 7}


@_rule(r"(?P<mod>(?:the\s+)?(?:end|beginning|start|middle)\s+of|the\s+(?:first|second)\s+half\s+of)"
       r"\s+(?:the\s+|this\s+)?year(?!-|s)")
def _period_of_year(m: re.Match, doc: _Doc) -> Handled:
    if not doc.reference:
        return None
    part = re.sub(r"^the\s+|\s+of$", "", re.sub(r"\s+", " ", m["mod"].lower()))
    year = doc.reference.year
    # Something that already happened "by the end of the year" in March happened last year.
    if doc.direction(m.start(), m.end()) == "past" and PERIOD_START_MONTH[part] > doc.reference.month:
        year -= 1
    return _date_found(m, "period_of_year", _with_half(str(year), m["mod"]), "year", doc)


@_rule(rf"(?:(?P<the>the)\s+)?(?P<rel>past|last|next|coming|following|previous|first|final)\s+"
       rf"(?:(?P<num>{AMOUNT_RE})\s+(?P<unit>{UNIT_RE})"
       rf"|(?<!first\s)(?<!final\s)(?P<bare>{PLURAL_UNIT_RE}))")
def _relative_duration(m: re.Match, doc: _Doc) -> Handled:
    if m["num"]:
        amount = parse_amount(m["num"])
        if amount == 1 and not re.search(r"(?i)\b(?:one|a single)$", m["num"]):
            return None  # "the last a year" is not English; singular units go to relative_unit
        value = duration_value(amount, m["unit"])
        unit = m["unit"]
    else:
        value = duration_value(None, m["bare"])
        unit = m["bare"]
    return _Found(m.start(), m.end(), "DURATION", value, unit.lower().rstrip("s"), "relative_duration")


@_rule(rf"recent\s+(?P<unit>{PLURAL_UNIT_RE})")
def _recent_duration(m: re.Match, doc: _Doc) -> Handled:
    return _Found(m.start(), m.end(), "DURATION", duration_value(None, m["unit"]), None, "recent_duration")


@_rule(rf"(?:(?P<num>{AMOUNT_RE})\s+(?P<unit>{UNIT_RE})|(?P<bare>{PLURAL_UNIT_RE}))"
       r"(?:\s+and\s+a\s+half)?\s+ago")
def _ago(m: re.Match, doc: _Doc) -> Handled:
    amount = parse_amount(m["num"]) if m["num"] else None
    if amount is None:
        return _Found(m.start(), m.end(), "DATE", "PAST_REF", None, "ago")
    if not doc.reference or amount != int(amount):
        return None
    unit = m["unit"].lower().rstrip("s")
    unit = "century" if unit.startswith("centur") else unit
    steps = int(amount)
    if unit in ("hour", "minute", "second"):
        value, granularity = doc.reference.isoformat(), "day"
    elif unit == "week":
        value, granularity = _iso_week(doc.reference - timedelta(weeks=steps)), "week"
    elif unit == "fortnight":
        value, granularity = _iso_week(doc.reference - timedelta(weeks=2 * steps)), "week"
    elif unit == "decade":
        value, granularity = f"{(doc.reference.year - 10 * steps) // 10:03d}", "decade"
    else:
        value, granularity = _shift_period(doc.reference, unit, -steps)
    return _date_found(m, "ago", value, granularity, doc)


@_rule(rf"(?P<n1>{NUMBER_RE})\s*(?:and|to|or|-|–)\s*(?P<num>{NUMBER_RE})[\s-]+(?P<unit>{UNIT_RE})",
       priority=4)
def _duration_range(m: re.Match, doc: _Doc) -> Handled:
    first, second = parse_amount(m["n1"]), parse_amount(m["num"])
    if first is None or second is None or first >= second or _is_age(doc, m.end()):
        return None
    unit = m["unit"]
    return [_Found(m.start("n1"), m.end("n1"), "DURATION", duration_value(first, unit), unit.lower().rstrip("s"),
                   "duration_range"),
            _Found(m.start("num"), m.end(), "DURATION", duration_value(second, unit), unit.lower().rstrip("s"),
                   "duration_range")]


def _is_age(doc: _Doc, end: int) -> bool:
    return bool(re.match(r"[\s-]*(?:old\b|of\s+age\b|(?:and|or)\s+(?:older|over|up)\b)", doc.text[end:end + 14]))


@_rule(rf"(?:(?P<the>the)\s+)?(?:(?P<approx>almost|nearly|a\s+mere|mere)\s+)?(?P<num>{AMOUNT_RE})"
       rf"(?P<half>\s+and\s+a\s+half)?[\s-]+(?P<unit>{UNIT_RE})(?P<half2>\s+and\s+a\s+half)?(?:'(?=\s+[a-z]))?")
def _duration(m: re.Match, doc: _Doc) -> Handled:
    if _is_age(doc, m.end()):
        return None
    amount = parse_amount(m["num"])
    if amount is not None and (m["half"] or m["half2"]):
        amount += 0.5
    unit = m["unit"].lower()
    start = m.start()
    if m["the"] and (amount is None or m["num"].lower() in ("a", "an")):
        start = m.start("approx") if m["approx"] else m.start("num")
    return _Found(start, m.end(), "DURATION", duration_value(amount, unit), unit.rstrip("s"), "duration")


@_rule(r"(?:half\s+an?|a\s+half)[\s-]+(?P<unit>hour|day|year|month|century|decade)")
def _half_duration(m: re.Match, doc: _Doc) -> Handled:
    return _Found(m.start(), m.end(), "DURATION", duration_value(0.5, m["unit"]), m["unit"].lower(), "half_duration")


# Words before a bare plural unit that make it part of a noun phrase about specific days
# ("the early days of the war", "working hours") rather than a vague duration.
BARE_UNIT_BLOCKERS = frozenset("""
the these those this that his her its their our my your whose early first last final opening closing initial
next past working office business visiting school rush peak light dog happy glory old good bad dark
of final remaining coming few many several some recent
""".split())


@_rule(rf"(?:(?P<mere>mere)\s+)?(?P<unit>{PLURAL_UNIT_RE})", priority=8)
def _bare_duration(m: re.Match, doc: _Doc) -> Handled:
    previous = doc.previous_word(m.start())
    if previous in BARE_UNIT_BLOCKERS or re.search(r"(?:\d|'s|s')\s*$", doc.text[max(0, m.start() - 4):m.start()]):
        return None
    if _is_age(doc, m.end()):
        return None
    return _Found(m.start(), m.end(), "DURATION", duration_value(None, m["unit"]), m["unit"].lower().rstrip("s"),
                  "bare_duration")


@_rule(r"(?P<w>yesterday|today|tomorrow|tonight)(?:\s+(?P<pod>morning|afternoon|evening|night))?"
       r"|(?P<rel>this|last)\s+(?P<pod2>morning|afternoon|evening|night)")
def _day_word(m: re.Match, doc: _Doc) -> Handled:
    if not doc.reference:
        return None
    word = (m["w"] or "").lower()
    offset = {"yesterday": -1, "tomorrow": 1}.get(word, 0)
    part = (m["pod"] or m["pod2"] or ("night" if word == "tonight" else "")).lower()
    if m["rel"] and m["rel"].lower() == "last" and part in ("night", "evening"):
        offset = -1
    elif m["rel"] and m["rel"].lower() == "last":
        return None  # "last morning" is not a way to name a day
    day = (doc.reference + timedelta(days=offset)).isoformat()
    if part:
        return _date_found(m, "day_word", f"{day}T{PARTS_OF_DAY[part]}", "part_of_day", doc, type_="TIME")
    return _date_found(m, "day_word", day, "day", doc)


@_rule(r"(?:right\s+)?now(?!\s+that)|currently|nowadays|presently|at\s+present|these\s+days"
       r"|at\s+the\s+moment")
def _present_ref(m: re.Match, doc: _Doc) -> Handled:
    return _Found(m.start(), m.end(), "DATE", "PRESENT_REF", None, "present_ref")


# "the past" alone, not as an adjective ("the past nine elections") or a noun's subject.
_PAST_REF_FOLLOWERS = ("and|or|but|when|as|he|she|it|they|we|i|you|there|this|that|these|those|the|a|an|to|in"
                       "|on|at|for|with|have|had|decades?|years?|centur(?:y|ies)")


@_rule(rf"recently|lately|at\s+the\s+time"
       rf"|the\s+past(?=\s*[,.;:!?)\"'”’—–-]|\s*$|\s+(?:{_PAST_REF_FOLLOWERS})\b)")
def _past_ref(m: re.Match, doc: _Doc) -> Handled:
    return _Found(m.start(), m.end(), "DATE", "PAST_REF", None, "past_ref")


@_rule(r"the\s+(?:near\s+|distant\s+|foreseeable\s+)?future")
def _future_ref(m: re.Match, doc: _Doc) -> Handled:
    return _Found(m.start(), m.end(), "DATE", "FUTURE_REF", None, "future_ref")


@_rule(rf"{MOD_RE}(?:(?P<rel>last|next|this|coming|past)\s+)?(?P<wd>{WEEKDAY_RE})(?P<plural>s)?"
       r"(?:\s+(?P<pod>morning|afternoon|evening|night))?", priority=3)
def _weekday(m: re.Match, doc: _Doc) -> Handled:
    weekday = WEEKDAYS[m["wd"].lower()]
    if m["plural"]:
        return _Found(m.start(), m.end(), "SET", f"XXXX-WXX-{weekday}", "day", "weekday")
    part = f"T{PARTS_OF_DAY[m['pod'].lower()]}" if m["pod"] else ""
    type_ = "TIME" if part else "DATE"
    if not doc.reference:
        return _Found(m.start(), m.end(), type_, f"XXXX-WXX-{weekday}{part}", "day", "weekday")
    relation = (m["rel"] or "").lower()
    if relation in ("last", "past"):
        day = _latest_weekday(doc.reference, weekday, "past", strict=True)
    elif relation in ("next", "coming"):
        day = _latest_weekday(doc.reference, weekday, "future", strict=True)
    elif relation == "this":
        day = doc.reference + timedelta(days=weekday - doc.reference.isoweekday())
    else:
        day = _latest_weekday(doc.reference, weekday, doc.direction(m.start(), m.end()))
    return _date_found(m, "weekday", day.isoformat() + part, "part_of_day" if part else "day", doc, type_=type_)


@_rule(rf"(?:every|each)\s+(?:(?P<other>other)\s+|(?P<num>{NUMBER_RE})\s+)?"
       rf"(?P<unit>{UNIT_RE}|(?P<wd>{WEEKDAY_RE})|morning|afternoon|evening|night)")
def _every(m: re.Match, doc: _Doc) -> Handled:
    unit = m["unit"].lower()
    if m["wd"]:
        value = f"XXXX-WXX-{WEEKDAYS[unit]}"
    elif unit in PARTS_OF_DAY:
        value = f"XXXX-XX-XXT{PARTS_OF_DAY[unit]}"
    else:
        amount = 2.0 if m["other"] else (parse_amount(m["num"]) if m["num"] else 1.0)
        value = duration_value(amount, unit)
    return _Found(m.start(), m.end(), "SET", value, None, "every")


@_rule(rf"(?:(?:once|twice|(?:{NUMBER_RE})\s+times)\s+)?(?:a|an|per)\s+(?P<unit>{UNIT_RE})"
       r"(?!\s*(?:ago|and|-|old))", priority=4)
def _frequency(m: re.Match, doc: _Doc) -> Handled:
    starts_with_rate = re.match(r"(?i)(?:once|twice|\S+\s+times|per)\b", m.group(0))
    after_amount = re.search(r"(?:\d|%|percent|cent|million|billion|thousand|trillion|hundred)\s*$",
                             doc.text[max(0, m.start() - 12):m.start()])
    if not (starts_with_rate or after_amount):
        return None
    return _Found(m.start(), m.end(), "SET", duration_value(1, m["unit"]), None, "frequency")


@_rule("|".join(SET_ADVERBS), flags=re.IGNORECASE)
def _set_adverb(m: re.Match, doc: _Doc) -> Handled:
    word = m.group(0)
    if word[0].isupper() and re.match(r"\s+[A-Z]", doc.text[m.end():m.end() + 2]):
        return None  # a title such as "Daily Mail"
    return _Found(m.start(), m.end(), "SET", SET_ADVERBS[word.lower()], None, "set_adverb")


def _clock_value(doc: _Doc, hour: int, minute: int, day: Optional[date]) -> str:
    prefix = day.isoformat() if day else "XXXX-XX-XX"
    return f"{prefix}T{hour:02d}:{minute:02d}"


def _clock(m: re.Match, doc: _Doc, hour: int, minute: int) -> Handled:
    if not (0 <= hour <= 24 and 0 <= minute < 60):
        return None
    day = doc.reference
    if m.groupdict().get("wd"):
        weekday = WEEKDAYS[m["wd"].lower()]
        day = _latest_weekday(doc.reference, weekday, doc.direction(m.start(), m.end())) if doc.reference else None
    return _Found(m.start(), m.end(), "TIME", _clock_value(doc, hour, minute, day), "time", "clock",
                  doc.anchor if day else None)


_WEEKDAY_TAIL = rf"(?:,?\s+(?P<wd>{WEEKDAY_RE}))?"


@_rule(rf"(?P<h>\d{{1,2}})(?:[:.](?P<mi>\d{{2}}))?\s*(?P<ap>[ap]\.m\.|[ap]m\b|[ap]\.m\b)"
       rf"(?:\s+(?P<tz>{TIMEZONE_RE}))?{_WEEKDAY_TAIL}", priority=2)
def _clock_ampm(m: re.Match, doc: _Doc) -> Handled:
    hour, minute = int(m["h"]), int(m["mi"] or 0)
    if not 1 <= hour <= 12:
        return None
    if m["ap"].lower().startswith("p") and hour != 12:
        hour += 12
    elif m["ap"].lower().startswith("a") and hour == 12:
        hour = 0
    return _clock(m, doc, hour, minute)


@_rule(rf"(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)(?![:\d])(?:\s*(?P<tz>{TIMEZONE_RE}))?{_WEEKDAY_TAIL}",
       priority=2)
def _clock_24h(m: re.Match, doc: _Doc) -> Handled:
    return _clock(m, doc, int(m["h"]), int(m["mi"]))


@_rule(rf"(?P<h>[01]\d|2[0-3])(?P<mi>[0-5]\d)\s*(?:hrs|hours)?\s*(?P<tz>{TIMEZONE_RE})"
       rf"{_WEEKDAY_TAIL}", priority=2)
def _clock_military(m: re.Match, doc: _Doc) -> Handled:
    return _clock(m, doc, int(m["h"]), int(m["mi"]))


@_rule(rf"(?P<w>noon|midday|midnight){_WEEKDAY_TAIL}")
def _clock_word(m: re.Match, doc: _Doc) -> Handled:
    return _clock(m, doc, 24 if m["w"].lower() == "midnight" else 12, 0)


@_rule(r"(?P<h>\d{1,2}):(?P<mi>[0-5]\d):(?P<s>[0-5]\d)", priority=1)
def _elapsed_time(m: re.Match, doc: _Doc) -> Handled:
    # Three-part times in news are race or flight times, not clock readings.
    parts = [(int(m["h"]), "H"), (int(m["mi"]), "M"), (int(m["s"]), "S")]
    value = "PT" + "".join(f"{n}{d}" for n, d in parts if n)
    return _Found(m.start(), m.end(), "DURATION", value, "second", "elapsed_time")


@_rule(r"(?:(?P<mod>early|late|midway|halfway)\s+(?:(?:in|into|through)\s+)?)?(?P<t>"
       r"(?-i:(?:[A-Z][\w.-]+\s+){0,2}[A-Z][\w-]+)['’]s\s+"
       r"(?:(?P<ord>first|second|third|fourth|last|final)\s+)?"
       r"(?:term|presidency|administration|tenure|premiership|chancellorship|time\s+in\s+office))")
def _named_period(m: re.Match, doc: _Doc) -> Handled:
    if doc.resolve_named_period is None:
        return None
    period = doc.resolve_named_period(m["t"])
    if period is None:
        return None
    begin, finish = period
    if m["mod"]:
        mod = m["mod"].lower()
        moment = begin if mod == "early" else finish if mod == "late" else begin + (finish - begin) / 2
        return _Found(m.start(), m.end(), "DATE", f"{moment.year:04d}", "year", "named_period", m["t"])
    months = (finish.year - begin.year) * 12 + finish.month - begin.month
    value, granularity = (f"P{months // 12}Y", "year") if months % 12 == 0 else (f"P{months}M", "month")
    return _Found(m.start("t"), m.end("t"), "DURATION", value, granularity, "named_period", m["t"])


# ---- resolved against the dates already found ("the next day" after "On Monday, ...")


ANCHORED_PATTERN = re.compile(
    r"(?<!\w)(?:the\s+(?P<rel>following|next|previous|preceding|same)\s+"
    r"(?P<unit>day|morning|afternoon|evening|night|week|month|year|decade)"
    # "the day before" only on its own: "the day before he was arrested" is anchored to an event
    r"|the\s+(?P<unit2>day)\s+(?P<rel2>before|after)(?=\s*[,.;:)]))(?!\w)", re.IGNORECASE)


def _anchor_value(found: list[_Found], start: int, doc: _Doc) -> tuple[Optional[date], Optional[str]]:
    """The latest full date stated before ``start`` (else the reference) and where it came from."""
    for item in sorted(found, key=lambda f: f.start, reverse=True):
        if item.end <= start and item.type in ("DATE", "TIME") and re.match(r"\d{4}-\d{2}-\d{2}", item.value):
            return date.fromisoformat(item.value[:10]), item.value
    return doc.reference, doc.anchor


def _resolve_anchored(m: re.Match, doc: _Doc, found: list[_Found]) -> Optional[_Found]:
    relation = (m["rel"] or m["rel2"]).lower()
    unit = (m["unit"] or m["unit2"]).lower()
    anchor_day, anchor_text = _anchor_value(found, m.start(), doc)
    if anchor_day is None:
        return None
    delta = {"following": 1, "next": 1, "after": 1, "previous": -1, "preceding": -1, "before": -1, "same": 0}[relation]
    if unit in PARTS_OF_DAY:
        day = (anchor_day + timedelta(days=delta)).isoformat()
        return _Found(m.start(), m.end(), "TIME", f"{day}T{PARTS_OF_DAY[unit]}", "part_of_day", "anchored_relative",
                      anchor_text)
    value, granularity = _shift_period(anchor_day, unit, delta)
    return _Found(m.start(), m.end(), "DATE", value, granularity, "anchored_relative", anchor_text)


# --------------------------------------------------------------------------- selection


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < t_end and t_start < end for t_start, t_end in taken)


def _select(candidates: list[tuple[int, int, int, list[_Found]]],
            taken: list[tuple[int, int]]) -> list[_Found]:
    """Longest candidate first (ties: rule priority, then position); no overlaps."""
    chosen: list[_Found] = []
    for start, end, _, group in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[2], c[0])):
        if _overlaps(start, end, taken):
            continue
        taken.append((start, end))
        chosen.extend(group)
    return chosen


def _candidates(doc: _Doc) -> list[tuple[int, int, int, list[_Found]]]:
    """Every rule's normalised matches as (start, end, priority, expressions)."""
    out = []
    for rule in RULES:
        for match in rule.pattern.finditer(doc.text):
            result = rule.handler(match, doc)
            if not result:
                continue
            group = result if isinstance(result, list) else [result]
            out.append((min(f.start for f in group), max(f.end for f in group), rule.priority, group))
    return out


def _anchor_clock_times(found: list[_Found], doc: _Doc) -> list[_Found]:
    """A clock time with no date of its own takes the date named earlier in its sentence."""
    out = []
    for item in found:
        if item.rule == "clock" and item.anchor == doc.anchor and doc.reference is not None:
            left, _ = doc.sentence_bounds(item.start, item.end)
            earlier = [f for f in found if left <= f.start < item.start and f.type in ("DATE", "TIME")
                       and re.match(r"\d{4}-\d{2}-\d{2}", f.value)]
            if earlier and not re.search(rf"{WEEKDAY_RE}", doc.text[item.start:item.end]):
                source = earlier[-1]
                item = _Found(item.start, item.end, "TIME", source.value[:10] + item.value[10:], "time", "clock",
                              source.value)
        out.append(item)
    return out


def find_times(text: str, reference: Optional[date], *,
               resolve_named_period: Optional[NamedPeriodResolver] = None,
               doc_id: str = "") -> list[TimeExpr]:
    """Find and normalise the time expressions of ``text`` against ``reference``.

    ``reference`` is the publication date (None when unknown: relative
    expressions are then skipped). ``resolve_named_period`` maps a phrase such
    as "Trump's second term" to its (start, end) dates. ``doc_id`` seeds the
    record ids. Returns TimeExpr records in text order.
    """
    if not text:
        return []
    doc = _Doc(text, reference, resolve_named_period)
    taken: list[tuple[int, int]] = []
    found = _select(_candidates(doc), taken)
    # Narrative expressions ("the next day") are resolved in text order against the
    # dates found before them, including earlier narrative ones.
    for match in ANCHORED_PATTERN.finditer(text):
        if not _overlaps(match.start(), match.end(), taken):
            resolved = _resolve_anchored(match, doc, found)
            if resolved:
                taken.append((match.start(), match.end()))
                found.append(resolved)
    found = _anchor_clock_times(sorted(found, key=lambda f: f.start), doc)
    return [TimeExpr(id=record_id(doc_id, "time", f.start, f.end), text=text[f.start:f.end], start=f.start,
                     end=f.end, type=f.type, value=f.value, granularity=f.granularity, anchor=f.anchor,
                     rule=f.rule)
            for f in found]


@stage(requires=("article.text",), assigns=("article.times",), english_only=True)
def extract_times(article: Article, ctx: Context) -> Article:
    """Time expressions (TIMEX3) normalised against the publication date.

    The actor layer can install a named-period resolver with
    ``ctx.preset("named_period_resolver", fn)``; without one such phrases are skipped.
    """
    resolver = ctx.resource("named_period_resolver", lambda: None)
    article.times = find_times(article.text, article.reference_date(), resolve_named_period=resolver,
                               doc_id=article.id)
    return article


# --------------------------------------------------------------------------- undated text


# Windows after the latest dated mention: news reports a dated event within days; a
# month or a year mentioned without a day is weaker evidence and is often background.
DAY_WINDOW_WITH_RELATIVE_DAYS = 7
DAY_WINDOW = 30
MONTH_WINDOW_MONTHS = 3
YEAR_WINDOW_YEARS = 2


def infer_publication_date(text: str, times: Optional[list[TimeExpr]] = None) -> Optional[InferredDate]:
    """Guess when an undated article was written from the dates it mentions.

    News is written after the events it reports, so the latest absolute date
    mentioned as past bounds the publication date from below. Dates in a
    future-tense context ("talks will resume on March 20") and deadlines ("by
    2030", "until June 2025") are left out because they point past the writing
    date. The window after that bound depends on the evidence: a full date gives a
    week when the text also speaks of "yesterday", "today" or weekdays (news
    about the last few days), else a month; a month gives the following three
    months; a year only a lower bound with the two following years.
    """
    times = times if times is not None else find_times(text, None)
    doc = _Doc(text, None, None)
    days: list[date] = []
    months: list[date] = []
    years: list[int] = []
    for item in times:
        if item.type not in ("DATE", "TIME") or doc.direction(item.start, item.end) == "future" \
                or doc.previous_word(item.start) in ("by", "until", "till"):
            continue
        value = item.value
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:T.*)?", value):
            days.append(date.fromisoformat(value[:10]))
        elif re.fullmatch(r"\d{4}-\d{2}", value):
            months.append(date(int(value[:4]), int(value[5:7]), 1))
        elif re.fullmatch(r"\d{4}", value):
            years.append(int(value))
    # The finest evidence that is also the latest decides; coarser mentions of a later
    # period still move the lower bound ("on March 3, 2024 ... in 2025").
    latest_day = max(days, default=None)
    latest_month = max(months, default=None)
    latest_year = max(years, default=None)
    if latest_day and (not latest_month or latest_month <= latest_day) and \
            (not latest_year or latest_year <= latest_day.year):
        relative_days = bool(re.search(rf"(?i)\b(?:yesterday|today|tonight|{WEEKDAY_RE})\b", text))
        window, confidence = (DAY_WINDOW_WITH_RELATIVE_DAYS, 0.6) if relative_days else (DAY_WINDOW, 0.4)
        return InferredDate(earliest=latest_day, latest=latest_day + timedelta(days=window), confidence=confidence,
                            method=f"latest past date mentioned ({latest_day.isoformat()}) plus {window} days"
                                   + (" (the text speaks of yesterday/today/weekdays)" if relative_days else ""))
    if latest_month and (not latest_year or latest_year <= latest_month.year):
        year, month = _month_shift(latest_month.year, latest_month.month, MONTH_WINDOW_MONTHS)
        return InferredDate(earliest=latest_month, latest=date(year, month, calendar.monthrange(year, month)[1]),
                            confidence=0.25,
                            method=f"latest past month mentioned ({latest_month.isoformat()[:7]}) "
                                   f"and the {MONTH_WINDOW_MONTHS} months after it")
    if latest_year:
        return InferredDate(earliest=date(latest_year, 1, 1), latest=date(latest_year + YEAR_WINDOW_YEARS, 12, 31),
                            confidence=0.1,
                            method=f"lower bound only: latest past year mentioned ({latest_year}) "
                                   f"and the {YEAR_WINDOW_YEARS} years after it")
    return None


# Titles that say the office is no longer (or not yet) held: no evidence of the date.
NOT_CURRENT_TITLE = re.compile(r"\b(former|ex|then|late|outgoing|incoming|acting|would-be|future)\b", re.I)
TITLE_COUNTRY_WORDS = re.compile(r"\b(U\.?S\.?|US|American|Russian|Ukrainian|British|French|German|Chinese|"
                                 r"Turkish|Polish|Italian|European|EU|NATO|UN|Kremlin|White House)\b\.?", re.I)


def role_windows(article: Article, catalog) -> tuple[Optional[date], Optional[date], list[str]]:
    """When the article can have been written, judged by the offices it gives people:
    "Vice President JD Vance" only fits Vance's vice-presidency. Returns the
    intersection of those terms (start, end exclusive or None) and the evidence."""
    earliest: Optional[date] = None
    latest: Optional[date] = None
    evidence: list[str] = []
    for actor in article.actors:
        title = actor.title_in_text
        if not title or NOT_CURRENT_TITLE.search(title):
            continue
        office = " ".join(TITLE_COUNTRY_WORDS.sub(" ", title).split()).strip(" ,.'’s")
        if not office:
            continue
        terms = []
        for ordinal in range(1, 10):
            term = catalog.term_dates(actor.id, office, ordinal)
            if term is None:
                break
            terms.append(term)
        merged = _merge_terms(terms)
        if not merged:
            continue
        # Of several terms (Trump's two presidencies) the latest is the likeliest in news.
        start, end = merged[-1]
        earliest = max(earliest or start, start)
        latest = min(latest, end) if latest and end else (latest or end)
        evidence.append(f"{title} {actor.name} ({start.isoformat()}–{end.isoformat() if end else 'now'})")
    return earliest, latest, evidence


def _merge_terms(terms: list[tuple[Optional[date], Optional[date]]]) -> list[tuple[date, Optional[date]]]:
    """Back-to-back terms of one office are one period (a role renamed, a title added)."""
    merged: list[tuple[date, Optional[date]]] = []
    for start, end in sorted((t for t in terms if t[0]), key=lambda t: t[0]):
        if merged and merged[-1][1] is not None and start <= merged[-1][1] + timedelta(days=1):
            previous_end = merged[-1][1]
            merged[-1] = (merged[-1][0], None if end is None else max(end, previous_end))
        elif merged and merged[-1][1] is None:
            continue  # already open-ended
        else:
            merged.append((start, end))
    return merged


# Below this confidence, the dates a text mentions are background (a year, a month) and
# the offices it gives people are the better evidence when the two disagree.
WEAK_DATE_EVIDENCE = 0.4


def combine_with_roles(inferred: Optional[InferredDate], article: Article, catalog) -> Optional[InferredDate]:
    start, end, evidence = role_windows(article, catalog)
    if start is None:
        return inferred
    role_latest = end - timedelta(days=1) if end else None
    if inferred is None:
        return InferredDate(earliest=start, latest=role_latest or max(start, date.today()), confidence=0.2,
                            method="offices the text gives people: " + "; ".join(evidence))
    earliest = max(inferred.earliest, start)
    latest = min(inferred.latest, role_latest) if role_latest else inferred.latest
    if earliest > latest:  # the text's dates and its titles disagree
        if inferred.confidence < WEAK_DATE_EVIDENCE:
            return InferredDate(earliest=start, latest=role_latest or max(start, date.today()), confidence=0.2,
                                method="offices the text gives people: " + "; ".join(evidence)
                                       + f" (the dates mentioned, {inferred.method}, read as background)")
        return inferred.model_copy(update={"method": inferred.method + "; titles disagree: " + "; ".join(evidence)})
    return InferredDate(earliest=earliest, latest=max(latest, earliest),
                        confidence=min(0.9, inferred.confidence + 0.1),
                        method=inferred.method + "; offices the text gives people: " + "; ".join(evidence))


@stage(requires=("article.text", "article.actors"), assigns=("article.published_inferred",), english_only=True)
def infer_published(article: Article, ctx: Context) -> Article:
    """A publication date range inferred when the source gives none: from the dates the
    text mentions and the offices it gives people (e.g. "Vice President JD Vance").

    It is marked as inferred (``published_inferred``) and never overwrites a date the
    source or the user gave. When the range is narrow enough to be a reference date,
    actor roles are re-read at it.
    """
    if article.published is not None:
        return article
    from ..link.resolve import catalog_for, resolve_article  # the actor layer is optional here

    catalog = catalog_for(ctx)
    before = article.reference_date()
    article.published_inferred = combine_with_roles(infer_publication_date(article.text), article, catalog)
    after = article.reference_date()
    if after is not None and after != before and article.doc is not None:
        resolve_article(article, catalog, after)
    return article
