"""Quotes and attribution: who said what, directly or in reported speech.

One attribution per *cue* (a reporting verb such as "said", "insists", "warned",
or the phrase "according to"), the way PARC/PolNeAR annotate attribution:

* **content** — what was said. For a direct quote, the quoted span(s) next to the
  cue: a quote split by its attribution (“…,” he said, “…”) is *one* attribution
  whose content has two fragments, and a quote that goes on in the following
  sentences of the paragraph (or, after "said:", in the next paragraph) is joined
  to it. For reported speech, the complement clause ("said *that the talks will
  continue*"), an infinitive ("vowed *to continue*"), an object ("criticized *the
  plan*") or the prepositional object of a phrasal cue ("called for *a ceasefire*").
* **source** — the subject of the cue as written (it may be a pronoun); the
  **speaker** is that source resolved: a pronoun to the most recent compatible
  named speaker or entity before it, a long noun phrase to the name inside it.
* **kind** — ``direct`` when the content is a quotation, ``partial`` when quoted
  words are embedded in reported speech or when a short quoted phrase stands alone
  (scare quotes), ``indirect`` otherwise.

Everything works on a parsed spaCy ``Doc``; quotation marks are paired on the raw
text first so that unbalanced marks (an unclosed quote in a paragraph, a stray
closing mark) degrade to a shorter quote instead of an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from ..models import Article, Quote, Span, record_id
from ..stage import Context, stage

# --------------------------------------------------------------------------- lexicon

# Verbs that report speech, writing, thought or a stance. Taken only when they
# govern a content (clause, infinitive, object or quote), so a broad list is safe.
SPEECH_VERBS = frozenset("""
say tell add note write report announce claim argue insist warn suggest state declare
explain stress emphasize emphasise maintain contend assert allege reiterate repeat
acknowledge admit concede confirm deny reveal disclose indicate signal hint predict
forecast estimate project promise pledge vow threaten urge ask demand request propose
recommend advise tweet post respond reply answer counter retort quip joke boast brag
complain lament grumble worry fear hope expect believe think know feel doubt suspect
consider conclude decide agree disagree recall remember mention cite describe call
accuse blame charge criticize criticise condemn denounce blast slam attack praise hail
welcome applaud thank question wonder speculate observe remark comment testify
tout insist assure reassure caution concur dispute rebut reject dismiss oppose support
endorse back favor favour want plan intend refuse decline announce order instruct
show find suggest indicate conclude read say describe characterize portray label dub
acknowledge recount describe urge press implore plead appeal lobby push liken brand
deem proclaim echo reference champion lambast scold rebuke
""".split())

# Verbs whose object alone can be the content ("criticized the plan", "cited the polls").
OBJECT_CONTENT_VERBS = frozenset("""
cite mention criticize criticise condemn denounce blast slam attack praise hail welcome
applaud question reject dismiss oppose support endorse back favor favour want announce
propose deny dispute describe discuss tout recommend demand request predict acknowledge
admit reveal disclose confirm estimate promise pledge threaten order call accuse label
dub brand liken deem proclaim echo reference champion lambast scold rebuke characterize
""".split())

# Verbs whose infinitive complement is the content ("vowed to continue").
INFINITIVE_CONTENT_VERBS = frozenset("""
promise pledge vow threaten urge ask demand request propose want plan intend refuse
decline agree decide order instruct press implore plead appeal push hope expect
claim tell advise encourage call lobby
""".split())

# Phrasal cues: verb lemma -> prepositions whose object is the content.
PREPOSITION_CONTENT = {
    "call": {"for", "on"}, "point": {"to"}, "warn": {"of", "about", "against"},
    "speak": {"of", "about"}, "talk": {"about", "of"}, "complain": {"about", "of"},
    "rail": {"against"}, "argue": {"for", "against"}, "push": {"for"}, "press": {"for"},
    "appeal": {"for"}, "ask": {"for", "about"}, "hint": {"at"}, "testify": {"about"},
    "comment": {"on"}, "insist": {"on"}, "boast": {"about", "of"}, "brag": {"about"},
    "worry": {"about"}, "lobby": {"for"}, "plead": {"for"}, "vote": {"for", "against"},
    "rule": {"against", "on"}, "accuse": {"of"}, "criticize": {"for"}, "praise": {"for"},
}

# Verbs that can follow their content as a parenthetical: "The talks will go on, he said."
PARENTHETICAL_VERBS = frozenset("""
say add note write argue insist claim warn explain tell predict suggest acknowledge concede
believe think contend recall report announce state observe remark
""".split())

# Nouns that report a statement when a "that" clause follows: "Trump's claim that …".
NOUN_CUES = frozenset("""
claim statement assertion warning suggestion argument promise pledge allegation belief
accusation charge insistence message announcement comment remark proposal assurance
admission conclusion contention view fear hope prediction threat vow demand
""".split())

SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})
CLAUSE_DEPS = frozenset({"ccomp", "xcomp", "parataxis"})
PERSONAL_PRONOUNS = {"he": "PERSON", "she": "PERSON", "him": "PERSON", "her": "PERSON",
                     "they": "GROUP", "them": "GROUP", "it": "GROUP", "we": "GROUP", "i": "PERSON"}
RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom"})
PERSON_LABELS = frozenset({"PERSON"})
GROUP_LABELS = frozenset({"ORG", "NORP", "GPE"})
SPEAKER_LABELS = PERSON_LABELS | GROUP_LABELS

# A quoted phrase of at most this many words inside a sentence is a partial quote
# (scare quotes, a quoted term) rather than a direct quotation.
PARTIAL_MAX_WORDS = 6
# How far back (in sentences) a pronoun looks for its antecedent.
PRONOUN_WINDOW = 4

QUOTE_MARK_RE = re.compile(r"``|''|[\"“”„«»]|(?<![\w])‘|’(?![\w])")
OPENERS = {"“": "”", "„": "“", "«": "»", "``": "''", "‘": "’"}
CLOSERS = {"”", "»", "’"}
AMBIGUOUS = {'"', "''"}


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class QuoteLike:
    """One attribution found in a Doc; offsets are character offsets into ``doc.text``.

    ``fragments`` are the content pieces (two for a quote split by "he said"); ``start``
    and ``end`` cover them all. ``source_span`` is the source as written (possibly a
    pronoun), ``speaker_span`` what it resolves to.
    """

    text: str
    start: int
    end: int
    fragments: tuple[tuple[int, int], ...]
    kind: str
    cue: Optional[str]
    cue_span: Optional[tuple[int, int]]
    source_text: Optional[str]
    source_span: Optional[tuple[int, int]]
    speaker_text: Optional[str]
    speaker_span: Optional[tuple[int, int]]
    speaker_actor: Optional[str]
    sentence: int
    confidence: float
    rule: str


@dataclass
class _Draft:
    """An attribution under construction (token-level), before speakers are resolved."""

    fragments: list[tuple[int, int]]
    kind: str
    rule: str
    confidence: float
    cue_span: Optional[tuple[int, int]] = None
    source_tokens: list = field(default_factory=list)
    sentence: int = 0


# --------------------------------------------------------------------------- quote marks


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Top-level quotations in ``text`` as (start, end) including their marks.

    Marks are paired paragraph by paragraph. Straight marks close the innermost open
    straight mark, curly and guillemet marks their own opener. A quotation still open
    at the end of its paragraph runs to the paragraph end (the news convention for a
    quote continued in the next paragraph); a closing mark with no opener is ignored.
    Never raises on unbalanced marks.
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n"):
        spans.extend((offset + s, offset + e) for s, e in _paragraph_quotes(paragraph))
        offset += len(paragraph) + 1
    return spans


def _paragraph_quotes(paragraph: str) -> list[tuple[int, int]]:
    stack: list[tuple[str, int]] = []  # (expected closer, start offset)
    spans: list[tuple[int, int]] = []
    for match in QUOTE_MARK_RE.finditer(paragraph):
        mark, pos = match.group(), match.start()
        if mark in AMBIGUOUS:
            if stack and stack[-1][0] == mark and _can_close(paragraph, match):
                _close(stack, spans, match.end())
            elif _can_open(paragraph, match):
                stack.append((mark, pos))
            elif stack and stack[-1][0] == mark:
                _close(stack, spans, match.end())
        elif mark in OPENERS and not (mark == "“" and stack and stack[-1][0] == "“"
                                      and _can_close(paragraph, match)
                                      and not _can_open(paragraph, match)):
            stack.append((OPENERS[mark], pos))
        elif mark == "”" and not stack and _can_open(paragraph, match):
            stack.append(("”", pos))  # a typo'd opener: ”Quote…”
        elif mark in CLOSERS or mark == "“":
            # Close the innermost quote this mark can close; an unmatched closer is stray.
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == mark:
                    del stack[depth + 1:]
                    _close(stack, spans, match.end())
                    break
    if stack:
        # Unclosed at paragraph end: the outermost quote runs to the end of the paragraph.
        start = stack[0][1]
        end = len(paragraph.rstrip())
        if end > start + 1:
            spans.append((start, end))
    top_level = []
    for span in sorted(spans):
        if top_level and span[0] < top_level[-1][1]:
            continue  # nested inside the previous quotation
        top_level.append(span)
    return top_level


def _close(stack: list, spans: list, end: int) -> None:
    _, start = stack.pop()
    spans.append((start, end))


def _can_open(text: str, match: re.Match) -> bool:
    before = text[match.start() - 1] if match.start() else " "
    after = text[match.end()] if match.end() < len(text) else " "
    return (before.isspace() or before in "([{—–-/:") and not after.isspace()


def _can_close(text: str, match: re.Match) -> bool:
    before = text[match.start() - 1] if match.start() else " "
    return not before.isspace()


# --------------------------------------------------------------------------- extraction


def find_quotes(doc, actor_spans: Sequence[tuple[int, int, str]] = ()) -> list[QuoteLike]:
    """Every attribution in a parsed spaCy Doc, in text order.

    ``actor_spans`` are (start, end, actor_id) character spans from the actor layer;
    a speaker overlapping one gets its actor id.
    """
    text = doc.text
    quotes = quoted_spans(text)
    quote_of_token = _quote_index_by_token(doc, quotes)
    sentence_of_token = {}
    sentences = list(doc.sents)
    for index, sent in enumerate(sentences):
        for token in sent:
            sentence_of_token[token.i] = index

    drafts: list[_Draft] = []
    used_quotes: set[int] = set()
    for token in doc:
        if quote_of_token[token.i] is not None:
            # "I think" inside a quotation belongs to the quoted words, not to the article.
            continue
        draft = _attribution_for_cue(token, doc, quotes, quote_of_token, used_quotes)
        if draft is not None:
            draft.sentence = sentence_of_token[token.i]
            drafts.append(draft)
    drafts.extend(_dash_attributions(doc, quotes, used_quotes, sentence_of_token))
    drafts.extend(_headline_attributions(doc, quote_of_token, sentence_of_token))
    drafts.extend(_partial_quotes(doc, quotes, quote_of_token, used_quotes, drafts,
                                  sentence_of_token))
    drafts = _without_duplicates(drafts)
    return _finish(doc, drafts, sentences, actor_spans)


def _quote_index_by_token(doc, quotes: list[tuple[int, int]]) -> list[Optional[int]]:
    index: list[Optional[int]] = [None] * len(doc)
    q = 0
    for token in doc:
        while q < len(quotes) and quotes[q][1] <= token.idx:
            q += 1
        if q < len(quotes) and quotes[q][0] <= token.idx < quotes[q][1]:
            index[token.i] = q
    return index


def _is_cue(token) -> bool:
    if token.pos_ not in ("VERB", "AUX") or token.lemma_.lower() not in SPEECH_VERBS:
        return False
    # "said" in "the said agreement", participles used as adjectives.
    return token.dep_ not in ("amod", "compound")


def _attribution_for_cue(token, doc, quotes, quote_of_token, used_quotes) -> Optional[_Draft]:
    if _is_according_to(token):
        return _according_to(token, doc)
    if token.pos_ == "NOUN" and token.lemma_.lower() in NOUN_CUES:
        return _noun_cue(token)
    if not _is_cue(token):
        return None
    lemma = token.lemma_.lower()
    source = _source_tokens(token, quote_of_token)
    cue_span = (token.idx, token.idx + len(token.text))

    direct = _adjacent_quotes(token, doc, quotes, quote_of_token, source)
    if direct:
        used_quotes.update(direct)
        fragments = [quotes[q] for q in direct]
        return _Draft(fragments, "direct", "direct_quote_cue", 0.9, cue_span, source)

    clause = _clause_content(token)
    if clause is not None:
        kind = _indirect_kind(clause, quote_of_token)
        return _Draft([_extent(clause)], kind, f"indirect_{clause_rule(token, clause)}", 0.75,
                      cue_span, source)

    if lemma in INFINITIVE_CONTENT_VERBS:
        infinitive = _infinitive_content(token)
        if infinitive is not None:
            return _Draft([_extent(infinitive)], _indirect_kind(infinitive, quote_of_token),
                          "indirect_infinitive", 0.6, cue_span, source)

    prepositional = _prepositional_content(token, lemma)
    if prepositional is not None:
        return _Draft([_extent(prepositional)], _indirect_kind(prepositional, quote_of_token),
                      "indirect_prepositional", 0.55, cue_span, source)

    if lemma in OBJECT_CONTENT_VERBS:
        obj = _object_content(token)
        if obj is not None:
            return _Draft([_extent(obj)], _indirect_kind(obj, quote_of_token),
                          "indirect_object", 0.5, cue_span, source)

    paratactic = _paratactic_content(token, source)
    if paratactic is not None:
        return _Draft(paratactic, "indirect", "indirect_parenthetical", 0.7, cue_span, source)
    return None


def clause_rule(cue, clause: list) -> str:
    return "clause_before" if clause[-1].i < cue.i else "clause"


def _extent(tokens: list) -> tuple[int, int]:
    first, last = tokens[0], tokens[-1]
    return first.idx, last.idx + len(last.text)


# ---- according to


def _is_according_to(token) -> bool:
    return (token.lower_ == "according" and token.i + 1 < len(token.doc)
            and token.doc[token.i + 1].lower_ == "to")


def _according_to(token, doc) -> Optional[_Draft]:
    to = doc[token.i + 1]
    objects = [c for c in to.children if c.dep_ == "pobj"] or [
        c for c in token.children if c.dep_ == "pobj"]
    if not objects:
        return None
    source = list(objects[0].subtree)
    phrase_start = token.i
    phrase_end = max(t.i for t in source) + 1
    sent = token.sent
    # The content is the rest of the sentence, on the side(s) of the phrase that hold words.
    before = _trim(doc[sent.start:phrase_start])
    after = _trim(doc[phrase_end:sent.end])
    fragments = [_extent(part) for part in (before, after) if _has_words(part)]
    if not fragments:
        return None
    cue_span = (token.idx, to.idx + len(to.text))
    return _Draft(fragments, "indirect", "according_to", 0.8, cue_span, source)


def _noun_cue(noun) -> Optional[_Draft]:
    """ "Trump's claim that the vote was rigged": content = the "that" clause."""
    for child in noun.children:
        if child.dep_ not in ("acl", "ccomp") or child.i < noun.i:
            continue
        marks = [c for c in child.children if c.dep_ == "mark" and c.lower_ == "that"]
        if not marks or not any(c.dep_ in SUBJECT_DEPS for c in child.children):
            continue
        clause = _trim(child.subtree)
        if not _has_words(clause):
            continue
        owners = [c for c in noun.children if c.dep_ == "poss"]
        owners += [o for c in noun.children if c.dep_ == "prep" and c.lower_ in ("from", "by")
                   for o in c.children if o.dep_ == "pobj"]
        # "Trump claims that …" with the verb mistagged as a noun: the name before it.
        owners += [c for c in noun.children if c.dep_ in ("compound", "nmod") and c.pos_ == "PROPN"]
        if owners:
            source = _source_phrase(owners[0])
        elif noun.dep_ == "dobj":
            source = _subject_of(noun.head)  # "the ministry issued a statement that …"
        else:
            source = []
        return _Draft([_extent(clause)], "indirect", "noun_cue", 0.55,
                      (noun.idx, noun.idx + len(noun.text)), source)
    return None


def _has_words(tokens: list) -> bool:
    return sum(1 for t in tokens if t.is_alpha) >= 2


def _trim(tokens) -> list:
    """Tokens without the punctuation and conjunctions at either edge."""
    tokens = list(tokens)
    edge = lambda t: (t.is_punct and not _is_quote_mark(t)) or t.is_space or t.dep_ == "cc"
    while tokens and edge(tokens[0]):
        tokens.pop(0)
    while tokens and edge(tokens[-1]):
        tokens.pop()
    return tokens


def _is_quote_mark(token) -> bool:
    return token.text in ('"', "“", "”", "''", "``", "‘", "’", "«", "»")


# ---- source


def _source_tokens(cue, quote_of_token) -> list:
    """The subject of the cue as written (never words inside a quotation)."""
    source = _subject_of(cue)
    if not source:
        return []
    if all(quote_of_token[t.i] is None for t in source) and _same_line(source, cue):
        return source
    # A misparse put the subject inside a quotation or on another line (a headline, a
    # time stamp): take the name next to the cue instead.
    return _adjacent_name(cue, quote_of_token)


def _same_line(tokens: list, cue) -> bool:
    doc = cue.doc
    low = min(tokens[0].i, cue.i)
    high = max(tokens[-1].i, cue.i)
    return not any("\n" in t.text for t in doc[low:high + 1])


def _subject_of(cue) -> list:
    """Subject of the cue, following coordination, participles and relative clauses."""
    verb = cue
    for _ in range(4):
        subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
        if subjects:
            subject = subjects[0]
            if subject.dep_ == "nsubjpass":
                return _passive_agent(verb)
            if (subject.lower_ in ("that", "which") and verb.dep_ == "relcl"
                    and verb.head.i < subject.i):
                # "nations that oppose": the noun the relative clause describes.
                return _source_phrase(verb.head, stop=verb)
            return _source_phrase(subject)
        agent = _passive_agent(verb)
        if agent:
            return agent
        if verb.dep_ in ("conj", "advcl", "xcomp") and verb.head != verb:
            # "... and warned", "..., adding that", "went on to say": the governing verb's subject.
            verb = verb.head
            continue
        if verb.dep_ == "pcomp" and verb.head.dep_ == "prep" and verb.head.head.pos_ in ("VERB", "AUX"):
            # "... in saying that": the subject of the verb the preposition modifies.
            verb = verb.head.head
            continue
        if verb.dep_ in ("acl", "relcl") and verb.head.pos_ in ("PROPN", "NOUN", "PRON"):
            if verb.dep_ == "relcl" or verb.tag_ in ("VBD", "VBZ", "VBP"):
                # Misparsed "Trump called ..." (acl) and "officials who said" (relcl).
                return _source_phrase(verb.head, stop=verb)
        break
    return _governing_subject(cue)


def _governing_subject(cue) -> list:
    """For a participle or infinitive without a subject ("issued a statement calling …",
    "avoids condemning …"), the subject of the nearest verb above it, if it comes first."""
    for _, ancestor in _with_heads(cue):
        if ancestor.pos_ not in ("VERB", "AUX"):
            continue
        subjects = [c for c in ancestor.children if c.dep_ in ("nsubj", "csubj") and c.i < cue.i]
        if subjects:
            return _source_phrase(subjects[0])
        if ancestor.dep_ == "ccomp":
            break  # beyond this the clause belongs to another speaker
    return []


def _adjacent_name(cue, quote_of_token) -> list:
    """The noun phrase right after ("said Jane Doe") or right before ("Jane Doe said") the cue."""
    doc = cue.doc
    for i in (cue.i + 1, cue.i - 1):
        if not 0 <= i < len(doc) or quote_of_token[i] is not None:
            continue
        token = doc[i]
        if token.pos_ not in ("PROPN", "NOUN", "PRON") or token.ent_type_ in ("DATE", "TIME"):
            continue
        if any(a == cue and d.dep_ in ("dobj", "dative", "npadvmod", "attr", "oprd", "ccomp")
               for d, a in _with_heads(token)):
            continue  # the cue's object, not its speaker
        head = token
        while (head.head != head and head.head.pos_ in ("PROPN", "NOUN")
               and quote_of_token[head.head.i] is None and abs(head.head.i - i) <= 4):
            head = head.head
        return _source_phrase(head, stop=cue)
    return []


def _with_heads(token):
    """(token, head) pairs from ``token`` up to the root."""
    while token.head != token:
        yield token, token.head
        token = token.head


def _passive_agent(verb) -> list:
    for child in verb.children:
        if child.dep_ == "agent":
            objects = [c for c in child.children if c.dep_ == "pobj"]
            if objects:
                return _source_phrase(objects[0])
    return []


def _source_phrase(head, stop=None) -> list:
    """The subject's noun phrase, without clauses hanging off it or the cue itself."""
    tokens = [head]
    for child in head.children:
        if child == stop or child.dep_ in ("relcl", "acl", "ccomp", "advcl"):
            continue
        tokens.extend(child.subtree)
    tokens = sorted(set(tokens), key=lambda t: t.i)
    # Keep the run around the head that stays on its line (a misparse can reach into a headline).
    run = [head]
    for step in (-1, 1):
        position = tokens.index(head) + step
        while 0 <= position < len(tokens) and "\n" not in tokens[position].text:
            neighbour = tokens[position]
            if abs(neighbour.i - run[-1 if step > 0 else 0].i) > 1:
                break
            run.insert(len(run) if step > 0 else 0, neighbour)
            position += step
    return _trim(run)


