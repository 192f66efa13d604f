from datetime import date

from sitroom.export import plover_record
from sitroom.models import Event, EventActor, Span
from tests.conftest import make_article

SENTENCE = "Russia and Ukraine agreed on Friday to exchange 1,000 prisoners each."


def event(**fields):
    base = dict(id="e1", type="AGREE", mode=None, cameo="057", rule="agree-to", start=0, end=len(SENTENCE),
                text=SENTENCE, trigger=Span(start=19, end=25, text="agreed"), confidence=0.8,
                source=[EventActor(actor_id="RUS", text="Russia", country="RUS", sector="GOV", code="RUSGOV")],
                target=[EventActor(actor_id="UKR", text="Ukraine", country="UKR", sector="GOV", code="UKRGOV")])
    base.update(fields)
    return Event(**base)


def test_plover_record_uses_the_manuals_field_names():
    article = make_article(SENTENCE, published=date(2025, 5, 17), url="https://x.example/a", outlet="Harbor Wire")
    record = plover_record(article, event(date="2025-05-16"))
    assert record["id"] == "e1" and record["event"] == ["AGREE"] and record["quad_code"] == 1
    assert record["date"] == "2025-05-16" and record["date_precision"] == "day"
    assert record["actor"] == [{"code": "RUS", "sector": "GOV", "entity_text": "Russia", "identifier_id": "RUS",
                                "actor_code": "RUSGOV"}]
    assert record["recipient"][0]["code"] == "UKR"
    assert record["event_text"] == ["agreed"] and record["text_info"] == {"sequence": 0, "start": 0,
                                                                          "end": len(SENTENCE)}
    assert record["cite_info"]["publication"] == "Harbor Wire" and record["modality"] == "asserted"


def test_plover_date_falls_back_to_the_report_date():
    article = make_article(SENTENCE, published=date(2025, 5, 17))
    record = plover_record(article, event(date="2025-05"))
    assert record["date"] == "2025-05-17" and record["date_precision"] == "report"
    assert record["event_date_text"] == "2025-05"
