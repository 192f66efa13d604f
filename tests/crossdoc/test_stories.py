"""Story clustering on hand-written war and peace-talk reports."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from sitroom.crossdoc import StoryIndex, StoryInput
from sitroom.models import Story

GENEVA = [
    StoryInput(id="geneva-reuters", outlet="Reuters", published=date(2025, 11, 23),
               actors=frozenset({"USA.RUBIO", "UKR.YERMAK"}), event_types=frozenset({"CONSULT"}),
               title="US and Ukrainian delegations meet in Geneva on peace plan",
               text="American and Ukrainian negotiators met in Geneva on Sunday to revise the 28-point "
                    "peace plan. Secretary of State Marco Rubio called the Geneva talks productive."),
    StoryInput(id="geneva-ap", outlet="AP", published=date(2025, 11, 23),
               actors=frozenset({"USA.RUBIO", "UKR.YERMAK"}), event_types=frozenset({"CONSULT"}),
               title="Rubio hails progress at Geneva talks on Ukraine peace plan",
               text="Rubio said the Geneva talks with the Ukrainian delegation led by Andriy Yermak made "
                    "progress on the peace plan, and the 28-point draft would be revised."),
    StoryInput(id="geneva-bbc", outlet="BBC", published=date(2025, 11, 24),
               actors=frozenset({"UKR.YERMAK"}), event_types=frozenset({"CONSULT", "AGREE"}),
               title="Geneva talks produce updated peace framework",
               text="After the Geneva talks, Yermak said the delegations agreed an updated peace framework "
                    "replacing the 28-point plan."),
]
STRIKES = [
    StoryInput(id="odesa-strike", outlet="Kyiv Independent", published=date(2025, 11, 10),
               actors=frozenset({"RUSMIL"}), event_types=frozenset({"ASSAULT"}),
               title="Russian drones hit Odesa port and energy facilities",
               text="Russian drones struck the port of Odesa overnight, damaging energy facilities and "
                    "grain warehouses; regional officials said two dock workers were wounded."),
    StoryInput(id="odesa-strike-2", outlet="Ukrainska Pravda", published=date(2025, 11, 10),
               actors=frozenset({"RUSMIL"}), event_types=frozenset({"ASSAULT"}),
               title="Drone attack on Odesa port wounds dock workers",
               text="A Russian drone attack on the Odesa port damaged grain warehouses and energy "
                    "facilities and wounded two dock workers, the regional governor said."),
]


def partition(index: StoryIndex) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(story.articles) for story in index.stories())


def test_same_talks_reported_by_several_outlets_form_one_story():
    index = StoryIndex()
    index.add_batch(GENEVA + STRIKES)
    assert partition(index) == {frozenset(a.id for a in GENEVA), frozenset(a.id for a in STRIKES)}


def test_story_describes_itself():
    index = StoryIndex()
    index.add_batch(GENEVA + STRIKES)
    talks = next(s for s in index.stories() if "geneva-ap" in s.articles)
    assert isinstance(talks, Story)
    assert talks.outlets == ["AP", "BBC", "Reuters"]
    assert (talks.first_date, talks.last_date) == (date(2025, 11, 23), date(2025, 11, 24))
    assert talks.key_actors[0] == "UKR.YERMAK"
    assert "geneva" in talks.key_terms
    assert talks.label.startswith("UKR.YERMAK, USA.RUBIO — ")
    assert talks.articles[0] in {"geneva-ap", "geneva-reuters"}


def test_incremental_add_joins_existing_story():
    index = StoryIndex()
    index.add_batch(GENEVA[:2] + STRIKES)
    story = index.story_id("geneva-ap")
    assert index.add(GENEVA[2]) == story
    assert index.add(GENEVA[2]) == story  # re-adding the same article changes nothing
    assert len(index) == 5


def test_distant_dates_weaken_the_link():
    index = StoryIndex()
    index.add(STRIKES[0])
    story = index.story_id("odesa-strike")
    same_day = index.similarity(STRIKES[1], story)
    month_later = StoryInput(**{**STRIKES[1].__dict__, "id": "later", "published": date(2025, 12, 15)})
    assert index.similarity(month_later, story) < same_day


def test_threshold_is_tunable():
    strict = StoryIndex(threshold=0.99)
    strict.add_batch(GENEVA)
    assert len(strict.stories()) == 3


@settings(max_examples=25, deadline=None)
@given(st.permutations(GENEVA + STRIKES))
def test_stories_do_not_depend_on_input_order(articles):
    reference = StoryIndex()
    reference.add_batch(GENEVA + STRIKES)
    shuffled = StoryIndex()
    assignment = shuffled.add_batch(articles)
    assert assignment == reference.assignments()
    assert [s.model_dump() for s in shuffled.stories()] == [s.model_dump() for s in reference.stories()]


WORDS = ["ceasefire", "drone", "geneva", "sanctions", "refinery", "kharkiv", "envoy", "prisoner", "grain", "port",
         "missile", "talks", "frontline", "energy", "summit"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=3, max_size=12), min_size=2, max_size=12),
       st.randoms(use_true_random=False))
def test_random_batches_cluster_the_same_in_any_order(texts, rng):
    articles = [StoryInput(id=f"a{i}", text=" ".join(words), published=date(2025, 11, 1 + i % 5))
                for i, words in enumerate(texts)]
    shuffled = list(articles)
    rng.shuffle(shuffled)
    first, second = StoryIndex(), StoryIndex()
    first.add_batch(articles)
    second.add_batch(shuffled)
    assert first.assignments() == second.assignments()
    stories = first.stories()
    assert sorted(a for s in stories for a in s.articles) == sorted(a.id for a in articles)
    assert {s.id: set(s.articles) for s in stories} == \
        {story: {a for a, s in first.assignments().items() if s == story} for story in set(first.assignments().values())}


def test_batches_in_sequence_keep_every_article_in_exactly_one_story():
    index = StoryIndex()
    index.add_batch(STRIKES)
    index.add_batch(GENEVA[:1])
    index.add_batch(GENEVA[1:])
    assignments = index.assignments()
    assert sorted(assignments) == sorted(a.id for a in STRIKES + GENEVA)
    assert assignments["geneva-bbc"] == assignments["geneva-reuters"] != assignments["odesa-strike"]


def test_nearest_date_of_a_story():
    from collections import Counter

    from sitroom.crossdoc.stories import StoryState

    state = StoryState(dates=Counter({date(2025, 11, 1): 2, date(2025, 11, 10): 1, date(2025, 11, 20): 1}))
    assert state.nearest_date(date(2025, 10, 1)) == date(2025, 11, 1)
    assert state.nearest_date(date(2025, 11, 14)) == date(2025, 11, 10)
    assert state.nearest_date(date(2025, 11, 15)) == date(2025, 11, 10)  # a tie: the earlier
    assert state.nearest_date(date(2025, 11, 16)) == date(2025, 11, 20)
    assert state.nearest_date(date(2026, 1, 1)) == date(2025, 11, 20)
    assert StoryState().nearest_date(date(2025, 11, 1)) is None


def test_a_story_state_survives_its_json_exactly_and_old_states_still_read():
    """The packed centroid (terms joined, weights as float64) round-trips exactly, and a
    state written with the centroid as a JSON object (before) reads the same."""
    import json
    from collections import Counter

    from sitroom.crossdoc.stories import StoryState

    state = StoryState(size=3, outlets=Counter({"Harbor Wire": 2}), centroid={"talks": 0.1, "kyiv": 1 / 3,
                                                                               "zé": 2.5e-13, "": 1.0},
                       centroid_norm2=1.25, actors=Counter({"RUS": 2}), event_types=Counter({"CONSULT": 1}),
                       dates=Counter({date(2025, 5, 23): 2}))
    for original in (state, StoryState(), StoryState(centroid={"odd\nterm": 1.0, "plain": 2.0})):
        assert StoryState.from_json(json.loads(json.dumps(original.to_json()))) == original
    packed = state.to_json()
    assert "centroid" not in packed and packed["centroid_terms"].split("\n")[:2] == ["talks", "kyiv"]
    plain = {key: value for key, value in packed.items() if not key.startswith("centroid_")}
    plain["centroid"] = state.centroid
    assert StoryState.from_json(json.loads(json.dumps(plain))) == state


def test_a_long_story_keeps_only_its_heaviest_centroid_terms():
    """A story that runs for years would carry its whole vocabulary into every update:
    its centroid keeps the ``max_centroid_terms`` heaviest terms, its norm matches what
    it keeps, and taking an article away never leaves a negative weight."""
    import math

    from sitroom.crossdoc.stories import StoryState

    index = StoryIndex(max_centroid_terms=30, threshold=0.0, index_terms=40)  # one story, whatever the words
    def word(n: int, k: int) -> str:  # a distinct made-up word per article and position
        return "".join(chr(97 + (n * 12 + k) // 26 ** i % 26) for i in range(3)) + "ovka"

    texts = [f"Peace talks in Geneva between Russia and Ukraine: " + " ".join(word(n, k) for k in range(12))
             for n in range(8)]
    assignments = index.add_batch(StoryInput(id=f"a{n}", text=text, published=date(2025, 11, 1 + n))
                                  for n, text in enumerate(texts))
    (story_id,) = set(assignments.values())
    state = index._stories[story_id]
    assert len(set(texts[0].split()) | set(texts[1].split())) > 30  # more words than the centroid keeps
    assert len(state.centroid) == 30 and math.isclose(state.centroid_norm2,
                                                      sum(w * w for w in state.centroid.values()))
    assert {"geneva", "peace"} <= set(state.centroid)  # in every article: the heaviest

    small = StoryState(centroid={"talks": 1.0})
    small.centroid_norm2 = 1.0
    small._move({"talks": 0.5, "pruned": 0.3}, -1.0)  # 'pruned' is no longer in the centroid
    assert small.centroid == {"talks": 0.5} and math.isclose(small.centroid_norm2, 0.25)