# ---- direct quotes


def _adjacent_quotes(cue, doc, quotes, quote_of_token, source) -> list[int]:
    """Quotations next to the cue with only attribution words between.

    Returns quote indexes: the quote before and/or after the cue ("…," he said, "…"),
    then the quotations that continue it in the following sentences of the paragraph.
    """
    if quote_of_token[cue.i] is not None:
        return []
    frame = {t.i for t in source} | {cue.i}
    frame.update(c.i for c in cue.children
                 if c.dep_ in ("aux", "auxpass", "neg", "advmod", "npadvmod", "prt", "dative",
                               "punct", "cc"))
    frame.update(t.i for c in cue.children if c.dep_ in ("npadvmod", "dative") for t in c.subtree)
    frame.update(t.i for c in cue.children if c.dep_ == "prep" and _is_time_or_audience(c)
                 for t in c.subtree)

    picked: list[int] = []
    before = _quote_beside(cue, doc, quote_of_token, frame, step=-1)
    after = _quote_beside(cue, doc, quote_of_token, frame, step=+1)
    if before is not None:
        picked.append(before)
    if after is not None:
        picked.append(after)
    if not picked:
        return []
    # A quote going on after the attribution sentence ("…,” he said. “…”) or after "said:".
    last = picked[-1]
    follow = _continuing_quotes(doc, quotes, last, colon=after is not None and before is None)
    return picked + follow


