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

Also: "according to X", "X's claim that …", passives with an agent, headlines and
transcript turns ("PENCE: …"), quotations signed with a dash. An attribution reported
inside another one's content ("Lavrov said Kyiv insists …") is left to the outer one,
and a cue inside a quotation belongs to the quoted words, as in PolNeAR.

Everything works on a parsed spaCy ``Doc``; quotation marks are paired on the raw
text first so that unbalanced marks (an unclosed quote in a paragraph, a stray
closing mark) degrade to a shorter quote instead of an error. Benchmark and error
analysis: ``docs/benchmarks/quotes.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

from ..models import Article, Quote, Span, record_id
from ..stage import Context, stage

# --------------------------------------------------------------------------- lexicon

# Verbs that report speech, writing, thought or a stance. Taken only when they
# govern a content (a quote, a clause, an infinitive, an object), so a broad list is safe.
SPEECH_VERBS = frozenset("""
say tell add note write report announce claim argue insist warn suggest state declare
explain stress emphasize emphasise maintain contend assert allege reiterate repeat
acknowledge admit concede confirm deny reveal disclose indicate signal hint predict
forecast estimate project promise pledge vow threaten urge ask demand request propose
recommend advise tweet post respond reply answer counter retort quip joke boast brag
complain lament grumble worry fear hope expect believe think know feel doubt suspect
consider conclude decide agree disagree recall remember mention cite describe call
accuse blame charge criticize criticise condemn denounce blast slam attack praise hail
welcome applaud thank question wonder speculate observe remark comment testify tout
assure reassure caution concur dispute rebut reject dismiss oppose support endorse back
favor favour want plan intend refuse decline order instruct show find read characterize
portray label dub recount press implore plead appeal lobby push liken brand deem proclaim
echo reference champion lambast scold rebuke discuss express defend promote understand
view encourage identify examine accept document rate highlight address mock ridicule
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
    "refer": {"to"},
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

# Verbs whose direct object is the addressee, not the content.
ADDRESSEE_VERBS = frozenset({"tell", "ask", "inform", "assure", "reassure", "warn", "remind",
                             "urge"})

SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})
# Third-person pronouns and what they can stand for ("I"/"we" outside quotes is the author).
PERSONAL_PRONOUNS = {"he": "PERSON", "she": "PERSON", "him": "PERSON", "her": "PERSON",
                     "they": "PLURAL", "them": "PLURAL", "it": "THING"}
RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom"})
SPEAKER_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE"})
# Entity labels a pronoun of each class can refer to.
ANTECEDENT_LABELS = {"PERSON": {"PERSON"}, "PLURAL": {"ORG", "NORP"}, "THING": {"ORG", "GPE"}}

# A quoted phrase of at most this many words inside a sentence is a partial quote
# (scare quotes, a quoted term) rather than a direct quotation.
PARTIAL_MAX_WORDS = 6
# How far back (in sentences) a pronoun looks for its antecedent.
PRONOUN_WINDOW = 4

QUOTE_MARK_RE = re.compile(r"``|''|[\"“”„«»]|(?<![\w])‘|’(?![\w])")
DOUBLE_OPENERS = frozenset({"“", "„", "«", "``"})
DOUBLE_CLOSERS = frozenset({"”", "»"})
DOUBLE_AMBIGUOUS = frozenset({'"', "''"})  # straight marks open or close
DOUBLE, SINGLE = "double", "single"


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

    Marks are paired paragraph by paragraph: double marks (straight, curly, guillemets,
    ``''``) with each other, single curly marks with each other (an apostrophe is never a
    mark). Straight marks open or close by what surrounds them. A quotation still open at
    the end of its paragraph runs to the paragraph end (the news convention for a quote
    continued in the next paragraph); a closing mark with no opener is ignored. Never
    raises on unbalanced marks.
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n"):
        spans.extend((offset + s, offset + e) for s, e in _paragraph_quotes(paragraph))
        offset += len(paragraph) + 1
    return spans


def _paragraph_quotes(paragraph: str) -> list[tuple[int, int]]:
    # Typography is often mixed ("…” or “…"), so any double mark closes any double
    # opener; single marks only pair with each other.
    stack: list[tuple[str, int]] = []  # (family, start offset)
    spans: list[tuple[int, int]] = []
    for match in QUOTE_MARK_RE.finditer(paragraph):
        mark, pos = match.group(), match.start()
        top_double = bool(stack) and stack[-1][0] == DOUBLE
        if mark in DOUBLE_AMBIGUOUS:
            if top_double and _can_close(paragraph, match):
                _close(stack, spans, match.end(), DOUBLE)
            elif _can_open(paragraph, match):
                stack.append((DOUBLE, pos))
            elif top_double:
                _close(stack, spans, match.end(), DOUBLE)
        elif mark in DOUBLE_OPENERS:
            if (mark == "“" and top_double and _can_close(paragraph, match)
                    and not _can_open(paragraph, match)):
                _close(stack, spans, match.end(), DOUBLE)  # “ typed for ”
            else:
                stack.append((DOUBLE, pos))
        elif mark in DOUBLE_CLOSERS:
            if any(family == DOUBLE for family, _ in stack):
                _close(stack, spans, match.end(), DOUBLE)
            elif not stack and _can_open(paragraph, match):
                stack.append((DOUBLE, pos))  # ” typed for “
        elif mark == "‘":
            stack.append((SINGLE, pos))
        elif any(family == SINGLE for family, _ in stack):  # ’ not followed by a letter
            _close(stack, spans, match.end(), SINGLE)
    unclosed = [start for family, start in stack if family == DOUBLE]
    if unclosed:
        # Unclosed at paragraph end: the outermost quote runs to the end of the paragraph.
        end = len(paragraph.rstrip())
        if end > unclosed[0] + 1:
            spans.append((unclosed[0], end))
    top_level = []
    for span in sorted(spans):
        if top_level and span[0] < top_level[-1][1]:
            continue  # nested inside the previous quotation
        top_level.append(span)
    return top_level


def _close(stack: list, spans: list, end: int, family: str) -> None:
    """Close the innermost open quotation of ``family`` (dropping unclosed ones inside it)."""
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth][0] == family:
            spans.append((stack[depth][1], end))
            del stack[depth:]
            return


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
    drafts.extend(_glued_attributions(doc, quotes, used_quotes, sentence_of_token))
    drafts.extend(_headline_attributions(doc, quotes, quote_of_token, sentence_of_token))
    drafts.extend(_partial_quotes(doc, quotes, quote_of_token, used_quotes, drafts,
                                  sentence_of_token))
    drafts = _outermost(_without_duplicates(drafts))
    return _finish(doc, drafts, actor_spans)


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
    lemma = token.lemma_.lower()
    if token.pos_ not in ("VERB", "AUX") or (lemma not in SPEECH_VERBS
                                             and lemma not in PREPOSITION_CONTENT):
        return False
    # "said" in "the said agreement", participles used as adjectives.
    return token.dep_ not in ("amod", "compound")


def _attribution_for_cue(token, doc, quotes, quote_of_token, used_quotes) -> Optional[_Draft]:
    """The attribution whose cue is ``token``, if it is one: a direct quotation next to the
    cue wins, then (in this order) a complement clause, an infinitive, a prepositional
    object, an object, a passive subject with its agent, and the clause around a
    parenthetical cue."""
    if _is_according_to(token):
        return _according_to(token, doc)
    if token.pos_ == "NOUN" and token.lemma_.lower() in NOUN_CUES:
        return _noun_cue(token)
    if not _is_cue(token):
        return _colon_quote(token, doc, quotes, quote_of_token, used_quotes)
    lemma = token.lemma_.lower()
    source = _source_tokens(token, quote_of_token)
    cue_span = (token.idx, token.idx + len(token.text))

    direct = _adjacent_quotes(token, doc, quotes, quote_of_token, source)
    if direct:
        used_quotes.update(direct)
        fragments = [quotes[q] for q in direct]
        return _Draft(fragments, "direct", "direct_quote_cue", 0.9, cue_span, source)

    def reported(tokens: list, rule: str, confidence: float) -> _Draft:
        fragment = _covering_quotes(_extent(tokens), quotes, quote_of_token, tokens)
        return _Draft([fragment], _indirect_kind(tokens, quote_of_token), rule, confidence,
                      cue_span, source)

    clause = _clause_content(token)
    if clause is not None:
        side = "indirect_clause_before" if clause[-1].i < token.i else "indirect_clause"
        return reported(clause, side, 0.75)
    if lemma in INFINITIVE_CONTENT_VERBS:
        infinitive = _infinitive_content(token)
        if infinitive is not None:
            return reported(infinitive, "indirect_infinitive", 0.6)
    prepositional = _prepositional_content(token, lemma)
    if prepositional is not None:
        return reported(prepositional, "indirect_prepositional", 0.55)
    if lemma not in ADDRESSEE_VERBS:  # "told reporters" names who heard it, not what
        obj = _object_content(token)
        if obj is not None:
            return reported(obj, "indirect_object", 0.5)
    passive = _passive_subject_content(token)
    if passive is not None and source:
        return reported(passive, "indirect_passive", 0.5)
    paratactic = _paratactic_content(token, source)
    if paratactic is not None:
        return _Draft(paratactic, "indirect", "indirect_parenthetical", 0.7, cue_span, source)
    return None


def _colon_quote(verb, doc, quotes, quote_of_token, used_quotes) -> Optional[_Draft]:
    """Any verb that introduces a quotation with a colon reports it ("Caddell continued:")."""
    if verb.pos_ != "VERB" or verb.i + 1 >= len(doc) or doc[verb.i + 1].text != ":":
        return None
    source = _source_tokens(verb, quote_of_token)
    after = _quote_beside(verb, doc, quote_of_token, {verb.i}, step=+1, cross_sentence=False)
    if after is None or not source:
        return None
    direct = [after, *_continuing_quotes(doc, quotes, after)]
    used_quotes.update(direct)
    return _Draft([quotes[q] for q in direct], "direct", "direct_quote_colon", 0.7,
                  (verb.idx, verb.idx + len(verb.text)), source)


QUOTE_TAIL_RE = re.compile(r"[\s.,;:!?…—–\"'”’»-]*")


def _covering_quotes(extent: tuple[int, int], quotes, quote_of_token, tokens) -> tuple[int, int]:
    """Widen a content to the quotation marks it opens or closes ("was “a step forward.”")."""
    start, end = extent
    first, last = quote_of_token[tokens[0].i], quote_of_token[tokens[-1].i]
    if first is not None and quotes[first][0] < start:
        start = quotes[first][0]
    if last is not None and quotes[last][1] > end and QUOTE_TAIL_RE.fullmatch(
            tokens[0].doc.text[end:quotes[last][1]]):
        end = quotes[last][1]
    return start, end


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
        else:
            # "the ministry issued a statement that …", "persisted in arguments that …"
            source = _governing_subject(noun)
        return _Draft([_extent(clause)], "indirect", "noun_cue", 0.55,
                      (noun.idx, noun.idx + len(noun.text)), source)
    return None


def _has_words(tokens: list) -> bool:
    return sum(1 for t in tokens if t.is_alpha) >= 2


def _trim(tokens) -> list:
    """Tokens in text order (a non-projective parse yields subtrees out of order), without
    the punctuation and conjunctions at either edge."""
    tokens = sorted(tokens, key=lambda t: t.i)
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
        # A finite reporting verb always has a speaker; the parser may have missed an
        # inverted one ("…," Jane Doe, a senior adviser, said).
        return _adjacent_name(cue, quote_of_token) if cue.tag_ in ("VBD", "VBZ", "VBP") else []
    if all(quote_of_token[t.i] is None for t in source) and _same_line(source, cue):
        return source
    # A misparse put the subject inside a quotation or on another line (a headline, a
    # time stamp): take the name next to the cue, or the subject of a verb above it.
    return _adjacent_name(cue, quote_of_token) or _governing_subject(cue, quote_of_token)


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
            # Two subjects means a misparse; the one nearest the verb is the real one.
            subject = min(subjects, key=lambda c: abs(c.i - verb.i))
            if subject.dep_ == "nsubjpass":
                return _passive_agent(verb)
            return _source_phrase(subject)
        agent = _passive_agent(verb)
        if agent:
            return agent
        if verb.tag_ == "VBN" and verb.dep_ == "advcl":
            return []  # "Asked about the talks, …": the one asked is not the one asking
        if verb.dep_ in ("conj", "advcl", "xcomp") and verb.head != verb:
            # "... and warned", "..., adding that", "went on to say": the governing verb's subject.
            verb = verb.head
            continue
        if (verb.dep_ == "pcomp" and verb.head.dep_ == "prep"
                and verb.head.head.pos_ in ("VERB", "AUX")):
            # "... in saying that": the subject of the verb the preposition modifies.
            verb = verb.head.head
            continue
        if verb.dep_ in ("acl", "relcl") and verb.head.pos_ in ("PROPN", "NOUN", "PRON"):
            if (verb.dep_ == "relcl" or verb.tag_ in ("VBD", "VBZ", "VBP")
                    or (verb.head.pos_ == "PROPN" and verb.head.i == verb.i - 1)):
                # Misparsed "Trump called ..." (acl) and "officials who said" (relcl).
                return _source_phrase(verb.head, stop=verb)
        break
    return _governing_subject(cue)


def _governing_subject(cue, quote_of_token=None) -> list:
    """For a participle or infinitive without a subject ("issued a statement calling …",
    "avoids condemning …"), the subject of the nearest verb above it, if it comes first.

    With ``quote_of_token``, verbs and subjects inside quotations are passed over (the
    parser sometimes hangs "…," Sanders said, suggesting … on a quoted verb).
    """
    def quoted(token) -> bool:
        return quote_of_token is not None and quote_of_token[token.i] is not None

    for _, ancestor in _with_heads(cue):
        if quoted(ancestor):
            continue
        if ancestor.pos_ in ("VERB", "AUX"):
            subjects = [c for c in ancestor.children
                        if c.dep_ in ("nsubj", "csubj") and c.i < cue.i and not quoted(c)]
            if subjects:
                return _source_phrase(min(subjects, key=lambda c: abs(c.i - ancestor.i)))
        if ancestor.dep_ == "ccomp":
            break  # beyond this the clause belongs to another speaker
    return []


def _adjacent_name(cue, quote_of_token) -> list:
    """The noun phrase right after ("said Jane Doe") or right before ("Jane Doe, an
    adviser, said") the cue."""
    doc = cue.doc
    after, before = cue.i + 1, cue.i - 1
    # Over punctuation and the cue's auxiliaries: "Jane Doe is once again questioning".
    while before > cue.sent.start and quote_of_token[before] is None and (
            doc[before].is_punct or (doc[before].head == cue
                                     and doc[before].dep_ in ("aux", "auxpass", "neg", "advmod"))):
        before -= 1
    for i in (after, before):
        if not cue.sent.start <= i < cue.sent.end or quote_of_token[i] is not None:
            continue
        token = doc[i]
        if token.pos_ not in ("PROPN", "NOUN", "PRON") or token.ent_type_ in ("DATE", "TIME"):
            continue
        if any(a == cue and d.dep_ in ("dobj", "dative", "npadvmod", "attr", "oprd", "ccomp")
               for d, a in _with_heads(token)):
            continue  # the cue's object, not its speaker
        head = token
        # Up from "Atlantic" in "Jane Doe, a writer for The Atlantic," to "Doe".
        while (head.head != head
               and head.dep_ in ("compound", "flat", "appos", "pobj", "prep", "poss")
               and head.head.i < head.i and quote_of_token[head.head.i] is None):
            head = head.head
        if head.pos_ in ("PROPN", "NOUN", "PRON"):
            phrase = _source_phrase(head, stop=cue)
            # A misparse can leave the first word of a name outside its phrase ("Tulsa").
            while (phrase and phrase[0].i > 0 and quote_of_token[phrase[0].i - 1] is None
                   and (doc[phrase[0].i - 1].pos_ == "PROPN" or doc[phrase[0].i - 1].is_title)):
                phrase.insert(0, doc[phrase[0].i - 1])
            return phrase
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
    if cue.lemma_.lower() in ADDRESSEE_VERBS:
        # "told reporters: …": the object of these verbs is who was spoken to.
        frame.update(t.i for c in cue.children if c.dep_ == "dobj" for t in c.subtree)
    frame.update(t.i for c in cue.children if c.dep_ == "prep" and _is_time_or_audience(c)
                 for t in c.subtree)

    picked: list[int] = []
    before = _quote_beside(cue, doc, quote_of_token, frame, step=-1, cross_sentence=False)
    if (before is not None and _ends_sentence(doc.text, quotes[before])
            and any(c.dep_ == "ccomp" and c.i > cue.i for c in cue.children)):
        before = None  # '… escapades." The agency said North Korea had …': another sentence
    # Past the end of the cue's sentence only to continue a quotation ("…,” he said. “…”).
    after = _quote_beside(cue, doc, quote_of_token, frame, step=+1,
                          cross_sentence=before is not None)
    if before is not None:
        picked.append(before)
    if after is not None:
        picked.append(after)
    if not picked:
        return []
    return picked + _continuing_quotes(doc, quotes, picked[-1])


def _ends_sentence(text: str, quote: tuple[int, int]) -> bool:
    """Whether the quotation ends with a full stop inside its closing mark (“… war.”)."""
    return text[quote[0]:quote[1]].rstrip("\"”’»'").endswith(".")


def _is_time_or_audience(prep) -> bool:
    objects = [c for c in prep.children if c.dep_ == "pobj"]
    if not objects:
        return False
    obj = objects[0]
    return obj.ent_type_ in ("DATE", "TIME") or prep.lower_ in ("to", "in", "on", "at", "during")


def _quote_beside(cue, doc, quote_of_token, frame: set, step: int,
                  cross_sentence: bool) -> Optional[int]:
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
        if token.text in (".", "!", "?") and not cross_sentence:
            return None  # the quotation belongs to another sentence
        if i in frame or token.is_punct:
            i += step
            continue
        return None
    return None


def _ends_with_colon(doc, cue, newline_index: int) -> bool:
    return doc[cue.i:newline_index].text.rstrip().endswith(":")


def _continuing_quotes(doc, quotes, last: int) -> list[int]:
    """Quotations that go on from quotation ``last``: the next ones in its paragraph with
    nothing but punctuation between and no cue of their own, or, when it was left open at
    the end of its paragraph, the quotation that opens the next paragraph."""
    following = []
    current = last
    text = doc.text
    while current + 1 < len(quotes):
        nxt = quotes[current + 1]
        gap = text[quotes[current][1]:nxt[0]]
        if "\n" in gap:
            if gap.strip() or _is_closed(text, quotes[current]):
                break
        elif not _attribution_free(gap):
            break
        span = doc.char_span(nxt[0], nxt[1], alignment_mode="expand")
        if span is None or _sentence_has_cue(span, nxt):
            break
        following.append(current + 1)
        current += 1
    return following


def _is_closed(text: str, quote: tuple[int, int]) -> bool:
    """Whether a quotation ends with its closing mark (not cut at the paragraph end)."""
    return text[quote[1] - 1] in "\"”’»'"


def _attribution_free(gap: str) -> bool:
    """Text between two quotations that adds nothing (at most a sentence-ending period)."""
    return re.fullmatch(r"[\s.,;:…—–-]*", gap) is not None


def _sentence_has_cue(span, quote: tuple[int, int]) -> bool:
    sent = span[0].sent
    return any(_is_cue(t) and not (quote[0] <= t.idx < quote[1]) for t in sent)


# ---- indirect speech


def _clause_content(cue) -> Optional[list]:
    """The complement clause of the cue: "said [that the talks will continue]"."""
    # A clause after the cue first: in "Claiming X, Trump told Fox that Y" the parser
    # may hang both on the cue.
    for child in sorted(cue.children, key=lambda c: c.i < cue.i):
        if child.dep_ == "ccomp":
            tokens = _trim(_same_paragraph(cue, child.subtree))
            if _has_words(tokens):
                return tokens
    return None


def _same_paragraph(cue, tokens) -> list:
    """The tokens in the cue's paragraph (the parser sometimes joins two paragraphs)."""
    text = cue.doc.text
    start = text.rfind("\n", 0, cue.idx) + 1
    end = text.find("\n", cue.idx)
    end = len(text) if end < 0 else end
    return [t for t in tokens if start <= t.idx < end]


def _infinitive_content(cue) -> Optional[list]:
    for child in cue.children:
        if child.dep_ == "xcomp" and child.i > cue.i:
            objects = [c for c in cue.children if c.dep_ in ("dobj", "dative") and c.i < child.i]
            start = min([child.left_edge.i] + [o.left_edge.i for o in objects])
            tokens = _trim(_same_paragraph(cue, cue.doc[start:child.right_edge.i + 1]))
            if _has_words(tokens):
                return tokens
    return None


def _prepositional_content(cue, lemma: str) -> Optional[list]:
    preps = PREPOSITION_CONTENT.get(lemma)
    if not preps:
        return None
    for child in cue.children:
        if child.dep_ == "prep" and child.lower_ in preps and child.i > cue.i:
            objects = [c for c in child.children if c.dep_ in ("pobj", "pcomp")
                       and c.ent_type_ not in ("DATE", "TIME")]
            if objects:
                phrase = cue.doc[objects[0].left_edge.i:child.right_edge.i + 1]
                tokens = _trim(_same_paragraph(cue, phrase))
                if _has_words(tokens) or len(tokens) >= 1 and tokens[0].pos_ == "PROPN":
                    return tokens
    return None


def _object_content(cue) -> Optional[list]:
    """The object, with what the cue says about it: "called [Zelensky a “dictator”]"."""
    objects = [c for c in cue.children if c.dep_ == "dobj" and c.i > cue.i and c.pos_ != "PRON"]
    if not objects:
        # "called Zelensky a dictator" is often parsed as two predicate complements.
        objects = [c for c in cue.children if c.dep_ == "oprd" and c.i > cue.i][:1]
    for child in objects:
        end = child.right_edge.i
        for complement in cue.children:
            if complement.i > child.i and (complement.dep_ in ("oprd", "xcomp", "ccomp") or (
                    complement.dep_ == "prep" and complement.lower_ in ("as", "of", "to", "for"))):
                end = max(end, complement.right_edge.i)
        tokens = _trim(_same_paragraph(cue, cue.doc[child.left_edge.i:end + 1]))
        if tokens:
            return tokens
    return None


def _passive_subject_content(cue) -> Optional[list]:
    """ "The plan was rejected by Kyiv": with an agent, the passive subject is the content."""
    if not any(c.dep_ == "agent" for c in cue.children):
        return None
    for child in cue.children:
        if child.dep_ == "nsubjpass" and child.pos_ != "PRON":
            tokens = _trim(_same_paragraph(cue, child.subtree))
            if tokens:
                return tokens
    return None


def _paratactic_content(cue, source: list) -> Optional[list[tuple[int, int]]]:
    """ "The talks, Peskov said, will continue": the cue is a parenthetical inside the
    reported clause, whose words on either side are the content."""
    head = cue.head
    if cue.lemma_.lower() not in PARENTHETICAL_VERBS or head == cue:
        return None
    if cue.dep_ not in ("parataxis", "ccomp", "advcl", "conj"):
        return None
    parenthetical = {t.i for t in cue.subtree}
    if not source or any(t.i not in parenthetical for t in source):
        return None
    # The parenthetical itself: the source, the cue and what directly follows the cue
    # ("said then", "said on Friday"); words before the source belong to the content.
    left, right = min(source[0].i, cue.i), max(source[-1].i, cue.i)
    while (right + 1 < len(cue.doc) and right + 1 in parenthetical
           and not cue.doc[right + 1].is_punct):
        right += 1
    if left == 0 or cue.doc[left - 1].text not in (",", "—", "–", "-"):
        return None
    clause = [t for t in head.subtree if not left <= t.i <= right]
    before = _trim([t for t in clause if t.i < left])
    after = _trim([t for t in clause if t.i > right])
    if not _has_words(before + after):
        return None
    return [_extent(part) for part in (before, after) if part]


def _indirect_kind(tokens: list, quote_of_token) -> str:
    """``direct`` if the content is all quotation, ``partial`` if some of it is."""
    quoted = [quote_of_token[t.i] is not None for t in tokens if not t.is_space]
    if quoted and all(quoted):
        return "direct"
    return "partial" if any(quoted) else "indirect"


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
        cue, source, how = _scare_quote_speaker(span, quote_of_token)
        cue_span = (cue.idx, cue.idx + len(cue.text)) if cue is not None else None
        found.append(_Draft([(start, end)], "partial", f"scare_quote_{how}", 0.4, cue_span,
                            source, sentence))
    return found


def _scare_quote_speaker(span, quote_of_token):
    """(cue token or None, source tokens, how) for a quoted phrase: the subject of a
    reporting verb the phrase depends on or that shares its sentence."""
    ancestors = [span.root, *span.root.ancestors]
    cues = [t for t in ancestors if _is_cue(t) and quote_of_token[t.i] is None]
    cues += [t for t in span.sent if _is_cue(t) and quote_of_token[t.i] is None and t not in cues]
    for cue in cues:
        source = _source_tokens(cue, quote_of_token)
        if source:
            return cue, source, "cue"
    # No reporting verb: who used the words is unknown (the subject of the sentence or the
    # last speaker is wrong about as often as right).
    return None, [], "uncued"


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


GLUED_CUE_RE = re.compile(
    r"[ \t]*,?[ \t]*(said|says|added|adds|asked|asks|wrote|writes|told|insisted|warned)[ \t]+"
    r"((?:he|she|they)\b|[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,3})")


def _glued_attributions(doc, quotes, used_quotes: set, sentence_of_token) -> list[_Draft]:
    """ “…”said Lavrov: the tokenizer glued the closing mark to the cue, so the parse
    cannot see the attribution; read it off the characters after the quotation."""
    found = []
    text = doc.text
    for index, (start, end) in enumerate(quotes):
        match = None if index in used_quotes else GLUED_CUE_RE.match(text, end)
        if match is None:
            continue
        source = doc.char_span(match.start(2), match.end(2), alignment_mode="expand")
        if source is None:
            continue
        used_quotes.add(index)
        found.append(_Draft([(start, end)], "direct", "direct_quote_glued", 0.7,
                            (match.start(1), match.end(1)), _trim(source),
                            sentence_of_token[source[0].i]))
    return found


def _headline_attributions(doc, quotes, quote_of_token, sentence_of_token) -> list[_Draft]:
    """A line opening with a short name and a colon: a headline ("Caddell: Voters are
    worried") or a transcript turn ("PENCE: Well, look, …"), quoted or not."""
    found = []
    for token in doc:
        if token.text != ":":
            continue
        line_start = token.i
        while line_start > 0 and "\n" not in doc[line_start - 1].text:
            line_start -= 1
        inside = quote_of_token[token.i]
        if inside is not None and quotes[inside][0] != doc[line_start].idx:
            continue  # a colon inside a quotation, unless the quoted line is a transcript turn
        name = [t for t in _trim(doc[line_start:token.i]) if not _is_quote_mark(t)]
        if not name or len(name) > 4 or not all(t.pos_ == "PROPN" or t.text.isupper()
                                                for t in name):
            continue
        line_end = token.i + 1
        while line_end < len(doc) and "\n" not in doc[line_end].text:
            line_end += 1
        content = _trim(doc[token.i + 1:line_end])
        while content and _is_quote_mark(content[-1]):
            content.pop()  # the closing mark of a quoted transcript line
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


def _outermost(drafts: list[_Draft]) -> list[_Draft]:
    """Drop attributions reported inside another one's content.

    In "Lavrov said Kyiv insists it will not cede land" the outer content already holds
    Kyiv's stance, as reported by Lavrov; PARC-style annotation (PolNeAR) keeps the outer
    attribution only.
    """
    kept = []
    for draft in drafts:
        cue = draft.cue_span
        # A scare quote is too short to report anything inside it.
        nested = cue is not None and any(
            other is not draft and not other.rule.startswith("scare_quote")
            and any(start <= cue[0] < end for start, end in other.fragments)
            for other in drafts)
        if not nested:
            kept.append(draft)
    return kept


# --------------------------------------------------------------------------- speakers


def _finish(doc, drafts: list[_Draft], actor_spans) -> list[QuoteLike]:
    """Resolve speakers in text order (so pronouns can refer to earlier speakers)."""
    text = doc.text
    results: list[QuoteLike] = []
    named_speakers: list[tuple[int, int, str]] = []  # (start, end, group) of resolved speakers
    for draft in drafts:
        source_span = _extent(draft.source_tokens) if draft.source_tokens else None
        speaker_span = None
        if draft.source_tokens:
            speaker_span = _resolve_speaker(doc, draft.source_tokens, named_speakers)
        if speaker_span is not None:
            named_speakers.append((*speaker_span, _speaker_group(doc, speaker_span)))
        fragments = tuple(sorted(draft.fragments))
        start, end = fragments[0][0], max(e for _, e in fragments)
        content = " ".join(text[s:e] for s, e in fragments)
        actor = _actor_for(speaker_span, actor_spans)
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


def _resolve_speaker(doc, source: list, named_speakers) -> Optional[tuple[int, int]]:
    """The named speaker a source stands for: the name inside it, or a pronoun's antecedent."""
    if len(source) == 1 and source[0].lower_ in PERSONAL_PRONOUNS:
        return _antecedent(doc, source[0], PERSONAL_PRONOUNS[source[0].lower_], named_speakers)
    if len(source) == 1 and source[0].lower_ in RELATIVE_PRONOUNS:
        head = source[0].head
        if head.dep_ == "relcl" and head.head.i < source[0].i:
            antecedent = _source_phrase(head.head, stop=head)
            return _extent(antecedent) if antecedent else None
        return None
    # The name inside "longtime pollster Pat Caddell", but not "European" in "European leaders".
    head = next((t for t in source if not source[0].i <= t.head.i <= source[-1].i or t.head == t),
                source[-1])
    for ent in doc.ents:
        if (ent.label_ in SPEAKER_LABELS and source[0].i <= ent.start
                and ent.end <= source[-1].i + 1 and ent.start <= head.i < ent.end):
            return ent.start_char, ent.end_char
    return _extent(source)


def _speaker_group(doc, span: tuple[int, int]) -> str:
    """The pronoun class that can refer back to a speaker span."""
    chunk = doc.char_span(span[0], span[1], alignment_mode="expand")
    if chunk is None:
        return "THING"
    if any(t.ent_type_ == "PERSON" for t in chunk):
        return "PERSON"
    return "PLURAL" if _is_plural(chunk.root) else "THING"


def _is_plural(head) -> bool:
    return head.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in head.children)


def _antecedent(doc, pronoun, group: str, named_speakers) -> Optional[tuple[int, int]]:
    """The most recent compatible speaker, entity or subject before the pronoun, at most
    a few sentences back."""
    sent_starts = [s.start for s in doc.sents]
    current = max(i for i, s in enumerate(sent_starts) if s <= pronoun.i)
    first_token = sent_starts[max(0, current - PRONOUN_WINDOW)]
    window_start = doc[first_token].idx
    labels = ANTECEDENT_LABELS[group]
    # An entity used as a modifier ("the American delegation", "Kremlin aides") is not one.
    candidates = [(e.start_char, e.end_char) for e in doc.ents
                  if e.label_ in labels and window_start <= e.start_char and e.end <= pronoun.i
                  and e.root.dep_ not in ("amod", "compound", "nmod")]
    candidates += [(s, e) for s, e, g in named_speakers
                   if g == group and window_start <= s and e <= pronoun.idx]
    if group != "PERSON":
        # "The Kremlin said … it", "Ukrainian officials … they": an earlier subject phrase.
        subjects = [_source_phrase(t) for t in doc[first_token:pronoun.i]
                    if t.dep_ == "nsubj" and t.pos_ in ("PROPN", "NOUN")
                    and t.ent_type_ != "PERSON" and _is_plural(t) == (group == "PLURAL")]
        candidates += [_extent(phrase) for phrase in subjects if phrase]
    if not candidates:
        return None
    return max(candidates, key=lambda span: (span[0], span[1]))


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
