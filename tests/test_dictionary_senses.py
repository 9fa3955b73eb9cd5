"""The dictionary's reverse readings, the verbs that code only through their patterns
(``pipelines/tagging/data/cameo.additions.txt``), a frame's own coding and readiness "for" an act.

Every sentence is written for its test (never scored), with a negative beside each class.
"""

from __future__ import annotations

import pytest

from .test_event_modality import summary


def parties(event) -> tuple[list[str], list[str]]:
    return [a.text for a in event.actor], [a.text for a in event.recipient]


def test_a_reverse_reading_goes_from_the_other_party_to_the_subject(coded) -> None:
    (pressure,) = coded("Obama faces pressure from Congress to help Iran.")  # "- * PRESSURE [:100]"
    assert (pressure.type, pressure.cameo, parties(pressure)) == ("REQUEST", "100", (["Congress"], ["Obama"]))
    (tanks,) = coded("Iraq received tanks from Russia.")  # "- * TANKS [:072]"
    assert (tanks.type, parties(tanks)) == ("AID", (["Russia"], ["Iraq"]))
    assert coded("The minister faces criminal charges.") == []  # nobody named who charges him


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia took steps to end the crisis.", []),  # TAKE codes only through its patterns
        ("The rebels took 20 hostages.", [("ASSAULT", "181")]),
        ("Rebels took control of the town.", [("COERCE", "192")]),
        ("The government faces a difficult challenge.", []),
        ("The minister gave a speech on relations with Asia.", []),
        ("The president gave permission to Russia.", [("CONCEDE", "080")]),
        ("Islamic State has released a video.", []),  # media, not people
        ("Israel released the mayor of Nablus from prison.", [("RETREAT", "0841")]),
        ("The Cuban people had been freed from the dictatorship of Batista.", []),  # no prisoners released
        ("The government met the deadline.", []),
        ("The family relied on food aid to make ends meet.", []),
        ("The Kremlin established a trade centre in Havana.", []),
        ("Russia increased its military presence near the border.", [("MOBILIZE", "154")]),
        ("Exports increased to 24 billion dollars.", []),
    ],
)
def test_generic_verbs_code_only_through_their_patterns(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


def test_a_frame_that_gives_the_act_is_no_event_beside_it(coded) -> None:
    # "pledged to expel": the expulsion (CAMEO codes an intent to coerce as the act), no pledge (030)
    assert summary(coded("Qatar has pledged to expel the exiled leaders.")) == [("COERCE", "174")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Iran is prepared for negotiations on the withdrawal.", [("AGREE", "036")]),
        ("Iran is ready for talks with the United States.", [("AGREE", "036")]),
        ("The army prepared for an attack on the city.", [("THREATEN", "1384")]),
        ("The army is preparing for the parade.", []),  # no act
    ],
)
def test_readiness_for_an_act(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an act done by somebody unnamed: PLOVER codes it with its target
        ("Three opposition leaders were arrested on Monday.", [("COERCE", "173")]),
        ("Police said two Russian diplomats were expelled.", [("SANCTION", "161")]),
        ("The journalist was detained at the airport.", [("COERCE", "173")]),
        ("The village was bombed overnight.", [("ASSAULT", "190")]),  # force on a thing is the act too
        ("Improved relations were planned in three stages.", []),  # a verb's bare code needs a person
        # background, not done, or no act
        ("The mayor, who had been arrested a year ago, spoke on Monday.", []),
        ("She hoped the officials would be indicted.", []),
        ("The new album was released in May.", []),
    ],
)
def test_an_agentless_passive_is_an_act_by_somebody_unnamed(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Iran warned Israel against any attack.", [("THREATEN", "130")]),  # a warning to someone
        ("The minister warned of retaliation.", [("THREATEN", "1384")]),  # of an act
        ("North Korea warned that it would strike the South.", [("THREATEN", "1384")]),
        ("The UN warned of a humanitarian catastrophe in Gaza.", []),  # of a danger: no threat
        ("Experts warned that the economy could shrink.", []),
    ],
)
def test_a_warning_threatens_someone_or_an_act(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


def test_an_agentless_passive_of_a_natural_cause_is_no_act(coded) -> None:
    assert summary(coded("Hundreds of homes were destroyed in the earthquake.")) == []
    assert summary(coded("Ten people were killed in the storm.")) == []
    assert summary(coded("Rockets were fired at Israel from Gaza.")) == [("ASSAULT", "194")]  # "fire" the verb


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The two sides held talks in Geneva.", [("CONSULT", "044")]),
        ("Ahead of the summit, the ministers met in Paris.", [("CONSULT", "044")]),  # the meeting, not the summit
        ("The government cancelled the talks with the rebels.", []),  # no meeting held
    ],
)
def test_a_meeting_noun_is_a_meeting_held(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected
