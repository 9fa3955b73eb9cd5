"""Post-editing against a real Label Studio server: push, edit, pull, and the human translation
reaching the translate stage's rows, the memory, the export and its metrics."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipelines.core.io import read_jsonl
from pipelines.core.records import Sentence, Translation
from pipelines.core.reviews import read_reviews
from pipelines.core.translation_memory import TranslationMemory
from pipelines.labelstudio import client as ls_client
from pipelines.stages import export, translate

from .conftest import ROOT, project_settings

CONFIGS = ROOT / "annotations" / "configs"
SENTENCE = "Präsident Kim Il Sung empfing ihn herzlich."
EDIT = "President Kim Il Sung gave him a warm welcome."

pytestmark = pytest.mark.labelstudio


@pytest.fixture(scope="module")
def pushed(client, full_corpus: Path) -> dict:
    return ls_client.push(client, "translation", full_corpus, CONFIGS)


def tasks(client, project_id: int) -> list:
    return list(client.tasks.list(project=project_id, fields="all"))


def edited_result(text: str, decision: str = "edited") -> list[dict]:
    return [
        {"id": "t", "from_name": "translation", "to_name": "src", "type": "textarea", "value": {"text": [text]}},
        {"id": "d", "from_name": "decision", "to_name": "src", "type": "choices", "value": {"choices": [decision]}},
    ]


def test_push_shows_the_machine_translation_editable_and_the_worst_first(client, pushed, full_corpus) -> None:
    rows = list(read_jsonl(full_corpus / "translations.jsonl", Translation))
    assert pushed["tasks_total"] == len(rows)  # (another test of this session may have pushed first)
    shown = tasks(client, pushed["project"])
    by_key = {t.data["sent_id"]: t for t in shown}
    task = next(t for t in shown if t.data["german"] == SENTENCE)
    row = next(r for r in rows if r.source == SENTENCE)
    prediction = task.predictions[0]
    result = prediction["result"] if isinstance(prediction, dict) else prediction.result
    assert [r["type"] for r in result] == ["textarea"]  # the text is prefilled; no choice is ticked
    assert result[0]["value"]["text"] == [row.text]
    assert task.data["machine"] == row.text and task.data["flags"] == ("; ".join(row.flags) or "none")
    assert task.data["previous"] and task.data["next"]  # the document's neighbouring sentences
    priorities = [t.data["priority"] for t in sorted(shown, key=lambda t: t.id)]
    assert priorities == sorted(priorities)  # imported most urgent first
    flagged = [r.sent_id for r in rows if r.flagged]
    assert flagged and all(by_key[s].data["priority"] <= 1 for s in flagged)
    assert ls_client.push(client, "translation", full_corpus, CONFIGS)["tasks_added"] == 0


def test_a_post_edit_becomes_the_translation_and_the_memory_reuses_it(client, pushed, full_corpus, tmp_path) -> None:
    task = next(t for t in tasks(client, pushed["project"]) if t.data["german"] == SENTENCE)
    client.annotations.create(id=task.id, result=edited_result(EDIT))
    annotations = tmp_path / "annotations"
    summary = ls_client.pull(client, "translation", annotations, full_corpus)
    reviews = read_reviews(annotations / "translation.human.jsonl")
    assert summary["annotated"] == len(reviews) >= 1  # ours, and any other test's on this server
    review = reviews[task.data["sent_id"]]
    assert (review.translation, review.decision, review.post_edit) == (EDIT, "edited", EDIT)
    assert review.machine == task.data["machine"] and not review.stale

    # the same German sentence in another document: the memory gives it the human translation
    sentences = tmp_path / "sentences"
    shutil.copytree(full_corpus / "sentences", sentences)
    original = next(s for s in read_jsonl(sentences / "de-dprk-cuba.jsonl", Sentence) if s.text == SENTENCE)
    copy = original.model_copy(update={"doc_id": "de-copy", "sent_id": "de-copy-s0000", "para_id": "de-copy-p0"})
    (sentences / "de-copy.jsonl").write_text(copy.model_dump_json() + "\n", encoding="utf-8")
    settings = project_settings(tmp_path).translate.model_copy(update={"engine": "gloss"})
    out = tmp_path / "translations.jsonl"
    figures = translate.run(
        sorted(sentences.glob("*.jsonl")), out, settings, human=annotations / "translation.human.jsonl"
    )
    assert figures["human"] == len(reviews) and figures["human_memory"] == 1
    rows = {r.sent_id: r for r in read_jsonl(out, Translation)}
    own, reused = rows[task.data["sent_id"]], rows["de-copy-s0000"]
    assert (own.text, own.translation_source, own.machine) == (EDIT, "human", task.data["machine"])
    assert (reused.text, reused.translation_source) == (EDIT, "human:memory")
    others = [r for r in rows.values() if r.source != SENTENCE and r.sent_id not in reviews]
    assert others and all(r.translation_source == "model:gloss" and r.machine is None for r in others)

    # the export carries who wrote each translation, and the edit rate
    corpus = tmp_path / "corpus"
    shutil.copytree(full_corpus, corpus, ignore=shutil.ignore_patterns("translations.jsonl"))
    shutil.copy2(out, corpus / "translations.jsonl")
    shutil.rmtree(corpus / "sentences")
    shutil.copytree(full_corpus / "sentences", corpus / "sentences")
    (corpus / "translations.jsonl").write_text(
        "".join(r.model_dump_json() + "\n" for r in rows.values() if r.doc_id != "de-copy"), encoding="utf-8"
    )
    for name in ("tagging", "alignment"):
        (annotations / f"{name}.human.jsonl").touch()
    dist = tmp_path / "dist"
    metrics = export.run(
        corpus, annotations, dist, tmp_path / "export.json", tmp_path / "plot.csv", project_settings(tmp_path).export
    )
    [edit_figures] = metrics["post_editing"]
    assert edit_figures["post_edits"] == len(reviews) and edit_figures["edited"] == 1.0 and edit_figures["hter"] > 0
    # the gloss does not learn from examples: today's output is the one the annotator saw
    assert edit_figures["chrf_now_vs_post_edit"] == edit_figures["chrf_mt_vs_post_edit"] < 100
    exported = [json.loads(line) for line in _parquet_rows(dist / "dataset" / "data" / "translations")]
    row = next(r for r in exported if r["sent_id"] == task.data["sent_id"])
    assert (row["en"], row["translation_source"], row["machine_translation"]) == (
        EDIT, "human", task.data["machine"]
    )  # fmt: skip
    assert "| gloss |" in (dist / "dataset" / "README.md").read_text(encoding="utf-8")  # the card's post-editing table


def test_the_memory_suggests_near_matches_and_never_its_own_sentence() -> None:
    memory = TranslationMemory([(SENTENCE, EDIT)])
    near = memory.nearest("Präsident Kim Il Sung empfing sie herzlich.")
    assert near is not None and near.score >= 75 and near.english == EDIT
    assert memory.nearest(SENTENCE) is None and memory.exact(f"  {SENTENCE} ") == EDIT
    assert memory.nearest("Die DVR Korea und Kuba werden sich auch in Zukunft unterstützen.") is None


def _parquet_rows(folder: Path) -> list[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(next(folder.glob("*.parquet")))
    return [json.dumps(row, ensure_ascii=False) for row in table.to_pylist()]