def _is_time_or_audience(prep) -> bool:
    objects = [c for c in prep.children if c.dep_ == "pobj"]
    if not objects:
        return False
    obj = objects[0]
    return obj.ent_type_ in ("DATE", "TIME") or prep.lower_ in ("to", "in", "on", "at", "during")


def _quote_beside(cue, doc, quote_of_token, frame: set, step: int) -> Optional[int]:
    """The quotation reached from the cue walking over attribution words only."""
    i = cue.i + step
    while 0 <= i < len(doc):
        token = doc[i]
        if quote_of_token[i] is not None:
            return quote_of_token[i]
        if token.is_space:
            # Only "said:" reaches into the next paragraph.
            if "\n" in token.text and (step < 0 or not _ends_with_colon(doc, cue, i)):
                return None
            i += step
            continue
        if i in frame or token.is_punct:
            i += step
            continue
        return None
    return None


def _ends_with_colon(doc, cue, newline_index: int) -> bool:
    return doc[cue.i:newline_index].text.rstrip().endswith(":")


def _continuing_quotes(doc, quotes, last: int, colon: bool) -> list[int]:
    """Quotations right after ``last`` in its paragraph whose sentences have no cue of their own."""
    following = []
    current = last
    text = doc.text
    while current + 1 < len(quotes):
        gap = text[quotes[current][1]:quotes[current + 1][0]]
        if "\n" in gap and not colon:
            break
        if "\n" in gap and not gap.strip() == "":
            break
        if not _attribution_free(gap):
            break
        nxt = quotes[current + 1]
        span = doc.char_span(nxt[0], nxt[1], alignment_mode="expand")
        if span is None or _sentence_has_cue(span, nxt):
            break
        following.append(current + 1)
        current += 1
        if "\n" in gap:
            break
    return following


