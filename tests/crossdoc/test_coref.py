"""Event coreference on hand-written mentions of strikes and talks."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from sitroom.crossdoc import EventMention, TriggerLexicon, cluster_mentions
from sitroom.models import MergedEvent
from sitroom.crossdoc.coref import arguments_from_parse, derivationally_related, default_lexicon

KYIV_STRIKE = "Russian missiles struck Kyiv on Monday, killing four people in the Darnytskyi district."
KYIV_STRIKE_2 = "Four people were killed when Russian missiles hit the Darnytskyi district of Kyiv on Monday."
KYIV_STRIKE_3 = "The Monday missile strike on Kyiv's Darnytskyi district killed four, officials said."
KHARKIV_STRIKE = "A Russian glide bomb struck Kharkiv on Friday, killing two people near a market."
GENEVA = "Ukrainian and American delegations met in Geneva to discuss the peace plan."


def mention(id_, document, lemma, sentence, published, story="s-war", trigger=None, **arguments):
    return EventMention(id=id_, document=document, head_lemma=lemma, trigger=trigger or lemma, sentence=sentence,
                        document_text=sentence, published=published, story=story,
                        participants=frozenset(arguments.get("participants", ())),
                        locations=frozenset(arguments.get("locations", ())),
                        times=frozenset(arguments.get("times", ())))


MONDAY, FRIDAY = date(2025, 11, 10), date(2025, 11, 14)
MENTIONS = [
    mention("reuters#1", "reuters", "strike", KYIV_STRIKE, MONDAY, trigger="struck", locations={"kyiv"}, times={"monday"}),
    mention("reuters#2", "reuters", "kill", KYIV_STRIKE, MONDAY, trigger="killing", locations={"kyiv"}, times={"monday"}),
    mention("ap#1", "ap", "hit", KYIV_STRIKE_2, MONDAY, locations={"kyiv"}, times={"monday"}),
    mention("ap#2", "ap", "kill", KYIV_STRIKE_2, MONDAY, trigger="killed", locations={"kyiv"}, times={"monday"}),
    mention("kyivpost#1", "kyivpost", "strike", KYIV_STRIKE_3, MONDAY, locations={"kyiv"}, times={"monday"}),
    mention("kyivpost#2", "kyivpost", "kill", KYIV_STRIKE_3, MONDAY, trigger="killed", locations={"kyiv"}, times={"monday"}),
    mention("ukrinform#1", "ukrinform", "strike", KHARKIV_STRIKE, FRIDAY, trigger="struck", locations={"kharkiv"}, times={"friday"}),
    mention("ukrinform#2", "ukrinform", "kill", KHARKIV_STRIKE, FRIDAY, trigger="killing", locations={"kharkiv"}, times={"friday"}),
    mention("bbc#1", "bbc", "meet", GENEVA, date(2025, 11, 23), story="s-talks", locations={"geneva"}),
]


def events_of(events: list[MergedEvent]) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(e.mentions) for e in events)


def test_same_strike_reported_by_several_outlets_is_one_event():
    events = events_of(cluster_mentions(MENTIONS))
    assert frozenset({"reuters#1", "ap#1", "kyivpost#1"}) in events
    assert frozenset({"reuters#2", "ap#2", "kyivpost#2"}) in events


def test_strikes_on_different_days_stay_apart():
    events = events_of(cluster_mentions(MENTIONS))
    kyiv = next(e for e in events if "reuters#1" in e)
    assert "ukrinform#1" not in kyiv
    assert "ukrinform#2" not in next(e for e in events if "reuters#2" in e)


def test_mentions_of_different_stories_never_merge():
    talks = mention("ap#3", "ap", "meet", GENEVA, date(2025, 11, 23), story="s-other", locations={"geneva"})
    events = events_of(cluster_mentions([MENTIONS[-1], talks]))
    assert events == {frozenset({"bbc#1"}), frozenset({"ap#3"})}


def test_merged_event_record():
    events = cluster_mentions(MENTIONS)
    kill = next(e for e in events if "ap#2" in e.mentions)
    assert kill.head_lemmas[0] == "kill"
    assert kill.story == "s-war"
    assert kill.first_date == kill.last_date == MONDAY
    assert kill.documents == sorted(kill.documents)


def test_threshold_is_tunable():
    assert len(cluster_mentions(MENTIONS, threshold=0.999)) == len(MENTIONS)


def test_trigger_relations():
    lexicon = default_lexicon()
    assert lexicon.relation("strike", "strike") == "same"
    assert lexicon.relation("explode", "explosion") == "derivation"
    assert lexicon.relation("die", "death") == "derivation"
    assert lexicon.relation("kill", "murder") == "synonym"  # one CAMEO verb block
    assert lexicon.relation("kill", "negotiate") == "unrelated"
    assert derivationally_related("quake", "earthquake")
    assert derivationally_related("checks", "check")
    custom = TriggerLexicon({"talks": ["negotiate", "discuss"]})
    assert custom.relation("negotiate", "discuss") == "synonym"


def test_arguments_from_parse(nlp):
    doc = nlp("Russian missiles struck Kyiv on Monday.")
    head = next(t.i for t in doc if t.text == "struck")
    participants, times, locations = arguments_from_parse(doc, head)
    assert "kyiv" in locations | participants
    assert "monday" in times
    assert "missile" in participants


@settings(max_examples=25, deadline=None)
@given(st.permutations(MENTIONS))
def test_events_do_not_depend_on_input_order(mentions):
    assert [e.model_dump() for e in cluster_mentions(mentions)] == \
        [e.model_dump() for e in cluster_mentions(MENTIONS)]


# ------------------------------------------------------------------ semantic extra


import json  # noqa: E402
import math  # noqa: E402
import struct  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sitroom.crossdoc import semantics  # noqa: E402
from sitroom.crossdoc.coref import SEMANTIC_WEIGHTS, CorefWeights, default_weights, pair_scores  # noqa: E402

needs_model = pytest.mark.skipif(not semantics.installed(),
                                 reason="semantic extra not installed (requirements-semantic.txt)")


def _write_tokenizer(folder, vocabulary):
    """A BERT uncased word-piece tokenizer over ``vocabulary``, saved as tokenizer.json."""
    from tokenizers.implementations import BertWordPieceTokenizer

    BertWordPieceTokenizer({piece: i for i, piece in enumerate(vocabulary)}, lowercase=True).save(
        str(folder / "tokenizer.json"))


def test_wordpiece_tokenizer_keeps_word_offsets(tmp_path):
    pytest.importorskip("tokenizers")
    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "missile", "##s", "struck", "kyiv", ",", "cafe",
                  "re", "-", "opened", "!"]
    _write_tokenizer(tmp_path, vocabulary)
    tokenizer = semantics.WordPieceTokenizer(tmp_path / "tokenizer.json")
    text = "Missiles struck Kyiv, café re-opened!"
    ids, spans = tokenizer.encode(text)
    assert ids[0] == 2 and ids[-1] == 3
    assert ids[1:3] == [5, 6]  # missile ##s
    assert spans[0] == (0, 8, 1, 3) and spans[1][2:] == (3, 4)
    assert [text[start:end] for start, end, _, _ in spans] == ["Missiles", "struck", "Kyiv", ",", "café", "re", "-",
                                                               "opened", "!"]
    assert tokenizer.encode("drone")[0] == [2, 1, 3]  # unknown word -> [UNK]
    cut_ids, cut_spans = tokenizer.encode(text, limit=4)
    assert len(cut_spans) == 1 and cut_ids == [2, 5, 6, 3]  # cut to the limit, [CLS] and [SEP] kept


def test_gelu_matches_the_exact_erf_form():
    xs = np.linspace(-6, 6, 101, dtype=np.float32)
    exact = np.array([0.5 * x * (1 + math.erf(x / math.sqrt(2))) for x in xs.astype(float)])
    assert np.abs(semantics._gelu(xs) - exact).max() < 1e-5


def _tiny_model(folder, rng):
    """A random 2-layer, 8-wide BERT in the model wheel's file layout."""
    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "missiles", "struck", "kyiv", "talks", "resumed", "."]
    width, inner, layers = 8, 16, 2
    shapes = {"embeddings.word_embeddings.weight": (len(vocabulary), width),
              "embeddings.position_embeddings.weight": (32, width),
              "embeddings.token_type_embeddings.weight": (2, width),
              "embeddings.LayerNorm.weight": (width,), "embeddings.LayerNorm.bias": (width,)}
    for i in range(layers):
        p = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            shapes[f"{p}attention.self.{name}.weight"] = (width, width)
            shapes[f"{p}attention.self.{name}.bias"] = (width,)
        shapes.update({f"{p}attention.output.dense.weight": (width, width), f"{p}attention.output.dense.bias": (width,),
                       f"{p}attention.output.LayerNorm.weight": (width,), f"{p}attention.output.LayerNorm.bias": (width,),
                       f"{p}intermediate.dense.weight": (inner, width), f"{p}intermediate.dense.bias": (inner,),
                       f"{p}output.dense.weight": (width, inner), f"{p}output.dense.bias": (width,),
                       f"{p}output.LayerNorm.weight": (width,), f"{p}output.LayerNorm.bias": (width,)})
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, shape in shapes.items():
        blob = rng.normal(size=shape).astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header).encode()
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))
    (folder / "config.json").write_text(json.dumps({"num_attention_heads": 2, "num_hidden_layers": layers}))
    _write_tokenizer(folder, vocabulary)
    return shapes


