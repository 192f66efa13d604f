"""The Phoenix/PETRARCH dictionary reader, on snippets written for these tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sitroom.errors import ConfigError
from sitroom.link.dictionary import (
    CodeRange,
    load_actor_dictionary,
    load_agent_dictionary,
    load_discards,
    parse_code_block,
    phoenix_actor_paths,
    phoenix_agent_path,
)

PETR = Path("/work/shared/corpora/petrarch2/dictionaries")

ACTORS = """\
# a comment line
<!-- an XML comment
     that spans two lines -->
ARNOLD_BRAVO_  # a made-up politician
+PRESIDENT_ARNOLD_BRAVO_
+A._BRAVO
    [FRDELI 19900101-20100315]
    [FRDGOV >20100315]
    [FRDELI]
NORTH_FREEDONIA [FRD]
+FREEDONIAN
FREEDONIAN ARMY [FRDMIL]
CARLA_DELTA
    [FRDGOV 20200101-20220101]
    [FRDOPP 20210601-20210701]
    [FRDELI]
EDGAR_ECHO
    [FRDGOV 200101-250101]
OLD_ORDER [OLD < 19991231]
+THE_FORMER_ORDER
    [NEW > 19991231]
AL-FOXTROT [IMGFOX]
OMEGA_GROUP [IGOOMG 20000101-20050101] [---]
US_ [USA]
"""

AGENTS = """\
!PERSON! = MAN, MEN, WOMAN, WOMEN
!MINIST! = MINISTER, MINISTERS, MINISTRY
POLICE {} [~COP]
ATTORNEY_GENERAL {ATTORNEYS_GENERAL} [~GOV]
SOLDIER [~MIL]
MILITARY_ACADEMY [~MILEDU]
FOREIGN_!MINIST! [~GOV]
CONGRESS!PERSON! [~LEG]
RIGHTS_BODY [NGO~]
BUS [~TRN]
"""


@pytest.fixture
def actors(tmp_path):
    path = tmp_path / "test.actors.txt"
    path.write_text(ACTORS, encoding="utf-8")
    return load_actor_dictionary(path)


@pytest.fixture
def agents(tmp_path):
    path = tmp_path / "test.agents.txt"
    path.write_text(AGENTS, encoding="utf-8")
    return load_agent_dictionary(path)


def code(dictionary, phrase: str, when):
    return dictionary.code_at(dictionary.lookup(phrase), when)


# --------------------------------------------------------------------------- actors


def test_synonyms_share_one_entry_with_an_id_from_the_first_phrase(actors):
    entry = actors.lookup("Arnold Bravo")
    assert entry.id == "TEST:ARNOLD_BRAVO"
    assert entry.name == "Arnold Bravo"
    assert actors.lookup("president arnold bravo") is entry
    assert actors.lookup(["A.", "Bravo"]) is entry
    assert entry.source.endswith(":4")


def test_date_restrictions_pick_the_code_at_the_date(actors):
    assert code(actors, "Arnold Bravo", date(2005, 1, 1)) == "FRDELI"
    assert code(actors, "Arnold Bravo", date(2010, 3, 14)) == "FRDELI"  # the range end is exclusive
    assert code(actors, "Arnold Bravo", date(2010, 3, 15)) == "FRDGOV"
    assert code(actors, "Arnold Bravo", date(1980, 1, 1)) == "FRDELI"  # outside all ranges: the default


def test_no_date_means_today(actors):
    assert code(actors, "Arnold Bravo", None) == "FRDGOV"


def test_a_later_starting_range_inside_a_longer_one_wins(actors):
    assert code(actors, "Carla Delta", date(2021, 6, 15)) == "FRDOPP"
    assert code(actors, "Carla Delta", date(2021, 8, 1)) == "FRDGOV"
    assert code(actors, "Carla Delta", date(2023, 1, 1)) == "FRDELI"


def test_six_digit_dates_and_no_default(actors):
    # 200101-250101 is YYMMDD: 2020-01-01 up to (not including) 2025-01-01
    assert code(actors, "Edgar Echo", date(2021, 1, 1)) == "FRDGOV"
    assert code(actors, "Edgar Echo", date(2019, 12, 31)) is None
    assert code(actors, "Edgar Echo", date(2025, 1, 1)) is None


def test_spaced_before_and_after_restrictions(actors):
    assert code(actors, "Old Order", date(1999, 1, 1)) == "OLD"
    assert code(actors, "the former order", date(2001, 1, 1)) == "NEW"


def test_several_code_blocks_on_one_line(actors):
    entry = actors.lookup("Omega Group")
    assert entry.codes == [CodeRange("IGOOMG", date(2000, 1, 1), date(2005, 1, 1)), CodeRange("---")]
    assert code(actors, "Omega Group", date(2010, 1, 1)) == "---"


@pytest.mark.parametrize("block, expected", [
    ("RUSGOV", CodeRange("RUSGOV")),
    ("UKRGOV >20140607", CodeRange("UKRGOV", start=date(2014, 6, 7))),
    ("UKRGOV > 20140607", CodeRange("UKRGOV", start=date(2014, 6, 7))),
    ("HOB < 950601", CodeRange("HOB", end=date(1995, 6, 1))),
    ("USAELI 19920101-20010120", CodeRange("USAELI", date(1992, 1, 1), date(2001, 1, 20))),
    ("HOBGOV 19950601 - 19990815", CodeRange("HOBGOV", date(1995, 6, 1), date(1999, 8, 15))),
    ("AFGELI 730717-070723", CodeRange("AFGELI", date(1973, 7, 17), date(2007, 7, 23))),
])
def test_code_blocks(block, expected):
    assert parse_code_block(block) == expected


@pytest.mark.parametrize("block", ["", "950601-990815", "AAA 20100931", "GBRGOV >201005011", "X 2010"])
def test_bad_code_blocks(block):
    with pytest.raises(ValueError):
        parse_code_block(block)


def test_longest_match_case_insensitive(actors):
    tokens = "Yesterday the Freedonian army and North Freedonia agreed".split()
    hit = actors.match(tokens, 2)
    assert (hit.start, hit.length, hit.code, hit.actor_id) == (2, 2, "FRDMIL", "TEST:FREEDONIAN_ARMY")
    hit = actors.match(tokens, 5)
    assert (hit.length, hit.code, hit.name) == (2, "FRD", "North Freedonia")
    assert actors.match(tokens, 0) is None
    assert [m.start for m in actors.find_all(tokens)] == [2, 5]


def test_a_name_needs_a_capital_and_short_words_must_be_written_as_acronyms(actors):
    assert actors.match(["freedonian", "army"], 0) is None
    assert actors.match(["freedonian", "army"], 0, check_case=False) is not None
    assert actors.match(["US"], 0).code == "USA"
    assert actors.match(["us"], 0) is None
    assert actors.match(["Us"], 0) is None


def test_hyphenated_phrases_match_split_and_unsplit_tokens(actors):
    assert actors.match(["Al-Foxtrot"], 0).code == "IMGFOX"
    assert actors.match(["al", "-", "Foxtrot", "fighters"], 0).length == 3


def test_possessives_and_name_particles_match_as_spacy_splits_them(tmp_path):
    path = tmp_path / "split.actors.txt"
    path.write_text("FREEDONIA_FARMERS'_LEAGUE_ [FRDOPP]\n"
                    "SYLVANIA_PEOPLE'S_FRONT_ [SYLREB]\n"
                    "KARIM_AL_FOXTROT_ [FRDGOV]\n", encoding="utf-8")
    actors = load_actor_dictionary(path)
    assert actors.match(["Freedonia", "Farmers", "'", "League"], 0).code == "FRDOPP"
    assert actors.match(["Freedonia", "Farmers'", "League"], 0).code == "FRDOPP"
    assert actors.match(["Sylvania", "People", "'s", "Front"], 0).code == "SYLREB"
    assert actors.match(["Karim", "al", "-", "Foxtrot"], 0).length == 4
    assert actors.match(["Karim", "al", "Foxtrot"], 0).length == 3


def test_accents_are_ignored(tmp_path):
    path = tmp_path / "accents.actors.txt"
    path.write_text("RECEP_ERDOGAN_ [TURGOV]\n", encoding="utf-8")
    assert load_actor_dictionary(path).match(["Recep", "Erdoğan"], 0).code == "TURGOV"


def test_later_files_override_a_phrase(tmp_path):
    first, second = tmp_path / "a.actors.txt", tmp_path / "b.actors.txt"
    first.write_text("KREMLIN [RUS]\n", encoding="utf-8")
    second.write_text("KREMLIN [RUSGOV]\n", encoding="utf-8")
    merged = load_actor_dictionary([first, second])
    assert merged.match(["Kremlin"], 0).code == "RUSGOV"
    assert merged.match(["Kremlin"], 0).actor_id == "B:KREMLIN"


def test_a_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.actors.txt"
    path.write_text("GOOD_ACTOR [AAA]\nBAD_ACTOR\n    [BBB 20100931]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_actor_dictionary(path)
    assert "bad.actors.txt" in str(error.value) and "line 3" in str(error.value)


def test_a_lenient_load_skips_and_reports_bad_blocks(tmp_path):
    path = tmp_path / "bad.actors.txt"
    path.write_text("GOOD_ACTOR [AAA]\nBAD_ACTOR\n    [BBB >20100931]\n    [BBB]\n", encoding="utf-8")
    loaded = load_actor_dictionary(path, strict=False)
    assert loaded.lookup("bad actor").codes == [CodeRange("BBB")]
    assert loaded.problems == ["bad.actors.txt:3: impossible date in [BBB >20100931]: day is out of range for month"]


def test_a_synonym_before_any_actor_is_an_error(tmp_path):
    path = tmp_path / "orphan.actors.txt"
    path.write_text("+ORPHAN\nACTOR [AAA]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1"):
        load_actor_dictionary(path)


# --------------------------------------------------------------------------- agents


@pytest.mark.parametrize("phrase, expected", [
    ("police", "~COP"),
    ("polices", None),  # {} : no plural
    ("attorney general", "~GOV"),
    ("attorneys general", "~GOV"),
    ("attorney generals", None),  # the irregular plural replaces the regular one
    ("soldiers", "~MIL"),
    ("military academies", "~MILEDU"),  # Y -> IES
    ("buses", "~TRN"),  # S -> SES
    ("foreign ministry", "~GOV"),
    ("foreign ministers", "~GOV"),
    ("congresswomen", "~LEG"),
    ("rights bodies", "NGO~"),
])
def test_agent_forms(agents, phrase, expected):
    entry = agents.lookup(phrase)
    assert (entry.code if entry else None) == expected


def test_agent_codes_combine_with_an_actor_code(agents):
    assert agents.lookup("soldier").apply("RUS") == "RUSMIL"
    assert agents.lookup("rights body").apply("USA") == "NGOUSA"
    assert agents.lookup("soldier").apply(None) == "MIL"


def test_agent_longest_match(agents):
    hit = agents.match("the Foreign Ministers met".split(), 1)
    assert (hit.start, hit.length, hit.code) == (1, 2, "~GOV")
    assert agents.match("the Foreign Ministers met".split(), 0) is None


def test_agent_errors(tmp_path):
    path = tmp_path / "bad.agents.txt"
    path.write_text("POLICE [~COP]\nDEPARTMENT_OF_STUFF [~ENV}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2"):
        load_agent_dictionary(path)
    assert load_agent_dictionary(path, strict=False).problems[0].startswith("bad.agents.txt:2:")


def test_discards(tmp_path):
    path = tmp_path / "test.discards.txt"
    path.write_text("# sport\n+Premier League   # story\nYEARS LATER ;AB 13 JUN 2005\n", encoding="utf-8")
    discards = load_discards(path)
    assert discards.find("The Premier League season opened".split()) == ("story", ("PREMIER", "LEAGUE"))
    assert discards.find("Two years later they met".split()) == ("sentence", ("YEARS", "LATER"))
    assert discards.find("Troops advanced".split()) is None


# --------------------------------------------------------------------------- shipped and PETRARCH files


def test_shipped_phoenix_dictionaries_load():
    actors = load_actor_dictionary(phoenix_actor_paths(), strict=False)
    agents = load_agent_dictionary(phoenix_agent_path(), strict=False)
    assert len(actors) > 20_000 and len(agents) > 4_000
    assert len(actors.problems) < 20  # a few typos in the published files, skipped
    assert actors.lookup("Sergei Lavrov").code_at(date(2010, 1, 1)) == "RUSGOV"
    assert agents.lookup("police").code == "~COP"
    # sitroom's supplement in the same format is read after the Phoenix files
    assert phoenix_actor_paths()[-1].name == "sitroom.actors.txt"
    assert actors.match(["PRC"], 0).code == "CHN"
    assert actors.match(["European", "Community"], 0).code == "IGOEUREEC"
    assert actors.match(["International", "Labour", "Office"], 0).code.startswith("IGO")


@pytest.mark.skipif(not PETR.exists(), reason="PETRARCH validation dictionaries not available")
def test_petrarch_validation_dictionaries():
    actors = load_actor_dictionary(PETR / "PETR.Validate.actors.txt")
    agents = load_agent_dictionary(PETR / "PETR.Validate.agents.txt")
    sam = actors.lookup("Sam Gamgee")
    assert [sam.code_at(date(y, m, d)) for y, m, d in [(2007, 1, 1), (2010, 1, 10), (2011, 1, 1),
                                                       (2012, 12, 1), (2014, 1, 1)]] == \
        ["HOBCIV", "ORCHOB", "HOBMIL", "HOBGOV", "HOBELI"]
    assert actors.lookup("Smeagol").code_at(date(1997, 1, 1)) == "HOBGOV"
    assert actors.lookup("Interpol").code_at(None) == "IGOCOPITP"
    assert agents.lookup("congressmen").code == "~LEG"
    assert agents.lookup("ministries of silly walks").code == "~GOV"
    assert agents.lookup("golden geese").code == "~GGS"