def _attribution_free(gap: str) -> bool:
    """Text between two quotations that adds nothing (at most a sentence-ending period)."""
    return re.fullmatch(r"[\s.,;:…—–-]*", gap) is not None


def _sentence_has_cue(span, quote: tuple[int, int]) -> bool:
    sent = span[0].sent
    return any(_is_cue(t) and not (quote[0] <= t.idx < quote[1]) for t in sent)


# ---- indirect speech


def _clause_content(cue) -> Optional[list]:
    """The complement clause of the cue: "said [that the talks will continue]"."""
    for child in cue.children:
        if child.dep_ == "ccomp":
            tokens = _trim(child.subtree)
            if _has_words(tokens):
                return tokens
    return None


def _infinitive_content(cue) -> Optional[list]:
    for child in cue.children:
        if child.dep_ == "xcomp" and child.i > cue.i:
            objects = [c for c in cue.children if c.dep_ in ("dobj", "dative") and c.i < child.i]
            start = min([child.left_edge.i] + [o.left_edge.i for o in objects])
            tokens = _trim(cue.doc[start:child.right_edge.i + 1])
            if _has_words(tokens):
                return tokens
    return None


def _prepositional_content(cue, lemma: str) -> Optional[list]:
    preps = PREPOSITION_CONTENT.get(lemma)
    if not preps:
        return None
    for child in cue.children:
        if child.dep_ == "prep" and child.lower_ in preps and child.i > cue.i:
            objects = [c for c in child.children if c.dep_ in ("pobj", "pcomp")]
            if objects:
                tokens = _trim(cue.doc[objects[0].left_edge.i:child.right_edge.i + 1])
                if _has_words(tokens) or len(tokens) >= 1 and tokens[0].pos_ == "PROPN":
                    return tokens
    return None