def test_safetensors_reader_and_padding_do_not_change_the_encoding(tmp_path):
    pytest.importorskip("tokenizers")
    pytest.importorskip("safetensors")
    shapes = _tiny_model(tmp_path, np.random.default_rng(0))
    tensors = semantics.read_safetensors(tmp_path / "model.safetensors")
    assert {name: t.shape for name, t in tensors.items()} == shapes
    model = semantics.MiniLM(tmp_path)
    short, _ = model.tokenizer.encode("Talks resumed.")
    long, _ = model.tokenizer.encode("Missiles struck Kyiv. Talks resumed.")
    alone = model.forward([short])[0]
    padded = model.forward([short, long])[0, :len(short)]  # padded to the longer sentence
    assert alone.shape == (len(short), 8)
    assert np.allclose(alone, padded, atol=1e-5)


def test_switched_off_extra_gives_todays_model(monkeypatch):
    monkeypatch.delenv(semantics.SWITCH_ENV, raising=False)
    assert not semantics.available()  # opt-in: installed is not enough
    monkeypatch.setenv(semantics.SWITCH_ENV, "0")
    assert not semantics.available()
    assert default_weights() == CorefWeights()
    # the same events as the lexicon-only model asked for explicitly
    assert events_of(cluster_mentions(MENTIONS)) == events_of(cluster_mentions(MENTIONS, weights=CorefWeights()))


