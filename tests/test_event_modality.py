"""Modality and the event classes the English coder names beyond verb patterns.

Each sentence is written for its test (never to report a score): a frame codes the act it
frames in its own CAMEO chapter ("refused to meet": REJECT 125), a condition makes a threat,
nouns and passives name attacks and protests, forces arrive and withdraw.
"""

from __future__ import annotations

import pytest

from pipelines.tagging.modality import frame_code


def summary(events) -> list[tuple[str, str | None]]:
    return [(e.type, e.cameo) for e in events]


def test_frame_codes_follow_the_framed_act() -> None:
    assert frame_code("reject", "040") == "125" and frame_code("reject", None) == "120"
    assert frame_code("threaten", "163") == "1312" and frame_code("threaten", "190") == "1384"
    assert frame_code("demand", "0841") == "1053" and frame_code("demand", "999") == "100"
    assert frame_code("intent", "071") == "0331" and frame_code("intent", "190") == "1384"  # a vow to strike


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The president refused to meet the envoy.", [("REJECT", "125")]),
        ("The parliament rejected a proposal to sign a treaty with Russia.", [("REJECT", "127")]),
        ("The ministry refused to release the prisoners.", [("REJECT", "124")]),
        ("Germany did not sign the agreement.", [("REJECT", "127")]),  # negation over the act
        ("The two leaders did not agree to hold talks.", [("REJECT", "125")]),  # negation over a frame
        ("The president declined to comment.", []),  # no act refused
    ],
)
def test_refusals_are_rejections_of_the_act(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("China threatened to impose quotas on Japanese steel.", [("THREATEN", "132")]),
        ("Iran threatened to cut ties with Britain.", [("THREATEN", "1313")]),
        ("Russia warned that it would cut gas supplies to Ukraine.", [("THREATEN", "1311")]),
        ("North Korea vowed to retaliate against South Korea.", [("THREATEN", "1384")]),
    ],
)
def test_threats_code_the_threatened_act(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


def test_conditions_make_threats(coded) -> None:
    (leave,) = coded("The rebels will leave the talks unless the army withdraws.")
    assert (leave.type, leave.cameo, leave.trigger.text) == ("THREATEN", "134", "leave")
    assert leave.rule.startswith("condition:threaten:")
    (impose,) = coded("If Japan does not lift the ban, China will impose sanctions.")
    assert (impose.type, impose.cameo) == ("THREATEN", "1312") and [a.text for a in impose.actor] == ["China"]
    assert coded("If it rains, the delegation will stay in Havana.") == []  # no negated condition


def test_demands_and_requests(coded) -> None:
    (demand,) = coded("Ruritania on Monday demanded that its neighbour withdraw the new tariffs.")
    assert demand.type == "REQUEST" and demand.trigger.text == "demanded"
    (release,) = coded("The opposition called for the release of the detained journalists.")
    assert (release.type, release.cameo) == ("REQUEST", "1053")  # a demand for a release
    (urge,) = coded("Germany urged Iran to release the detained sailors.")
    assert (urge.type, urge.cameo) == ("REQUEST", "1053") and [a.text for a in urge.recipient] == ["Iran"]
    assert [e.cameo for e in coded("Japan asked China to resume talks.")] == ["106"]
    assert coded("They called him a hero.") == [] and coded("The minister asked about the weather.") == []


def test_agreements_and_promises_are_intents(coded) -> None:
    # PLOVER's codebook: "agree to, offer, promise ... to cooperate" is AGREE (the dictionary's
    # AGREE block would say 050, SUPPORT); the promised act is no event yet
    assert summary(coded("France and Germany agreed to cooperate on energy.")) == [("AGREE", "032")]
    assert summary(coded("The two governments agreed to provide aid to the flood victims.")) == [("AGREE", "0331")]
    assert summary(coded("The two sides agreed on a ceasefire.")) == [("AGREE", "0356")]
    assert summary(coded("Cuba promised to release political prisoners.")) == [("AGREE", "0353")]
    # signing is SUPPORT in the codebook ("ratify, sign, or finalize an agreement")
    assert [e.type for e in coded("The foreign ministers signed an agreement on trade.")] == ["SUPPORT"]


def test_an_alleged_act_is_no_event(coded) -> None:
    assert [e.type for e in coded("Iraq accused Iran of attacking its border posts.")] == ["ACCUSE"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Five soldiers were killed in a roadside bombing.", [("ASSAULT", "1833")]),  # one act, the noun's code
        ("Air strikes hit the city of Aleppo on Sunday.", [("ASSAULT", "195")]),
        ("Gunmen attacked a police convoy near Mosul.", [("ASSAULT", "190")]),
        ("The storm killed twenty people in Florida.", []),
    ],
)
def test_passive_and_nominal_attacks(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hundreds of farmers demonstrated outside the ministry in Paris.", ["PROTEST"]),
        ("Workers went on strike at the port of Antwerp.", ["PROTEST"]),
        ("US and British activists staged a dramatic protest in Beijing.", ["PROTEST"]),
        ("Activists signed a petition against the dam.", ["PROTEST"]),  # not a signed agreement
        ("She demonstrated her skill at the piano.", []),
        ("The opposition rallied support for the bill.", []),
    ],
)
def test_protests(coded, text: str, expected: list) -> None:
    assert [e.type for e in coded(text)] == expected


def test_forces_arrive_and_withdraw(coded) -> None:
    (arrival,) = coded("Russian troops arrived in Syria on Tuesday.")
    assert (arrival.type, arrival.cameo) == ("MOBILIZE", "154") and [a.text for a in arrival.recipient] == ["Syria"]
    assert [e.type for e in coded("The United States withdrew its troops from Afghanistan.")] == ["RETREAT"]


@pytest.mark.parametrize(
    ("text", "expected", "accused"),
    [
        # a claim that another did a hostile act accuses the doer; the act itself is only claimed
        ("Rebels claimed that government troops had shelled the village.", [("ACCUSE", "1123")], ["government troops"]),
        ("The minister claimed that the economy had grown.", [], None),  # nothing hostile
        ("The militia claimed that they had attacked the base.", [("ASSAULT", "190")], None),  # their own act
    ],
)
def test_a_claim_of_a_hostile_act_accuses_its_doer(coded, text: str, expected: list, accused) -> None:
    events = coded(text)
    assert summary(events) == expected
    if accused:
        assert [a.text for a in events[0].recipient] == accused
