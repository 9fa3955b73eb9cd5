"""Alignment review for comparable corpora: top-k candidates in, the annotator's pick out."""

from __future__ import annotations

from pathlib import Path

from pipelines.core.records import REVIEW_CANDIDATES, Alignment, Provenance
from pipelines.core.reviews import Review
from pipelines.labelstudio.results import read_result
from pipelines.labelstudio.tasks import alignment_task, label_interface, validate_result
from pipelines.publish.reviews import Reviewed
from pipelines.publish.rows import alignment_rows

CONFIGS = Path(__file__).resolve().parents[1] / "annotations" / "configs"
CANDIDATES = [
    {"tgt_ids": ["en-a-3"], "tgt_doc": "en-a", "text": "Cuba and South Korea established relations.", "score": 1.05,
     "cosine": 0.61, "chrf_mt": 0.3},
    {"tgt_ids": ["en-b-7"], "tgt_doc": "en-b", "text": "Havana and Pyongyang signed a treaty in 1960.", "score": 1.02,
     "cosine": 0.58, "chrf_mt": 0.4},
    {"tgt_ids": ["en-a-9"], "tgt_doc": "en-a", "text": "Trade grew.", "score": 0.91, "cosine": 0.3, "chrf_mt": 0.1},
]  # fmt: skip


def row(status: str = "no_match") -> Alignment:
    matched = status == "match"
    best = {"tgt_ids": ["en-a-3"], "tgt_doc": "en-a", "text": CANDIDATES[0]["text"]}
    return Alignment(
        align_id="al-1", method="mining", status=status, src_ids=["de-1"], tgt_ids=["en-a-3"] if matched else [],
        src_doc="de-x", tgt_doc="en-a" if matched else None, tgt_text=CANDIDATES[0]["text"] if matched else None,
        src_text="Kuba und die DVRK schlossen 1960 einen Vertrag.", translation="Cuba and the DPRK ...",
        translation_engine="gloss", score=1.05, components={"cosine": 0.61, "margin": 1.05, "mutual_best": 1.0},
        best_candidate=None if matched else best, candidates=CANDIDATES, embedding_model="use-multilingual-v3",
        provenance=Provenance(engine="mining"),
    )  # fmt: skip


def choices(control: str, value: str) -> dict:
    return {"id": control, "from_name": control, "to_name": "src", "type": "choices", "value": {"choices": [value]}}


def human(*result: dict) -> Reviewed:
    """What the pull makes of an annotation with these choices, merged over the prediction."""
    review = Review(
        key="al-1", kind="alignment", task_id=1, annotation_id=1, text_sha1="0" * 40, stale=False,
        **read_result("alignment", list(result), "de"),
    )  # fmt: skip
    return Reviewed("alignment:mining:x", review)


def test_task_shows_every_candidate_and_its_prediction_fits_the_config() -> None:
    data, result = alignment_task(row(), None, 1.3)
    for k, candidate in enumerate(CANDIDATES, start=1):
        assert data[f"candidate_{k}"] == candidate["text"] and data[f"candidate_{k}_doc"] == candidate["tgt_doc"]
        assert data[f"candidate_{k}_score"] == candidate["score"]
    assert result == []  # nothing pre-ticked: the reviewer decides
    assert data["threshold"] == 1.3 and data["superseded"] == "no" and data["translation_flags"] == "none"
    validate_result(label_interface("alignment", CONFIGS), data, result, "al-1")  # the real SDK's check
    config = (CONFIGS / "alignment.xml").read_text()
    assert all(f"$candidate_{k}" in config for k in range(1, REVIEW_CANDIDATES + 1))
    # the candidate texts are part of what an annotation was made on
    changed = Alignment.model_validate({**row().model_dump(), "candidates": [CANDIDATES[1], CANDIDATES[0]]})
    assert alignment_task(changed, None, 1.3)[0]["text_sha1"] != data["text_sha1"]


def test_the_annotators_pick_decides_the_exported_pair() -> None:
    """The aligner said no match; the annotator picks candidate 2 as a partial overlap."""
    reviewed = {"al-1": human(choices("pick", "2"), choices("verdict", "partial"))}
    parallel, everything = alignment_rows([row()], reviewed)
    assert len(parallel) == 1
    pair = parallel[0]
    assert pair["translation"]["en"] == CANDIDATES[1]["text"] and pair["en_ids"] == ["en-b-7"]
    assert pair["en_doc"] == "en-b" and pair["human_pick"] == 2 and pair["verdict"] == "partial"
    assert pair["scores"] == {"cosine": 0.58, "chrf_mt": 0.4, "margin": 1.02}
    assert [c["en"] for c in everything[0]["candidates"]] == [c["text"] for c in CANDIDATES]
    assert everything[0]["human_pick"] == 2 and everything[0]["en_candidate"] == CANDIDATES[1]["text"]


def test_none_rejects_a_match_and_the_model_stands_without_review() -> None:
    reviewed = {"al-1": human(choices("pick", "none"), choices("verdict", "incorrect"))}
    parallel, everything = alignment_rows([row("match")], reviewed)
    assert parallel == [] and everything[0]["human_pick"] is None and everything[0]["annotation_source"] == "human"
    parallel, _ = alignment_rows([row("match")], {"al-1": Reviewed("x")})
    assert parallel[0]["translation"]["en"] == CANDIDATES[0]["text"] and parallel[0]["human_pick"] is None


def test_an_annotation_from_before_the_candidate_list_judged_candidate_one() -> None:
    reviewed = {"al-1": human(choices("verdict", "correct"))}  # no "pick" control then
    parallel, _ = alignment_rows([row()], reviewed)
    assert parallel[0]["translation"]["en"] == CANDIDATES[0]["text"] and parallel[0]["human_pick"] == 1