def test_trigger_position():
    assert semantics.trigger_offset(KYIV_STRIKE, "struck") == KYIV_STRIKE.index("struck")
    assert semantics.trigger_offset(KYIV_STRIKE, "the attack") is None  # not in the sentence
    searched = EventMention(id="x#1", document="x", head_lemma="kill", trigger="killing", sentence=KYIV_STRIKE)
    assert searched.trigger_position() == (KYIV_STRIKE, KYIV_STRIKE.index("killing"))
    given = EventMention(id="x#2", document="x", head_lemma="strike", trigger="struck", sentence=KYIV_STRIKE,
                         trigger_start=17)
    assert given.trigger_position() == (KYIV_STRIKE, 17)
    bare = EventMention(id="x#3", document="x", head_lemma="strike", trigger="struck")
    assert bare.trigger_position() == ("struck", 0)
    elsewhere = EventMention(id="x#4", document="x", head_lemma="attack", trigger="attack", sentence=KYIV_STRIKE)
    assert elsewhere.trigger_position() == ("attack", 0)


def test_semantic_weights_need_vectors():
    with pytest.raises(ValueError):
        pair_scores(MENTIONS[:2], SEMANTIC_WEIGHTS)


@needs_model
def test_trigger_vectors_separate_senses_and_events():
    strike = "Russian missiles struck Kyiv overnight, killing four people."
    strike_2 = "A missile strike on Kyiv killed four people overnight."
    walkout = "Dock workers went on strike in Rotterdam over pay."
    rows = semantics.trigger_vectors([(strike, strike.index("struck")), (strike_2, strike_2.index("strike")),
                                      (walkout, walkout.index("strike"))])
    assert rows.shape == (3, semantics.WIDTH)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert rows[0] @ rows[1] > rows[1] @ rows[2]  # the missile strikes are closer than the labour strike


