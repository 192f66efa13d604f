"""The curated actor file: validation of the shipped file and of broken ones, and the catalog."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sitroom.errors import ConfigError
from sitroom.link.curated import curated_path, load_catalog, read_curated

MINIMAL = """\
countries:
  - {id: FRD, name: Freedonia, names: [Freedonia], adjectives: [Freedonian]}
actors:
  - id: FRD.FIREFLY
    name: Rufus Firefly
    kind: person
    country: FRD
    gender: m
    names: [Rufus Firefly, Firefly]
    roles:
      - {title: Leader of Freedonia, code: FRDGOV, start: 2024-03, office: [leader]}
    default: FRDELI
"""


def write(tmp_path, text: str, name: str = "mine.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the shipped file


def test_the_shipped_file_is_valid():
    spec = read_curated(curated_path())
    ids = [a.id for a in spec.actors]
    assert len(ids) == len(set(ids)) > 100
    people = [a for a in spec.actors if a.kind == "person"]
    assert all(r.start for a in people for r in a.roles)
    assert {"RUS.PUTIN", "UKR.ZELENSKY", "USA.TRUMP", "EU.KALLAS", "NATO.RUTTE", "RUSGOV", "MED.REUTERS"} <= set(ids)


def test_the_shipped_file_documents_its_format_at_the_top():
    head = curated_path().read_text(encoding="utf-8")[:3000]
    for key in ("countries:", "names:", "short:", "metonyms:", "roles:", "office:", "default:", "agents:"):
        assert key in head


@pytest.mark.parametrize("actor_id, when, code, role", [
    ("USA.TRUMP", date(2019, 6, 1), "USAGOV", "President of the United States"),
    ("USA.TRUMP", date(2022, 6, 1), "USAELI", None),
    ("USA.TRUMP", date(2025, 6, 1), "USAGOV", "President of the United States"),
    ("USA.BIDEN", date(2022, 6, 1), "USAGOV", "President of the United States"),
    ("USA.BIDEN", date(2025, 6, 1), "USAELI", None),
    ("RUS.SHOIGU", date(2023, 1, 1), "RUSGOV", "Minister of Defence of Russia"),
    ("RUS.SHOIGU", date(2025, 1, 1), "RUSGOV", "Secretary of the Security Council of Russia"),
    ("UKR.UMEROV", date(2025, 3, 1), "UKRGOV", "Minister of Defence of Ukraine"),
    ("UKR.UMEROV", date(2025, 9, 1), "UKRGOV", "Secretary of the National Security and Defence Council of Ukraine"),
    ("UKR.YERMAK", date(2025, 12, 15), "UKRELI", None),
    ("UKR.ZALUZHNYI", date(2023, 6, 1), "UKRMIL", "Commander-in-Chief of the Armed Forces of Ukraine"),
    ("GBR.STARMER", date(2024, 1, 1), "GBROPP", "Leader of the Opposition"),
    ("NATO.RUTTE", date(2025, 1, 1), "IGOWSTNAT", "Secretary General of NATO"),
    ("USA.RUBIO", date(2025, 6, 1), "USAGOV", "Secretary of State and National Security Adviser"),
])
def test_roles_at_dates(catalog, actor_id, when, code, role):
    entry = catalog.actors.entries[actor_id]
    found = entry.range_at(when)
    assert (found.code, found.role) == (code, role)


def test_term_dates(catalog):
    assert catalog.term_dates("USA.TRUMP", "president", 1) == (date(2017, 1, 20), date(2021, 1, 20))
    assert catalog.term_dates("USA.TRUMP", "president", 2) == (date(2025, 1, 20), None)
    assert catalog.term_dates("USA.TRUMP", "president") == (date(2025, 1, 20), None)  # the latest
    assert catalog.term_dates("USA.TRUMP", "president", 3) is None
    assert catalog.term_dates("USA.TRUMP", "chancellor") is None
    assert catalog.term_dates("NOBODY.HERE") is None


def test_descriptions_name_the_holder_at_the_date(catalog):
    def holders(phrase, when):
        tokens = tuple(phrase.upper().split())
        return [d.entry.id for d in catalog.descriptions_at(tokens, when)]

    assert holders("U.S. president", date(2022, 6, 1)) == ["USA.BIDEN"]
    assert holders("American president", date(2025, 6, 1)) == ["USA.TRUMP"]
    assert holders("Ukrainian foreign minister", date(2024, 1, 1)) == ["UKR.KULEBA"]
    assert holders("Ukrainian foreign minister", date(2025, 1, 1)) == ["UKR.SYBIHA"]
    assert holders("NATO chief", date(2023, 1, 1)) == ["NATO.STOLTENBERG"]
    assert holders("president of Russia", date(2025, 1, 1)) == ["RUS.PUTIN"]


def test_curated_people_absorb_their_phoenix_entry(catalog):
    # "PRESIDENT_VLADIMIR_PUTIN" is a Phoenix spelling; it now names the curated actor.
    assert catalog.actors.lookup("President Vladimir Putin").id == "RUS.PUTIN"
    assert not any(i.startswith("PHX:VLADIMIR_PUTIN") for i in catalog.actors.entries)


def test_phoenix_country_entries_are_one_actor_per_country(catalog):
    assert catalog.actors.lookup("Ukraine").id == "UKR"
    assert catalog.actors.lookup("Donetsk").id == "UKR"  # a city listed under the country
    assert catalog.actors.lookup("Kazakhstan").id == "KAZ"
    assert catalog.actors.entries["KAZ"].name == "Kazakhstan"


def test_codes_split_into_country_and_sector(catalog):
    assert catalog.split_code("RUSGOV") == ("RUS", "GOV")
    assert catalog.split_code("IGOUNO") == (None, "IGO")
    assert catalog.split_code("UKR") == ("UKR", None)
    assert catalog.split_code("---") == (None, None)


def test_curated_agents_extend_phoenix(catalog):
    assert catalog.agents.lookup("drones").apply("RUS") == "RUSMIL"
    assert catalog.agents.lookup("negotiators").apply("UKR") == "UKRGOV"
    assert catalog.agents.lookup("police").apply("UKR") == "UKRCOP"  # from Phoenix


# --------------------------------------------------------------------------- validation


def test_a_minimal_user_file_loads_and_overrides(tmp_path):
    catalog = load_catalog([write(tmp_path, MINIMAL)])
    entry = catalog.actors.lookup("Rufus Firefly")
    assert entry.id == "FRD.FIREFLY"
    assert entry.code_at(date(2024, 3, 1)) == "FRDGOV"  # "2024-03" is the first of March
    assert entry.code_at(date(2024, 2, 29)) == "FRDELI"
    assert catalog.gender["FRD.FIREFLY"] == "m"
    assert [d.entry.id for d in catalog.descriptions_at(("FREEDONIAN", "LEADER"), date(2025, 1, 1))] == ["FRD.FIREFLY"]


def test_a_user_phoenix_file_adds_actors(tmp_path):
    path = write(tmp_path, "SYLVANIA_ [SYL]\nAMBASSADOR_TRENTINO_ [SYLGOV]\n", "extra.actors.txt")
    catalog = load_catalog([path])
    assert catalog.actors.lookup("Ambassador Trentino").code_at(None) == "SYLGOV"
    assert catalog.split_code("SYLGOV") == ("SYL", "GOV")


@pytest.mark.parametrize("broken, message", [
    (MINIMAL.replace("kind: person", "kind: persn"), r"actors entry 1 \(FRD.FIREFLY\), line 4: kind"),
    (MINIMAL.replace("gender: m", "gender: m\n    nickname: Rufus"), r"nickname: Extra inputs"),
    (MINIMAL.replace("start: 2024-03", "start: 2024-13"), r"roles.0.start"),
    (MINIMAL.replace("start: 2024-03", "start: 2024-03, end: 2020"), r"ends \(2020-01-01\) before it starts"),
    (MINIMAL.replace("code: FRDGOV", "code: frdgov"), r"roles.0.code"),
    (MINIMAL.replace("    roles:\n      - {title: Leader of Freedonia, code: FRDGOV, start: 2024-03, "
                     "office: [leader]}\n", ""), r"a person needs roles"),
    (MINIMAL + "  - {id: FRD.FIREFLY, name: Twin, kind: group, code: FRDGOV, names: [Twin]}\n",
     r"duplicate actor id 'FRD.FIREFLY'"),
    (MINIMAL + "  - {id: FRDGOV, name: Government, kind: group, names: [Freedonian government]}\n",
     r"actors entry 2 \(FRDGOV\), line 13: a group needs a code"),
    ("actors: [unclosed\n", r"not valid YAML"),
    ("- just\n- a list\n", r"expected a mapping"),
    (MINIMAL + "agents:\n  military: [troops]\n", r"agents: sector 'military'"),
])
def test_validation_errors_name_the_file_and_the_entry(tmp_path, broken, message):
    path = write(tmp_path, broken)
    with pytest.raises(ConfigError) as error:
        read_curated(path)
    assert str(path) in str(error.value)
    assert re.search(message, str(error.value)), str(error.value)


def test_a_missing_user_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_catalog([tmp_path / "absent.yaml"])
