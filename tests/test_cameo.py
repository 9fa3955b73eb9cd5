"""The CAMEO verb dictionary reader, the CAMEO -> PLOVER table and actor codes.

The syntax tests use small dictionaries written here in the file format; the mapping and
actor tests read the real shared files (``../shared/data``), which the suite needs anyway.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.core.errors import InputError
from pipelines.core.records import DateValue
from pipelines.tagging.actors import ORGANISATIONS, actor_code, event_date, load_actors, resolve_actor
from pipelines.tagging.cameo import NO_EVENT, load_plover_table, load_verb_dictionary, plover_for

from .conftest import project_settings
from .test_tag import event_of, tagged  # noqa: F401  (tagged is a fixture)

SETTINGS = project_settings().tag

DICTIONARY = """\
####### SYNONYM SETS #######

&WEAPON
+MISSILE
+ROCKET_LAUNCHER_

####### VERB PATTERNS #######

---  DEMAND   [100]  ---
DEMAND
BID {BIDS BADE BIDDING }  # irregular forms
WANT [030]
- * RESIGNATION                                       [100]         # DEMAND
- * &WEAPON                                           [1032]        # DEMAND
- * DIVORCE                                           [---]         # WANT
- $ TROOP * TOWARD +                                  [154]         # a source-side word
- * {HUMAN RIGHTS}                                    [0243]        # a phrase
- * RELEASE (OF PRISONERS)                            [0253]        # a prepositional phrase
- * OVER / THROUGH                                    [999]         # syntax not modelled: skipped
- * PRESSURE                                          [:100]        # the reverse reading only