@needs_model
def test_semantic_model_keeps_the_hand_written_cases(monkeypatch):
    monkeypatch.setenv(semantics.SWITCH_ENV, "1")
    assert default_weights() == SEMANTIC_WEIGHTS
    events = events_of(cluster_mentions(MENTIONS))
    assert frozenset({"reuters#1", "ap#1", "kyivpost#1"}) in events
    assert frozenset({"reuters#2", "ap#2", "kyivpost#2"}) in events
    assert not any("ukrinform#1" in e and "reuters#1" in e for e in events)


class DictVectorCache:
    def __init__(self) -> None:
        self.vectors: dict[str, np.ndarray] = {}
        self.saved: list[str] = []

    def trigger_vectors(self, keys):
        return {k: self.vectors[k] for k in keys if k in self.vectors}

    def save_trigger_vectors(self, vectors):
        self.saved += sorted(vectors)
        self.vectors.update(vectors)


def test_a_vector_cache_is_read_before_the_model_runs(monkeypatch):
    calls = []

    def fake_vectors(mentions):
        calls.append(list(mentions))
        rows = np.zeros((len(mentions), semantics.WIDTH), dtype=np.float32)
        for row, (sentence, offset) in enumerate(mentions):
            rows[row, (len(sentence) + offset) % semantics.WIDTH] = 1.0
        return rows

    monkeypatch.setattr(semantics, "_trigger_vectors", fake_vectors)
    cache = DictVectorCache()
    first = [(KYIV_STRIKE, 17), ("Talks resumed in Geneva.", 6)]
    rows = semantics.trigger_vectors(first, cache)
    assert len(calls) == 1 and len(cache.saved) == 2
    again = semantics.trigger_vectors(first + [("Talks resumed in Geneva.", 0)], cache)
    assert calls[-1] == [("Talks resumed in Geneva.", 0)]  # only the one never seen
    assert np.array_equal(again[:2], rows) and len(cache.saved) == 3
    assert semantics.vector_key(KYIV_STRIKE, 17) != semantics.vector_key(KYIV_STRIKE, 18)


@needs_model
def test_stored_vectors_give_the_same_events_as_fresh_ones(store, monkeypatch):
    mentions = MENTIONS
    fresh = events_of(cluster_mentions(mentions, weights=SEMANTIC_WEIGHTS))
    assert events_of(cluster_mentions(mentions, weights=SEMANTIC_WEIGHTS, vector_cache=store)) == fresh
    keys = [semantics.vector_key(*m.trigger_position()) for m in mentions]
    assert len(store.trigger_vectors(keys)) >= 2  # the mentions that had someone to be compared with
    # A later process: the model's sentence cache is empty and the model must not run.
    monkeypatch.setattr(semantics, "_CACHE", type(semantics._CACHE)())
    monkeypatch.setattr(semantics, "encode_sentences", lambda sentences: pytest.fail("the model ran again"))
    assert events_of(cluster_mentions(mentions, weights=SEMANTIC_WEIGHTS, vector_cache=store)) == fresh
