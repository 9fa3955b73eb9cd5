"""The named translation checks look both ways: what the output drops and what it adds."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.core.errors import InputError
from pipelines.engines.translate.glossary import Glossary, read_terms, repair
from pipelines.engines.translate.translation_checks import CHECKS, Item, TranslationChecker
from pipelines.engines.translate.translation_evidence import added_names, missing_names
from pipelines.engines.translate.translation_numbers import added_numbers, missing_numbers
from pipelines.engines.translate.translation_requests import clause_parts

from .conftest import project_settings

BATISTA = "Das kubanische Volk hatte sich im Jahr zuvor von der durch die USA gestützten Diktatur Batistas befreit."
YUGOSLAVIA = "Jugoslawien und Kuba unterstützten den Kampf des koreanischen Volkes für den Abzug der US-Truppen."


def run_check(name: str, source: str, output: str, **fields) -> list[str]:
    return CHECKS[name](project_settings().translate)(Item(source, output, 0.9, **fields))


def test_a_year_the_source_does_not_state_is_flagged() -> None:
    """The v1 prompt's example year leaked: "... of Batista in 1986" for a sentence with no number."""
    leaked = "The Cuban people had freed themselves from the US-backed dictatorship of Batista in 1986."
    assert run_check("added_numbers", BATISTA, leaked) == ["added number 1986"]
    fine = "The Cuban people had freed themselves from Batista's US-backed dictatorship the year before."
    assert run_check("added_numbers", BATISTA, fine) == []


def test_numbers_are_compared_by_value_in_each_language() -> None:
    assert missing_numbers("Er zahlte 12.345,67 Euro.", "He paid 12.345.67 euros.") == ["12.345,67"]
    assert missing_numbers("Er zahlte 12.345,67 Euro.", "He paid 12,345.67 euros.") == []
    assert missing_numbers("Sie zahlten 1.000 Dollar.", "They paid 1,000 dollars.") == []
    assert missing_numbers("Am 29.10.1960 kamen sie.", "They came on 29 October 1960.") == []
    assert added_numbers("Sie hat zwei Kinder und 3 Millionen Euro.", "She has 2 children and 3,000,000 euros.") == []
    assert added_numbers("In den sechziger Jahren.", "In the 1960s.") == []
    assert added_numbers("Sie hat zwei Kinder.", "She has two children and three dogs.") == ["three"]
    assert added_numbers("Zum dritten Mal.", "For the third time.") == []


def test_a_name_the_source_does_not_license_is_flagged_after_exonyms() -> None:
    changed = "Yugoslavia, and also (Serbia) and Cuba, supported the Korean War against the United States troops."
    assert added_names(YUGOSLAVIA, changed, "de") == ["Serbia", "War"]
    faithful = "Yugoslavia and Cuba supported the struggle of the Korean people for the withdrawal of US troops."
    assert added_names(YUGOSLAVIA, faithful, "de") == []
    assert added_names("Sie trafen sich im März in Pjöngjang.", "They met in March in Pyongyang.", "de") == []


def test_sentence_initial_words_are_not_missing_names() -> None:
    output = "On Monday the government met. On 29 October 1960 both met."
    assert missing_names("Am Montag tagte die Regierung.", output, "de") == []
    assert missing_names("Die Regierung tagte am Montag.", "The government met on Monday.", "de") == []


def test_glossary_terms_are_found_with_case_endings_and_checked() -> None:
    glossary = Glossary.load(None).prefer(["North Korea and Cuba.", "The DPRK said North Korea would."])
    found = {t.german: t for t in glossary.found_in("Die DVR Korea und Kubas Führer sowie die DVRK und US-Truppen")}
    assert set(found) == {"DVR Korea", "Kuba", "DVRK", "US"}
    assert found["DVRK"].english == "North Korea"  # the corpus's English says it most
    terms = (found["DVRK"], found["Kuba"])
    source = "Die DVRK und Kuba feierten."
    assert run_check("glossary", source, "The DVRK and Kuba celebrated.", terms=terms) == [
        "glossary DVRK -> North Korea not used",
        "glossary Kuba -> Cuba not used",
    ]
    assert run_check("glossary", source, "The DPRK and Cuba celebrated.", terms=terms) == []
    assert run_check("missing_names", source, "North Korea and Cuba celebrated.", terms=terms) == []


def test_a_user_glossary_replaces_built_in_terms_and_a_bad_line_is_named(tmp_path: Path) -> None:
    good = tmp_path / "terms.tsv"
    good.write_text("# ours\nKuba\tRepublic of Cuba\tCuba\nStaatsrat\tCouncil of State\n", encoding="utf-8")
    glossary = Glossary.load(good)
    assert glossary.terms["Kuba"].english == "Republic of Cuba" and "Staatsrat" in glossary.terms
    bad = tmp_path / "bad.tsv"
    bad.write_text("Kuba\tCuba\nonly one field\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.tsv:2: expected"):
        read_terms(bad)


def test_copied_example_text_is_flagged_but_shared_wording_is_not() -> None:
    examples = (("Der Präsident besuchte Havanna.", "The president visited Havana."),)
    source = "Eine zwanzigtausend Zeichen lange Zeile."
    assert run_check("example_leak", source, "The president visited Havana.", examples=examples)
    own = ("Der Präsident besuchte Havanna.", "Der Präsident besuchte gestern Havanna.")
    assert run_check("example_leak", own[1], "The president visited Havana yesterday.", examples=examples) == []


def test_every_configured_check_is_registered_and_named_in_its_flags() -> None:
    settings = project_settings().translate
    assert set(settings.checks) <= set(CHECKS) and set(settings.reject_on) <= set(settings.checks)
    checker = TranslationChecker(settings)
    assert [c.name for c in checker.checks] == list(settings.checks)
    with pytest.raises(ValueError, match="unknown translation checks"):
        TranslationChecker(settings.model_copy(update={"checks": ("form", "spelling")}))


def test_long_sentences_are_cut_at_clause_boundaries_never_truncated() -> None:
    text = "; ".join(f"Teil {n}, der lang genug ist, um gezählt zu werden" for n in range(40))
    parts = clause_parts(text, 200)
    assert len(parts) > 1 and all(len(p) <= 200 for p in parts)
    assert " ".join(parts) == text  # every character kept, in order
    assert clause_parts("kurz", 200) == ["kurz"]
    assert clause_parts("x" * 500, 200) == ["x" * 500]  # one word longer than the limit stays whole


def test_a_german_term_copied_into_the_output_is_replaced_by_its_english_form() -> None:
    glossary = Glossary.load(None)
    terms = glossary.found_in("Die DVR Korea und Kuba sowie Kubas Führer, die DVRK und die USA")
    repaired = repair("The DVR Korea and Kuba, Kubas leader, the DVRK and the USA.", terms)
    assert repaired == "The North Korea and Cuba, Cuba leader, the North Korea and the USA."
    assert repair("North Korea and Cuba.", terms) == "North Korea and Cuba."  # translated terms stay