def _object_content(cue) -> Optional[list]:
    """The object, with what the cue says about it: "called [Zelensky a “dictator”]"."""
    for child in cue.children:
        if child.dep_ == "dobj" and child.i > cue.i and child.pos_ != "PRON":
            end = child.right_edge.i
            for complement in cue.children:
                if complement.i > child.i and (complement.dep_ in ("oprd", "xcomp", "ccomp") or (
                        complement.dep_ == "prep" and complement.lower_ in ("as", "of", "to", "for"))):
                    end = max(end, complement.right_edge.i)
            tokens = _trim(cue.doc[child.left_edge.i:end + 1])
            if tokens:
                return tokens
    return None


def _paratactic_content(cue, source: list) -> Optional[list[tuple[int, int]]]:
    """ "The talks will continue, Peskov said": the cue hangs off the reported clause."""
    head = cue.head
    if cue.lemma_.lower() not in PARENTHETICAL_VERBS:
        return None
    if cue.dep_ not in ("parataxis", "ccomp", "advcl", "conj") or head == cue or head.i > cue.i:
        return None
    if not source or source[0].i < head.i:
        return None
    left = cue.left_edge.i
    if left == 0 or cue.doc[left - 1].text not in (",", "—", "–", "-"):
        return None
    attribution = set(t.i for t in cue.subtree)
    clause = [t for t in head.subtree if t.i not in attribution and t.i < cue.left_edge.i]
    tokens = _trim(clause)
    if not _has_words(tokens) or tokens[-1].i + 3 < cue.left_edge.i:
        return None
    return [_extent(tokens)]


