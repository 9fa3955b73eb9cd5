"""German pattern rules: the accusations, arrests and demands the llm mistranslates in single sentences.

Sentences written for the tests, each class with a negative (a ball thrown is no reproach, a
condemnation is no sentence)."""

from __future__ import annotations

import pytest

from .conftest import project_settings
from .helpers.documents import plain_document


@pytest.fixture(scope="module")
def german_coded():
    from pipelines.engines.ner.tagger import analyse, build_tagger
    from pipelines.engines.text.segmenter import Segmenter
    from pipelines.tagging.entities import entities_for
    from pipelines.tagging.events_de import german_events

    settings = project_settings()
    segmenter, tagger = Segmenter(settings.segment), build_tagger("de", settings.tag)

    def events(text: str) -> list[tuple[str, str | None, bool]]:
        (analysis,) = analyse(tagger, segmenter.segment(plain_document("t", text, lang="de")))
        found = german_events(analysis, entities_for(analysis, "test"), settings.tag.reference_year)
        return sorted((e.type, e.cameo, e.negated) for e in found)

    return events


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Besgen warf er vor, sich auf Stammtisch-Niveau herabzulassen.", [("ACCUSE", "112", False)]),
        ("Dem Minister wird vorgeworfen, gelogen zu haben.", [("ACCUSE", "112", False)]),
        ("Der Verkehrsminister kritisierte die Bahn scharf.", [("ACCUSE", "111", False)]),
        ("Der Junge warf den Ball über den Zaun.", []),  # thrown, not reproached
        ("Die Polizei hat in Hamburg einen Mann festgenommen.", [("COERCE", "173", False)]),
        ("Die Polizei nahm den Mann am Montag fest.", [("COERCE", "173", False)]),
        ("Der Vater wurde 1940 verhaftet.", [("COERCE", "173", False)]),
        ("Kanther wurde zu 18 Monaten Haft verurteilt.", [("ACCUSE", "111", False), ("COERCE", "173", False)]),
        ("Der Anschlag wird von beiden Seiten verurteilt.", [("ACCUSE", "111", False)]),  # condemned only
        ("Der Minister nahm an der Sitzung teil.", []),
        ("Schmidt hatte die Verringerung der Zahl der Krankenkassen gefordert.", [("REQUEST", "100", False)]),
        ("Merkel forderte die Banken auf, die Kosten zu tragen.", [("REQUEST", "100", False)]),
        ("Der Sicherheitsrat hatte zu einer Waffenruhe aufgerufen.", [("REQUEST", "100", False)]),
        ("Eltern behinderter Kinder sind ganz besonders gefordert.", []),  # challenged: a state, no demand
    ],
)
def test_accusations_arrests_and_sentences(german_coded, text: str, expected: list) -> None:
    assert german_coded(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Staatsanwaltschaft ermittelt gegen den Minister.", [("ACCUSE", "090", False)]),
        ("Die Polizei nahm in diesem Fall Ermittlungen auf.", [("ACCUSE", "090", False)]),
        ("Die Jury ermittelte den Sieger.", []),  # determined, not investigated
        ("Am Morgen ist ein Anschlag auf einen Zug verübt worden.", [("ASSAULT", "180", False)]),
        ("Der Pianist hat einen weichen Anschlag.", []),  # a touch, not an attack
        ("Viele politische Gefangene wurden freigelassen.", [("RETREAT", "0841", False)]),
        ("Die Regierung ließ die Gefangenen frei.", [("RETREAT", "0841", False)]),
        ("Tausende protestierten in Berlin gegen die Reform.", [("PROTEST", "140", False)]),
        ("Rund 70 Demonstranten bewarfen das Gebäude mit Eiern.", [("PROTEST", "140", False)]),
        ("Die Firma demonstrierte ihr neues Produkt.", []),  # showed, no protest
        ("Deutschland liefert Hilfsgüter an die Ukraine.", [("AID", "073", False)]),
        ("Die Lagerung der Hilfsgüter kostet Geld.", []),  # stored, not delivered
        ("Der Minister trat am Montag zurück.", [("RETREAT", "0831", False)]),  # a resignation
        ("Die Bürgermeisterin ist von ihrem Amt zurückgetreten.", [("RETREAT", "0831", False)]),
        ("Das Kind trat einen Schritt zurück.", []),  # stepped back, no office
        ("Die Familie verklagte die Stadt.", [("ACCUSE", "115", False)]),
        ("Die Opposition reichte Klage gegen das Gesetz ein.", [("ACCUSE", "115", False)]),
    ],
)
def test_investigations_attacks_releases_protests_and_aid(german_coded, text: str, expected: list) -> None:
    assert german_coded(text) == expected
