"""Modality of a coded event: was it asserted, denied, conditional, planned, urged or reported?

Decisions (each is a rule below, tested in tests/extract/test_modality.py):

* ``negated``: the verb (or the verb it depends on through "to", "about to", ...) has a
  negation ("did not agree", "never met", "no longer supplies"). Refusing is *not* a
  negation: "refused to meet" is a REJECT event, coded from the verb "refuse" itself.
* ``recommended``: "should", "ought to", "must", "had better" ("Trump should continue to
  help Ukraine"): kept, never an event that happened. Inside reported speech the event
  coder turns "X said Y must do Z" into a REQUEST by X (``events.py``).
* ``hypothetical``: "might", "may", "could", "would" (outside reported speech) or an
  "if"/"unless" clause. The event coder folds these (conflictual acts become THREATEN,
  conditional verbal reactions such as "Russia would oppose this" are dropped, and so
  are stances under "would" in reported speech: "the Kremlin said it would oppose").
* an act announced "unless" the other side does something is an ultimatum
  (``ultimatum``): the event coder makes it a THREATEN.
* ``planned``: "will", "shall", "going to", "is to", "about to", "plan/intend/prepare/
  expect/aim/schedule to", "would" in reported speech ("said they would meet").
* an act demanded of its doer ("Moscow insisted that Kyiv withdraw", "the plan required
  Kyiv to withdraw") records the demander (``demanded_by``): the event coder makes it a
  REQUEST by the demander of the doer.
* ``reported``: the event is the content of someone else's statement ("X said ...",
  "according to X, ..."); ``reported_by`` names the speaker. A speaker reporting its own
  act ("Russia said it had shelled ...") is still ``reported``: the claim is Russia's.
* otherwise ``asserted``.

One value is kept, by precedence negated > recommended > hypothetical > planned >
reported > asserted; ``reported_by`` is filled whenever a speaker is found. PLOVER's
auxiliary modes (``negation``, ``hypothetical``, ``future``, ``historical``) are returned
separately: they go into the event's ``context`` as the PLOVER manual asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

NEGATIONS = frozenset({"not", "n't", "never", "no", "neither", "nor"})
RECOMMEND_AUX = frozenset({"should", "ought", "must"})
HYPOTHETICAL_AUX = frozenset({"might", "may", "could", "would"})
FUTURE_AUX = frozenset({"will", "shall", "'ll", "wo"})  # spaCy: "won't" -> "wo" + "n't"
# heads whose infinitival complement is an intended act: "plans to visit"
PLANNING_HEADS = frozenset({"plan", "intend", "prepare", "expect", "aim", "schedule", "set", "due", "about",
                            "go", "hope", "seek", "want", "vow", "pledge", "promise", "agree",
                            "offer", "threaten", "ready", "willing", "prepared", "poised", "swear", "sworn"})
REPORTING_VERBS = frozenset({"say", "tell", "report", "announce", "state", "add", "note", "claim", "believe",
                             "indicate", "think", "write", "quote", "insist", "declare", "confirm", "allege",
                             "assert", "argue", "explain", "suggest", "acknowledge", "admit", "warn", "reveal",
                             "conclude", "stress", "emphasize", "reiterate", "maintain", "contend"})
# "Russia insisted that Kyiv give up Donetsk", "the plan required Ukraine to withdraw", "Kyiv
# urged its partners to send air defences": the act is demanded of its doer by the subject
# of these verbs (the event coder makes a REQUEST)
DEMAND_HEADS = frozenset({"insist", "demand", "require", "urge"})
CONDITION_MARKERS = frozenset({"if", "unless", "whether"})
CHAIN_DEPS = frozenset({"xcomp", "acomp", "aux", "auxpass", "oprd"})  # a verb's own verbal group
HISTORICAL_NOUNS = frozenset({"war", "struggle", "era", "occupation", "revolution", "regime", "decolonization",
                              "colonization", "empire", "dynasty"})
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")


@dataclass(frozen=True)
class ModalityReading:
    modality: str = "asserted"
    aux_modes: tuple[str, ...] = ()  # PLOVER auxiliary modes: negation, hypothetical, future, historical
    reported_by: Optional[str] = None
    speaker_token: Optional[int] = None  # head token of the speaker (for "X said Y must ...")
    in_reported_speech: bool = False
    cue: Optional[str] = None
    ultimatum: bool = False  # "will boycott the vote unless ...": the condition is a demand
    would: bool = False  # the verb is under "would" (a plan in reported speech, else a condition)
    demanded_by: Optional[int] = None  # head token of the actor demanding the act ("X insisted that Y go")


def verbal_group(verb: Any) -> list[Any]:
    """The verb and the verbs it hangs from through xcomp/acomp ("is about to restore"),
    or through an infinitive the parser attached as a clause ("have sworn to retake the city")."""
    group = [verb]
    current = verb
    while current.head.i != current.i and (current.dep_ in ("xcomp", "acomp", "oprd") or (
            current.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in current.children))):
        current = current.head
        group.append(current)
    return group


def _children_lemmas(tokens: list[Any], deps: tuple[str, ...]) -> list[tuple[str, Any]]:
    found = []
    for token in tokens:
        for child in token.children:
            if child.dep_ in deps:
                found.append((child.lower_, child))
    return found


def reporting_head(verb: Any) -> Optional[Any]:
    """The verb of saying whose complement contains ``verb`` ("X said [Y attacked Z]")."""
    current = verb
    for _ in range(6):
        if current.head.i == current.i:
            return None
        if current.dep_ in ("ccomp", "parataxis") and current.head.lemma_.lower() in REPORTING_VERBS:
            return current.head
        if current.dep_ in ("ccomp", "parataxis", "conj", "xcomp", "acomp", "advcl"):
            current = current.head
            continue
        if current.dep_ == "ROOT":
            return None
        current = current.head
    return None


def _speaker_of(verb: Any) -> Optional[Any]:
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            return child
    return None


def _according_to(verb: Any) -> Optional[Any]:
    """``according to X`` attached to the verb or to its clause root."""
    for token in (verb, verb.sent.root):
        for child in token.children:
            if child.lower_ == "according":
                for grand in child.children:
                    for pobj in grand.children:
                        if pobj.dep_ == "pobj":
                            return pobj
    return None


def _phrase_text(token: Any) -> str:
    tokens = [t for t in token.subtree if t.dep_ not in ("relcl", "punct") and not t.is_space]
    if not tokens:
        return token.text
    start, end = min(t.i for t in tokens), max(t.i for t in tokens) + 1
    return token.doc[start:end].text


def _is_historical(verb: Any, reference_year: Optional[int]) -> bool:
    for token in verb.subtree:
        if token.dep_ == "pobj" and token.head.lower_ == "during" and token.lemma_.lower() in HISTORICAL_NOUNS:
            return True
    if reference_year is None:
        return False
    for ent in verb.doc.ents:
        if ent.label_ == "DATE" and ent.root.head is not None and verb.i in [a.i for a in ent.root.ancestors][:3]:
            for year in _YEAR.findall(ent.text):
                if int(year) < reference_year - 1:
                    return True
    return False


def read_modality(verb: Any, reference_year: Optional[int] = None) -> ModalityReading:
    """Modality, PLOVER auxiliary modes and attribution of the event triggered by ``verb``."""
    group = verbal_group(verb)
    aux = _children_lemmas(group, ("aux", "auxpass", "neg", "advmod", "mark"))
    words = {word for word, _ in aux}
    head_lemmas = {t.lemma_.lower() for t in group[1:]} | {t.lower_ for t in group[1:]}

    reporter = reporting_head(verb)
    according = _according_to(verb)
    speaker = _speaker_of(reporter) if reporter is not None else according
    reported_by = _phrase_text(speaker) if speaker is not None else None
    in_speech = reporter is not None or according is not None

    negated = any(word in NEGATIONS and child.dep_ in ("neg", "advmod", "aux") for word, child in aux)
    recommended = bool(words & RECOMMEND_AUX) or ("better" in words and "had" in words)
    conditional = any(word in CONDITION_MARKERS for word, _ in _children_lemmas([verb], ("mark",)))
    ultimatum = any(child.dep_ == "advcl" and any(m.lower_ == "unless" for m in child.children if m.dep_ == "mark")
                    for token in group for child in token.children)
    modal_hypothetical = bool(words & (HYPOTHETICAL_AUX - {"would"})) or ("would" in words and not in_speech)
    planned = (bool(words & FUTURE_AUX) or ("would" in words and in_speech)
               or bool(head_lemmas & PLANNING_HEADS) or _is_going_to(group))
    hypothetical = conditional or modal_hypothetical

    aux_modes = []
    if negated:
        aux_modes.append("negation")
    if hypothetical:
        aux_modes.append("hypothetical")
    if planned and not hypothetical:
        aux_modes.append("future")
    if not planned and not hypothetical and _is_historical(verb, reference_year):
        aux_modes.append("historical")

    if negated:
        modality, cue = "negated", "negation"
    elif recommended:
        modality, cue = "recommended", "should/must"
    elif hypothetical:
        modality, cue = "hypothetical", "condition" if conditional else "modal"
    elif planned:
        modality, cue = "planned", "future"
    elif in_speech:
        modality, cue = "reported", "attribution"
    else:
        modality, cue = "asserted", None
    return ModalityReading(modality, tuple(aux_modes), reported_by,
                           speaker.i if speaker is not None else None, in_speech, cue, ultimatum, "would" in words,
                           _demander(verb, group, reporter))


def _demander(verb: Any, group: list[Any], reporter: Optional[Any]) -> Optional[int]:
    """Subject of a verb of demanding that governs ``verb``: "insisted that Kyiv give up"
    (a bare subjunctive in the complement), "required Ukraine to withdraw" (an infinitive
    with the addressee as object). None when the act is not demanded."""
    heads = []
    clause_head = reporter if reporter is not None else (verb.head if verb.dep_ == "ccomp" else None)
    if clause_head is not None and clause_head.lemma_.lower() in DEMAND_HEADS and verb.tag_ == "VB" \
            and not any(c.dep_ == "aux" for c in verb.children):
        heads.append(clause_head)
    if len(group) > 1 and group[1].lemma_.lower() in DEMAND_HEADS and verb.dep_ == "xcomp":
        heads.append(group[1])
    for head in heads:
        subject = _speaker_of(head)
        if subject is not None:
            return subject.i
    return None


def _is_going_to(group: list[Any]) -> bool:
    """"is going to sign": the verb is the xcomp of a progressive "go"."""
    return any(t.lemma_ == "go" and t.tag_ == "VBG" for t in group[1:])