def _indirect_kind(tokens: list, quote_of_token) -> str:
    return "partial" if any(quote_of_token[t.i] is not None for t in tokens) else "indirect"


# ---- partial quotes (scare quotes)


def _partial_quotes(doc, quotes, quote_of_token, used_quotes: set, drafts: list,
                    sentence_of_token) -> list[_Draft]:
    """Short quoted phrases not inside any attribution: kind ``partial``."""
    covered = [f for d in drafts for f in d.fragments]
    found = []
    for index, (start, end) in enumerate(quotes):
        if index in used_quotes or any(s <= start and end <= e for s, e in covered):
            continue
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            continue
        words = [t for t in span if t.is_alpha]
        if not words or len(words) > PARTIAL_MAX_WORDS:
            continue
        sentence = sentence_of_token[span[0].i]
        cue, source = _scare_quote_speaker(span, quote_of_token, drafts, sentence)
        cue_span = (cue.idx, cue.idx + len(cue.text)) if cue is not None else None
        found.append(_Draft([(start, end)], "partial", "scare_quote", 0.4, cue_span, source,
                            sentence))
    return found


def _scare_quote_speaker(span, quote_of_token, drafts: list, sentence: int):
    """(cue token or None, source tokens) for a quoted phrase.

    The subject of a reporting verb the phrase depends on or that shares its sentence;
    failing that, the source of the attribution just before it (an article paraphrasing
    one speaker keeps quoting their words); failing that, the subject of its verb.
    """
    ancestors = [span.root, *span.root.ancestors]
    cues = [t for t in ancestors if _is_cue(t) and quote_of_token[t.i] is None]
    cues += [t for t in span.sent if _is_cue(t) and quote_of_token[t.i] is None and t not in cues]
    for cue in cues:
        source = _source_tokens(cue, quote_of_token)
        if source:
            return cue, source
    earlier = [d for d in drafts if d.source_tokens and sentence - 2 <= d.sentence <= sentence
               and d.fragments[0][0] < span.start_char]
    if earlier:
        return None, max(earlier, key=lambda d: d.fragments[0][0]).source_tokens
    verb = next((t for t in ancestors if t.pos_ in ("VERB", "AUX")), None)
    return None, (_source_tokens(verb, quote_of_token) if verb is not None else [])