---  FUEL   [---]  ---
+STIR_UP {+STIRS_UP +STIRRING_UP +STIRRED_UP }
FUEL
---  VISIT   [042:043]  ---
VISIT
"""


def test_the_reader_knows_each_syntax_form(tmp_path: Path) -> None:
    path = tmp_path / "verbs.txt"
    path.write_text(DICTIONARY, encoding="utf-8")
    dictionary = load_verb_dictionary(path)
    assert dictionary.synonyms["&WEAPON"] == [("MISSILE",), ("ROCKET", "LAUNCHER")]
    assert [(v.block, v.code) for v in dictionary.verbs["WANT"]] == [("DEMAND", "030")]  # a verb's own code
    assert [v.block for v in dictionary.verbs["BADE"]] == ["DEMAND"]  # irregular form
    assert [(v.block, v.particle) for v in dictionary.verbs["STIRRED"]] == [("FUEL", "UP")]  # verb + particle
    assert dictionary.blocks["VISIT"].code == "042"  # "042:043": the active reading
    assert dictionary.blocks["FUEL"].code == NO_EVENT
    patterns = {p.code: p for p in dictionary.blocks["DEMAND"].patterns}
    assert set(patterns) == {"100", "1032", NO_EVENT, "154", "0243", "0253"}  # the "/" pattern is skipped
    pressure = next(p for p in dictionary.blocks["DEMAND"].patterns if p.after[0].options == (("PRESSURE",),))
    assert (pressure.code, pressure.reverse) == ("100", True)  # an act towards the subject ("faces pressure")
    assert not patterns["1032"].reverse
    assert [w.options for w in patterns["1032"].after] == [(("MISSILE",), ("ROCKET", "LAUNCHER"))]
    assert [w.options for w in patterns["154"].before] == [(("TROOP",),)]  # $ and + only mark roles
    assert [w.options for w in patterns["154"].after] == [(("TOWARD",),)]
    assert [w.options for w in patterns["0243"].after] == [(("HUMAN", "RIGHTS"),)]
    assert [w.options for w in patterns["0253"].after] == [(("RELEASE",),), (("OF",),), (("PRISONERS",),)]


ADDITIONS = """\
---  DEMAND  ---
BID {BIDS BADE BIDDING } [---]
- * DIVORCE PAPERS                                    [0243]        # a pattern added to the block
"""


def test_additions_put_their_verbs_first_and_join_their_blocks(tmp_path: Path) -> None:
    (tmp_path / "verbs.txt").write_text(DICTIONARY, encoding="utf-8")
    (tmp_path / "additions.txt").write_text(ADDITIONS, encoding="utf-8")
    dictionary = load_verb_dictionary(tmp_path / "verbs.txt", tmp_path / "additions.txt")
    assert [(v.block, v.code) for v in dictionary.verbs["BADE"]] == [("DEMAND", NO_EVENT), ("DEMAND", None)]
    added = dictionary.blocks["DEMAND"].patterns[0]  # before the dictionary's: of two as long, it wins
    assert (added.code, added.source.split(":")[0]) == ("0243", "additions.txt")  # provenance names the file
    (tmp_path / "bad.txt").write_text("---  NOSUCH  ---\nBID [---]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.txt:1.*no verb block 'NOSUCH'"):
        load_verb_dictionary(tmp_path / "verbs.txt", tmp_path / "bad.txt")
    (tmp_path / "odd.txt").write_text("---  DEMAND  ---\n- * OVER / THROUGH [999]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"odd.txt:2.*does not model"):
        load_verb_dictionary(tmp_path / "verbs.txt", tmp_path / "odd.txt")


def test_the_coder_raises_on_bad_additions_and_warns_without_the_shared_dictionary(tmp_path: Path, capsys) -> None:
    """The additions are the project's (or the user's) own file: an error there stops the run,
    naming its line; a missing shared dictionary only leaves the rules coding, loudly."""
    from pipelines.tagging.events_en import cameo_coder

    (tmp_path / "bad.txt").write_text("---  NOSUCH  ---\nTAKE [---]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.txt:1.*no verb block 'NOSUCH'"):
        cameo_coder(SETTINGS.cameo_dictionary, SETTINGS.plover_table, None, tmp_path / "bad.txt")
    assert cameo_coder(tmp_path / "missing.txt", SETTINGS.plover_table, None, SETTINGS.cameo_additions) is None
    assert "English events come from event_rules.yaml only" in capsys.readouterr().err


def test_the_real_dictionary_loads(tmp_path: Path) -> None:
    dictionary = load_verb_dictionary(SETTINGS.cameo_dictionary)
    assert len(dictionary.blocks) > 300 and sum(len(b.patterns) for b in dictionary.blocks.values()) > 4000
    assert dictionary.blocks[dictionary.verbs["DEMAND"][0].block].code == "100"
    with pytest.raises(InputError, match="CAMEO verb dictionary not found"):
        load_verb_dictionary(tmp_path / "missing.txt")
    extended = load_verb_dictionary(SETTINGS.cameo_dictionary, SETTINGS.cameo_additions)  # the project's own
    assert extended.verbs["TOOK"][0].code == NO_EVENT and extended.verbs["TOOK"][0].block == "APPREHEND"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("042", ("CONSULT", "visit")),
        ("057", ("SUPPORT", None)),  # sign a formal agreement
        ("163", ("COERCE", "restrict")),  # impose embargo, boycott or sanctions (the table as published)
        ("1383", ("THREATEN", "violence")),
        ("0311", ("AGREE", None)),
        ("16", ("SANCTION", None)),  # a root code
        ("010", None),  # public statements have no PLOVER type
    ],
)
def test_cameo_to_plover(code: str, expected: tuple[str, str | None] | None) -> None:
    found = plover_for(code, load_plover_table(SETTINGS.plover_table))
    assert (found.type, found.mode) == expected if expected else found is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("163", ("SANCTION", None)),  # the manual: "Impose embargo, boycott, or sanctions" is SANCTION
        ("0813", ("CONCEDE", None)),  # "remove curfews" is a concession
        ("0814", ("CONCEDE", None)),
        ("0831", ("RETREAT", "resign")),  # "RETREAT also covers resignations of government officials"
        ("0841", ("RETREAT", "release")),  # codes not amended keep the table's entry
        ("1623", ("SANCTION", "discontinue")),
    ],
)
def test_the_project_amends_the_table_where_the_manual_types_a_code_otherwise(code: str, expected: tuple) -> None:
    table = load_plover_table(SETTINGS.plover_table, SETTINGS.plover_amendments)
    assert (table[code].type, table[code].mode) == expected


def test_bad_amendments_name_their_line_and_stop_the_coder(tmp_path: Path) -> None:
    """The amendments are the project's (or the user's) own file: a line the table's format does
    not hold, or a type PLOVER does not have, is an error naming the line, not a line skipped."""
    from pipelines.tagging.events_en import cameo_coder

    (tmp_path / "typo.txt").write_text("# comment\n\n163 SANCTION\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"typo.txt:3.*not a 'code: TYPE, mode, context' line"):
        load_plover_table(SETTINGS.plover_table, tmp_path / "typo.txt")
    (tmp_path / "type.txt").write_text("163: SANCTIONS, , economic\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"type.txt:1.*'SANCTIONS' is no PLOVER type"):
        load_plover_table(SETTINGS.plover_table, tmp_path / "type.txt")
    with pytest.raises(InputError, match="PLOVER table amendments not found"):
        load_plover_table(SETTINGS.plover_table, tmp_path / "missing.txt")
    with pytest.raises(InputError, match=r"type.txt:1"):  # raised, not warned away like missing shared data
        cameo_coder(SETTINGS.cameo_dictionary, SETTINGS.plover_table, None, None, tmp_path / "type.txt")


def test_actor_codes_follow_names_aliases_and_dates() -> None:
    actors = load_actors(SETTINGS.actors_file)
    assert actor_code("the DPRK", actors, None) == "PRK"
    assert actor_code("Havana", actors, None) == "CUB"  # capitals are aliases of their country
    assert actor_code("Iraq", actors, None) == "IRQ"  # YYYYMMDD-dated codes
    assert actor_code("Kim Il Sung", actors, date(1960, 8, 1)) == "PRKGOV"
    assert actor_code("Kim Il Sung", actors, date(1935, 1, 1)) == "PRKELI"  # before he led the state
    assert resolve_actor("The Canadian government", actors, None) == "CANGOV"  # country + agent
    assert resolve_actor("the rebels", actors, None) == "---REB"
    assert resolve_actor("a long silence", actors, None) is None
    assert event_date(DateValue(start=0, end=4, text="1960", iso="1960", granularity="year")) == date(1960, 1, 1)


def test_international_organisations_have_codes() -> None:
    organisations = load_actors(ORGANISATIONS)
    assert actor_code("the United Nations Security Council", organisations, None) == "IGOUNO"
    assert actor_code("the European Union", organisations, None) == "IGOEUREEC"
    assert resolve_actor("NATO troops", organisations, None) == "IGOWSTNATMIL"
    assert actor_code("the man who spoke", organisations, None) is None  # WHO is not an alias


def test_seed_events_carry_actor_codes(tagged) -> None:  # noqa: F811
    belgrade = event_of(tagged, "in Belgrad (Jugoslawien)", "traf")  # German rule, 1980
    assert [a.code for a in belgrade.actor] == ["PRKGOV"]
    sanction = event_of(tagged, "South Korea imposed sanctions against Russia", "imposed")
    assert sanction.rule.startswith("en:") and "+cameo:" in sanction.rule  # the rule's arguments, CAMEO's block


def test_rejections_follow_the_codebook() -> None:
    from pipelines.tagging.labels import rejected_code

    assert rejected_code("051") == "120" and rejected_code("057") == "127"  # the longer prefix wins
    assert rejected_code("0361") == "125" and rejected_code("0874") == "124"
    assert rejected_code("190") is None and rejected_code("111") is None  # no negated-cooperation reading


def test_negated_cooperation_is_coded_as_a_rejection(coded) -> None:
    (event,) = coded("Germany said it would not provide support to Russia.")
    assert event.type == "REJECT" and event.cameo == "120" and not event.negated
    assert event.rule.endswith("+negated-to-reject")
    assert [a.code for a in event.actor] == ["DEU"] and "RUS" in [a.code for a in event.recipient]


def test_a_passive_verb_matches_its_active_pattern(coded) -> None:
    (event,) = coded("Evidence against Iran was presented by France.")  # "- * EVIDENCE" on PRESENT
    assert event.cameo == "1124" and [a.code for a in event.actor] == ["FRA"]
    assert "IRN" in [a.code for a in event.recipient]


def test_a_pattern_word_inside_an_unrelated_phrase_does_not_match(coded) -> None:
    assert [e.cameo for e in coded("The French minister made a trip to China.")] == ["036"]  # "- * TRIP"
    assert coded("The French minister made his remarks in Paris at the start of a trip to China.") == []


def test_a_participle_without_an_agent_names_no_event(coded) -> None:
    # "accused" describes the officials; their resignation is the event (RETREAT by the manual)
    assert [e.type for e in coded("Officials accused of fraud resigned in France.")] == ["RETREAT"]


def test_german_seed_events_gain_cameo_and_actor_codes(tagged) -> None:  # noqa: F811
    german = [e for row in tagged["events"].values() if row.lang == "de" for e in row.events]
    assert german and all(e.cameo for e in german), [(e.trigger.text, e.cameo) for e in german if not e.cameo]
    codes = {a.code[:3] for e in german for a in e.actor + e.recipient if a.code}
    assert {"PRK", "CUB"} <= codes
    # German names of states (tagging/data/german.actors.txt): the article's own abbreviation
    assert {a.code for e in german for a in e.actor + e.recipient if a.text == "DVRK"} == {"PRK"}
    # the CAMEO coder ran on the English gloss and its codes reached the German events
    assert any("via-gloss:" in e.rule for e in german)
