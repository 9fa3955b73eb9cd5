"""Acts named by their effect, obligation, readiness, attempts, refusals and planned meetings.

Every sentence is written for its test (never scored), with a negative beside each class: a
lifted blockade is no protest, a hearing aid no hearing, a perfect tense no obligation.
"""

from __future__ import annotations

import pytest

from .test_event_modality import summary


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # demands by obligation, with a penalty they threaten
        (
            "The ministry said on Monday that the neighbours must lift the blockade or face sanctions.",
            [("REQUEST", "1056"), ("THREATEN", "1312")],
        ),
        ("The spokesman said the army has to withdraw from the town.", [("REQUEST", "1056")]),
        ("The US said that Iraq had attacked the border posts.", [("ASSAULT", "190")]),  # a perfect, no duty
        ("Analysts said the economy should grow next year.", []),  # no act demanded
        # threats by readiness; readiness to talk is an intent
        ("The government announced it is ready to impose a state of emergency.", [("THREATEN", "1324")]),
        ("The rebels are ready to talk.", [("AGREE", "030")]),
    ],
)
def test_obligation_and_readiness(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorities shortened the curfew by an hour.", [("CONCEDE", "0813")]),  # the manual: easing is CONCEDE
        ("Troops released the detained mayor.", [("RETREAT", "0841")]),
        ("He was released from prison on Friday.", [("RETREAT", "0841")]),
        ("The government improved access for aid workers.", [("RETREAT", "0863")]),
        ("The court decided to allow the opposition candidate to run.", [("CONCEDE", "083")]),
        ("The blockade of the port was lifted.", [("RETREAT", "0872")]),  # not a protest
        ("The company released a statement on Monday.", []),
        ("The band released a new album.", []),
    ],
)
def test_retreat_and_easing(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Workers blocked the bridge for hours.", [("PROTEST", "144")]),
        ("Demonstrators blocked a road to show their anger.", [("PROTEST", "144")]),
        ("Police blocked the road to the airport.", []),  # forces blocking are no protest
        ("The court opened a hearing into the legality of the methods.", [("ACCUSE", "090")]),
        ("The committee completed its inquiry into the allegation.", [("ACCUSE", "090")]),
        ("She bought a new hearing aid.", []),
        ("The two sides reached a consensus on sharing data.", [("AGREE", "030")]),
        ("They reached the border on Sunday.", []),
    ],
)
def test_protest_investigation_and_agreement_by_outcome(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Doctors donated and delivered medicine worth $50,000.", [("AID", "073")]),
        ("The EU gave the country 5 million dollars for agriculture.", [("AID", "071")]),
        ("The firm gave its staff a bonus.", []),
        ("The US suspended part of its military aid to Egypt.", [("SANCTION", "1622")]),
        ("The agency reduced food supplies to the camp.", [("SANCTION", "1623")]),
        ("The government cut taxes for small firms.", []),
    ],
)
def test_aid_by_transfer_and_sanctions_by_cutting(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("An attempt to kill the deputy governor was foiled.", [("ASSAULT", "190")]),
        ("Forces carried out ethnic cleansing against the population.", [("ASSAULT", "203")]),
        # no attempt or readiness: the dictionary's PREPARE * REPORT is an investigation (090)
        ("The ministry has prepared a report.", [("ACCUSE", "090")]),
        ("The chef has prepared a meal.", []),
    ],
)
def test_attacks_named_by_their_aim_or_kind(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


def test_a_planned_meeting_is_an_intent_and_a_conditional_one_a_demand(coded) -> None:
    # PLOVER's gold codes the intent (AGREE 036); a held one and a refused one stay; one held out on
    # a condition demands it (REQUEST, coded by the condition's act; that act is no event of its own)
    assert summary(coded("Kim said he would visit Havana in October.")) == [("AGREE", "036")]
    assert summary(coded("Castro will hold talks with Kim in Pyongyang.")) == [("AGREE", "036")]
    assert summary(coded("The president visited Seoul last week.")) == [("CONSULT", "042")]
    assert summary(coded("The Japanese prime minister will not meet the Korean president.")) == [("REJECT", "125")]
    assert summary(coded("The minister would meet his counterpart if the talks resume.")) == [("REQUEST", "106")]
    conditional = "The president would visit Seoul only if the North stopped its missile tests."
    assert summary(coded(conditional)) == [("REQUEST", "1056")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The country says it will not accept more refugees.", [("REJECT", "120")]),
        ("The district denied the land for the temple.", [("REJECT", "120")]),
        ("The border guards denied entry to the journalists.", [("REJECT", "120")]),
        ("Russia vetoed the resolution.", [("REJECT", "129")]),
        ("The government accepted the proposal.", [("AGREE", "030")]),  # acceptance is agreement
        ("The minister denied the allegations.", []),  # a denial of an accusation refuses nothing
        ("The shop does not accept credit cards.", []),  # no political object
    ],
)
def test_refusals_without_refuse(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Eight members of the gang have been sentenced to ten years in prison.", [("COERCE", "173")]),
        ("Prosecutors brought charges against the former minister.", [("COERCE", "173")]),
        ("The investigators arrested two managers of the hospital.", [("COERCE", "173")]),
        ("The teacher read the sentence aloud.", []),  # a sentence of text is no act
        ("The bank charges a fee for every transfer.", []),  # a fee, not charges brought
    ],
)
def test_legal_action_with_the_court_unnamed(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


def test_a_dictionary_pattern_needs_a_coded_political_actor_unless_set_to_petrarchs_two(coded) -> None:
    """``tag.cameo_parties``: PLOVER codes events with any target, so by default a verb pattern of
    the dictionary needs a political actor (coded, the police: ---COP, or a named person) and a
    recipient found; ``both-coded`` keeps PETRARCH's rule of two coded actors."""
    from pipelines.engines.ner.tagger import analyse, build_tagger
    from pipelines.engines.text.segmenter import Segmenter
    from pipelines.tagging.entities import entities_for
    from pipelines.tagging.events_en import english_events

    from .conftest import project_settings
    from .helpers.documents import plain_document

    text = "The police arrested a man."
    assert summary(coded(text)) == [("COERCE", "173")]
    assert summary(coded("A man arrested another man.")) == []  # no known actor
    assert summary(coded("John Miller criticized the new tax plan.")) == [("ACCUSE", "111")]  # a named actor
    assert summary(coded("The firm criticized the new tax plan.")) == []
    assert summary(coded("The company paid the workers a bonus.")) == []  # a business is no political actor
    assert summary(coded("Police blocked the road to the airport.")) == []  # the state does not protest
    settings = project_settings()
    petrarch = settings.tag.model_copy(update={"cameo_parties": "both-coded"})
    tagger = build_tagger("en", settings.tag)
    (analysis,) = analyse(tagger, Segmenter(settings.segment).segment(plain_document("t", text)))
    assert english_events(analysis, entities_for(analysis, tagger.provenance.engine), petrarch) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The two leaders said they will attack Iraq.", [("THREATEN", "1384")]),  # violence announced
        ("The rebels would attack the town, the commander said.", [("THREATEN", "1384")]),
        ("The army attacked the town.", [("ASSAULT", "190")]),  # done, not announced
    ],
)
def test_announced_violence_is_a_threat(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


def test_violence_promised_not_to_happen_is_no_threat(coded) -> None:
    (event,) = coded("The army will not attack the town.")
    assert (event.type, event.negated) == ("ASSAULT", True)  # a negated act, which no row counts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Israel announced it would free 150 prisoners.", [("AGREE", "0353")]),  # an announced intent
        ("The government said it will lift the sanctions.", [("AGREE", "0354")]),
        ("The United States will supply arms to Israel.", [("AID", "072")]),  # a future act, not reported
        ("Israel freed 150 prisoners.", [("RETREAT", "0841")]),  # done
    ],
)
def test_a_cooperative_act_announced_is_an_intent(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The army held military exercises near the border.", [("MOBILIZE", "150")]),
        # the manual: "Joint military operations are coded as COOPERATE but single-country
        # exercises should be coded as MOBILIZE"
        ("China and Russia held joint naval drills near Japan.", [("COOPERATE", "062")]),
        ("The students held a fire drill.", []),  # no military
        ("The team conducted an exercise in teamwork.", []),
    ],
)
def test_military_exercises_show_power_and_joint_ones_are_cooperation(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("There were ten soldiers killed in the border town today.", [("ASSAULT", "190")]),
        ("Three people killed in a car crash on the motorway.", []),  # no violence
        # agentless participles of other acts stay none; the officials' resignation is a retreat
        ("Officials accused of corruption resigned.", [("RETREAT", "0831")]),
    ],
)
def test_violence_named_by_a_participle_alone(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The rebels stopped attacking the convoy.", [("RETREAT", "087")]),  # violence stopped: de-escalation
        ("The government halted the talks with the rebels.", [("SANCTION", "164")]),  # the frame's own rule
        ("The company stopped production.", []),
    ],
)
def test_an_act_stopped_is_not_happening(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # violence by anyone, named or not; a film shot is none
        ("Gunmen shot dead a police officer in Karachi.", [("ASSAULT", "193")]),
        ("Two aid workers were kidnapped in Yemen.", [("ASSAULT", "181")]),
        ("The director shot a film in Berlin.", []),
        ("The charity searched for the kidnapped girls.", []),  # a participle describing them: no new act
        # civilian dissent needs no target and no political actor; the crowd, not its size, protests
        ("Thousands of people took to the streets of Paris.", [("PROTEST", "141")]),
        ("The decision sparked protests across the country.", [("PROTEST", "140")]),
        ("The decision sparked a debate across the country.", []),
    ],
)
def test_violence_by_anyone_and_protest_by_civilians(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # types where the PLOVER manual's text amends the 2021 table (plover.amendments.txt)
        ("The EU imposed new sanctions on Russian banks.", [("SANCTION", "163")]),
        ("The government lifted the state of emergency.", [("CONCEDE", "0814")]),
        ("The Egyptian prime minister resigned on Monday.", [("RETREAT", "0831")]),
        ("The company imposed a fee on late payments.", []),  # no sanction
        ("The striker resigned himself to the bench.", []),  # no official
        # rights groups and charities are actors of their own (agents.yaml: NGO)
        ("Human rights groups criticized the government.", [("ACCUSE", "111")]),
        ("The film critics criticized the director.", []),  # nobody political
    ],
)
def test_types_the_manual_gives_and_civil_society_actors(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


def test_a_by_phrase_names_the_actor_of_a_passive_not_the_measure_of_an_active_verb(coded) -> None:
    (eased,) = coded("Authorities shortened the curfew by an hour.")
    assert [a.text for a in eased.actor] == ["Authorities"]
    (demolished,) = coded("The Russian embassy was demolished by Ukrainian protesters.")
    assert [a.text for a in demolished.actor] == ["Ukrainian protesters"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the manual's RETREAT beyond withdrawals and releases
        ("The president stepped down after weeks of protests.", [("RETREAT", "0831")]),
        ("The interior minister quit over the scandal.", [("RETREAT", "0831")]),
        ("Rebels handed over their weapons to UN peacekeepers.", [("RETREAT", "0873")]),
        ("Thousands of refugees were repatriated to Afghanistan.", [("RETREAT", "0841")]),
        ("Both sides observed the ceasefire on Sunday.", [("RETREAT", "0871")]),
        ("Israel returned the bodies of two soldiers to Hamas.", [("RETREAT", "084")]),
        ("The rebels agreed to disarm.", [("AGREE", "0356")]),  # an intent to disarm
        ("No solution can be found unless the militia is disarmed.", []),  # done to them, and not done
        ("The army forced the militia to disarm.", [("COERCE", "170")]),  # the coercion, not a retreat
        ("She quit smoking last year.", []),  # nobody's office
        ("The singer stepped down from the stage.", []),
        ("He returned home on Sunday.", []),
        ("The minister returned the call.", []),
    ],
)
def test_resignations_disarming_and_returns_are_retreats(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a day is when, not the pattern's preposition: "- * (ON)" is "called on Iran to ..." (an appeal)
        ("Merkel telephoned Putin on Monday.", [("CONSULT", "041")]),
        ("The court turned down the appeal of the former president.", [("REJECT", "120")]),
        ("The family sued the government over the killing.", [("ACCUSE", "115")]),  # the manual: "Sue"
        ("The government shut down the internet in the region.", [("COERCE", "170")]),  # withhold
        ("The government apologized to the victims for the massacre.", [("CONCEDE", "055")]),  # regret
        ("She turned down the volume.", []),
        ("The storm cut power to thousands of homes.", []),  # no actor's act
        ("The president signed a decree on Friday.", []),  # a decree is no accord
        ("The two leaders signed a trade agreement.", [("SUPPORT", "057")]),
    ],
)
def test_calls_lawsuits_refusals_withheld_services_and_apologies(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


def test_a_day_is_no_recipient(coded) -> None:
    (call,) = coded("Merkel telephoned Putin on Monday.")
    assert [a.text for a in call.recipient] == ["Putin"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a headline's infinitive says what will happen: a meeting ahead is an intent, violence a threat
        ("Obama to visit Japan next month.", [("AGREE", "036")]),
        ("Russia to attack Ukraine.", [("THREATEN", "1384")]),
        ("The plan to visit Japan.", []),  # an infinitive describing a noun: only planned
        ("Obama visited Japan last month.", [("CONSULT", "042")]),
    ],
)
def test_a_headline_infinitive_is_what_will_happen(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


def test_a_headline_infinitive_hanging_on_its_subject_keeps_it(coded) -> None:
    (meeting,) = coded("Merkel to meet Putin in Moscow on Friday.")
    assert [a.text for a in meeting.actor] == ["Merkel"] and [a.text for a in meeting.recipient] == ["Putin"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The US delivered weapons to the Kurdish fighters.", [("AID", "072")]),  # arms given are aid
        ("The firm delivered tanks of fuel to the farm.", []),
        ("The two countries exchanged prisoners.", [("RETREAT", "0841")]),  # an exchange is a release
        ("The two countries exchanged views on trade.", []),
    ],
)
def test_arms_given_are_aid_and_prisoners_exchanged_a_release(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The opposition boycotted the parliamentary elections.", [("PROTEST", "143")]),  # dissent
        ("North Korea boycotted the 1988 Olympics in Seoul.", [("SANCTION", "163")]),  # a state's
        ("Talks between the two sides collapsed on Friday.", [("SANCTION", "164")]),  # failed negotiations
        ("The talks with Iran were held in Geneva.", [("CONSULT", "044")]),
    ],
)
def test_boycotts_by_a_public_are_dissent_and_collapsed_talks_a_sanction(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an act only possible, or the condition of another, has not happened
        ("Analysts fear that the army could attack the rebels.", []),
        ("If Iran attacks Israel, the US will respond.", []),
        ("The rebels may release the hostages on Sunday.", []),
        ("Iran warned that it could strike Israel.", [("THREATEN", "1384")]),  # a warning of its own act
        ("The rebels released the hostages on Sunday.", [("RETREAT", "0841")]),
        # house arrest
        ("The opposition leader was placed under house arrest.", [("COERCE", "173")]),
        ("She put the book on the table.", []),
    ],
)
def test_possible_and_conditional_acts_have_not_happened(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected", "actor"),
    [
        # a meeting scheduled or expected is the meeting (PETRARCH-2's gold: "is scheduled to attend a
        # summit" is 04x), whose actor is the passive's subject; violence expected is a forecast (none)
        ("The president is expected to visit Beijing next week.", [("CONSULT", "042")], ["president"]),
        ("Putin is scheduled to meet Xi on Friday.", [("CONSULT", "040")], ["Putin"]),
        ("The army is expected to attack the city.", [], None),
        ("Police arrested three prisoners.", [("COERCE", "173")], ["Police"]),  # not a hostage-taking
    ],
)
def test_scheduled_meetings_stay_meetings_expected_violence_is_none(coded, text: str, expected: list, actor) -> None:
    events = coded(text)
    assert summary(events) == expected
    if actor:
        assert [a.text for a in events[0].actor] == actor


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Venezuelan government expelled the US ambassador on Tuesday.", [("SANCTION", "161")]),  # relations cut
        ("The government deported hundreds of migrants.", [("COERCE", "174")]),  # individuals deported
        ("The African Union suspended Mali's membership after the coup.", [("SANCTION", "166")]),
        ("Egypt opened the Rafah crossing for three days.", [("CONCEDE", "081")]),  # a restriction eased
        ("The city opened a new crossing for pedestrians.", []),
    ],
)
def test_expulsions_suspensions_and_borders_opened(coded, text: str, expected: list) -> None:
    assert summary(coded(text)) == expected