# ---- quote followed by a dash and a name; headline "Name: words"

DASH_RE = re.compile(r"[ \t]*([―—–]|--)[ \t]*")


def _dash_attributions(doc, quotes, used_quotes: set, sentence_of_token) -> list[_Draft]:
    """ “…” ― Jane Doe: a quotation signed with a dash and a name at the end of its line."""
    found = []
    text = doc.text
    for index, (start, end) in enumerate(quotes):
        if index in used_quotes:
            continue
        dash = DASH_RE.match(text, end)
        if dash is None:
            continue
        line_end = text.find("\n", dash.end())
        line_end = len(text) if line_end < 0 else line_end
        name = doc.char_span(dash.end(), line_end, alignment_mode="contract")
        if name is None:
            continue
        name_tokens = _trim(name)
        if not name_tokens or len(name_tokens) > 12 or not name_tokens[0].text[:1].isupper():
            continue
        used_quotes.add(index)
        found.append(_Draft([(start, end)], "direct", "direct_quote_dash", 0.8,
                            (dash.start(1), dash.end(1)), name_tokens,
                            sentence_of_token[name_tokens[0].i]))
    return found


def _headline_attributions(doc, quote_of_token, sentence_of_token) -> list[_Draft]:
    """A line opening with a short name and a colon ("Caddell: Voters are worried")."""
    found = []
    for token in doc:
        if token.text != ":" or quote_of_token[token.i] is not None:
            continue
        line_start = token.i
        while line_start > 0 and "\n" not in doc[line_start - 1].text:
            line_start -= 1
        name = _trim(doc[line_start:token.i])
        if not name or len(name) > 4 or not all(t.pos_ == "PROPN" for t in name):
            continue
        line_end = token.i + 1
        while line_end < len(doc) and "\n" not in doc[line_end].text:
            line_end += 1
        content = _trim(doc[token.i + 1:line_end])
        if sum(1 for t in content if t.is_alpha) < 3:
            continue
        found.append(_Draft([_extent(content)], _indirect_kind(content, quote_of_token),
                            "headline_colon", 0.6, (token.idx, token.idx + 1), name,
                            sentence_of_token[token.i]))
    return found


def _without_duplicates(drafts: list[_Draft]) -> list[_Draft]:
    """One attribution per content: when two rules found the same content, keep the surer."""
    best: dict[tuple, _Draft] = {}
    for draft in drafts:
        key = tuple(draft.fragments)
        if key not in best or draft.confidence > best[key].confidence:
            best[key] = draft
    return sorted(best.values(), key=lambda d: d.fragments[0][0])


# --------------------------------------------------------------------------- speakers


def _finish(doc, drafts: list[_Draft], sentences, actor_spans) -> list[QuoteLike]:
    text = doc.text
    results: list[QuoteLike] = []
    named_speakers: list[tuple[int, int, str]] = []  # (start, end, group) of resolved speakers
    for draft in drafts:
        source_span = _extent(draft.source_tokens) if draft.source_tokens else None
        speaker_span = None
        if draft.source_tokens:
            speaker_span = _resolve_speaker(doc, draft.source_tokens, named_speakers, sentences)
        if speaker_span is not None:
            named_speakers.append((*speaker_span, _speaker_group(doc, speaker_span)))
        fragments = tuple(sorted(draft.fragments))
        start, end = fragments[0][0], fragments[-1][1]
        content = " ".join(text[s:e] for s, e in fragments)
        actor = (_actor_for(speaker_span, actor_spans) or _actor_for(source_span, actor_spans)
                 if speaker_span or source_span else None)
        cue_span = draft.cue_span
        results.append(QuoteLike(
            text=content, start=start, end=end, fragments=fragments, kind=draft.kind,
            cue=text[cue_span[0]:cue_span[1]] if cue_span else None, cue_span=cue_span,
            source_text=text[source_span[0]:source_span[1]] if source_span else None,
            source_span=source_span,
            speaker_text=text[speaker_span[0]:speaker_span[1]] if speaker_span else None,
            speaker_span=speaker_span, speaker_actor=actor, sentence=draft.sentence,
            confidence=draft.confidence, rule=draft.rule))
    return results


def _resolve_speaker(doc, source: list, named_speakers, sentences) -> Optional[tuple[int, int]]:
    """The named speaker a source stands for: the name inside it, or a pronoun's antecedent."""
    if len(source) == 1 and source[0].lower_ in PERSONAL_PRONOUNS:
        return _antecedent(doc, source[0], PERSONAL_PRONOUNS[source[0].lower_], named_speakers)
    if len(source) == 1 and source[0].lower_ in RELATIVE_PRONOUNS:
        head = source[0].head
        if head.dep_ == "relcl" and head.head.i < source[0].i:
            return _extent(_source_phrase(head.head, stop=head))
        return None
    for ent in doc.ents:
        if ent.label_ in SPEAKER_LABELS and source[0].i <= ent.start and ent.end <= source[-1].i + 1:
            return ent.start_char, ent.end_char
    return _extent(source)


def _speaker_group(doc, span: tuple[int, int]) -> str:
    chunk = doc.char_span(span[0], span[1], alignment_mode="expand")
    if chunk is not None and any(t.ent_type_ == "PERSON" for t in chunk):
        return "PERSON"
    return "GROUP"


def _antecedent(doc, pronoun, group: str, named_speakers) -> Optional[tuple[int, int]]:
    """Most recent compatible speaker or entity before the pronoun within a few sentences."""
    sent_starts = [s.start for s in doc.sents]
    current = max(i for i, s in enumerate(sent_starts) if s <= pronoun.i)
    window_start = doc[sent_starts[max(0, current - PRONOUN_WINDOW)]].idx
    labels = PERSON_LABELS if group == "PERSON" else GROUP_LABELS
    candidates = [(e.start_char, e.end_char) for e in doc.ents
                  if e.label_ in labels and window_start <= e.start_char and e.end <= pronoun.i]
    candidates += [(s, e) for s, e, g in named_speakers
                   if g == group and window_start <= s and e <= pronoun.idx]
    if group == "GROUP":
        # "the Kremlin said ... it": a subject noun phrase earlier in the window.
        candidates += [_extent(_source_phrase(t)) for t in doc[:pronoun.i]
                       if t.dep_ == "nsubj" and t.pos_ == "PROPN" and t.idx >= window_start
                       and t.ent_type_ not in ("PERSON",)]
    if not candidates:
        return None
    return max(candidates, key=lambda span: span[0])


def _actor_for(span: Optional[tuple[int, int]], actor_spans) -> Optional[str]:
    if span is None:
        return None
    for start, end, actor_id in actor_spans:
        if start < span[1] and span[0] < end:
            return actor_id
    return None


# --------------------------------------------------------------------------- stage


def actor_spans_of(article: Article) -> list[tuple[int, int, str]]:
    """(start, end, actor_id) for every actor mention the actor layer found."""
    return [(m.start, m.end, actor.id) for actor in article.actors for m in actor.mentions]


def to_record(article_id: str, quote: QuoteLike) -> Quote:
    cue_span = (Span(start=quote.cue_span[0], end=quote.cue_span[1], text=quote.cue)
                if quote.cue_span else None)
    speaker_span = (Span(start=quote.speaker_span[0], end=quote.speaker_span[1],
                         text=quote.speaker_text) if quote.speaker_span else None)
    return Quote(id=record_id(article_id, "quote", quote.start, quote.end), text=quote.text,
                 start=quote.start, end=quote.end, kind=quote.kind, cue=quote.cue,
                 cue_span=cue_span, speaker_text=quote.speaker_text, speaker_span=speaker_span,
                 speaker_actor=quote.speaker_actor, sentence=quote.sentence,
                 confidence=quote.confidence, rule=quote.rule)


@stage(requires=("article.doc",), assigns=("article.quotes",), english_only=True)
def extract_quotes(article: Article, ctx: Context) -> Article:
    """Direct, partial and reported quotes with their cue and speaker."""
    if article.doc is None:
        return article
    found = find_quotes(article.doc, actor_spans_of(article))
    article.quotes = [to_record(article.id, q) for q in found]
    return article
