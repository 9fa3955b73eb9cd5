"""Corpus-level stages: incremental re-runs, collections, the executors, bounded mining."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from pipelines.core.errors import InputError, StageError
from pipelines.core.hashing import file_sha256
from pipelines.core.io import read_json, read_jsonl
from pipelines.core.records import Document, Sentence
from pipelines.core.settings import ExecutorSettings
from pipelines.run.executor import LocalExecutor
from pipelines.stages import ingest, segment

from .conftest import ROOT, SEEDS, project_settings

SETTINGS = project_settings()
GERMAN = "Der Präsident besuchte am Montag Havanna. Er traf dort den Außenminister.\nDie Gespräche dauerten zwei Tage."
ENGLISH = "The president visited Havana on Monday. He met the foreign minister there.\nThe talks lasted two days."


def write_collection(path: Path, documents: list[dict]) -> None:
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents), encoding="utf-8")


def manifest_with(folder: Path, documents: dict[str, str], collections: dict[str, str]) -> Path:
    entries = {
        section: {
            name: {"file": file, "licence": "CC-BY-4.0", "sha256": file_sha256(folder / file)}
            for name, file in items.items()
        }
        for section, items in (("documents", documents), ("collections", collections))
        if items
    }
    path = folder / "manifest.yaml"
    path.write_text(yaml.safe_dump(entries), encoding="utf-8")
    return path


def test_a_collection_is_many_documents_with_their_own_metadata(tmp_path: Path) -> None:
    write_collection(
        tmp_path / "news.jsonl",
        [
            {"id": "news-de", "lang": "de", "title": "Besuch", "text": GERMAN, "url": "https://example.org/de"},
            {"id": "news-en", "text": ENGLISH, "licence": "CC0-1.0", "source": "a wire service"},
        ],
    )
    manifest = manifest_with(tmp_path, {}, {"news": "news.jsonl"})
    summary = ingest.run(tmp_path, tmp_path / "out", SETTINGS.ingest, manifest=manifest)
    assert summary["processed"] == ["news-de", "news-en"]
    german = read_json(tmp_path / "out" / "news-de.json", Document)
    english = read_json(tmp_path / "out" / "news-en.json", Document)
    assert (german.lang, german.title, german.licence, german.url) == (
        "de",
        "Besuch",
        "CC-BY-4.0",
        "https://example.org/de",
    )
    assert german.file == f"{tmp_path / 'news.jsonl'}:1"
    assert [p.text for p in german.sentence_paragraphs()] == GERMAN.split("\n")  # plain text: a paragraph per line
    assert (english.lang, english.licence, english.source) == ("en", "CC0-1.0", "a wire service")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "x"}', "news.jsonl:2: not a valid collection line: text: Field required"),
        (
            '{"id": "x", "text": "Hallo", "colour": "red"}',
            "news.jsonl:2: not a valid collection line: colour: Extra inputs",
        ),
        ("not json", "news.jsonl:2: "),
        ('{"id": "news-de", "text": "Noch ein Text über Kuba."}', "news.jsonl:2: doc_id 'news-de' is already used"),
        ('{"id": "y", "text": "  "}', "news.jsonl:2: document 'y' has no text"),
    ],
)
def test_bad_collection_lines_are_named_by_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    good = json.dumps({"id": "news-de", "text": GERMAN})
    (tmp_path / "news.jsonl").write_text(f"{good}\n{line}\n", encoding="utf-8")
    manifest = manifest_with(tmp_path, {}, {"news": "news.jsonl"})
    with pytest.raises(InputError, match=r"news\.jsonl:2: ") as error:
        ingest.run(tmp_path, tmp_path / "out", SETTINGS.ingest, manifest=manifest)
    assert message in str(error.value)
    assert not (tmp_path / "out").exists()


def test_only_changed_documents_are_processed_and_removed_ones_are_deleted(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GERMAN, encoding="utf-8")
    write_collection(tmp_path / "c.jsonl", [{"id": "c1", "text": ENGLISH}, {"id": "c2", "text": ENGLISH + " Again."}])
    manifest = manifest_with(tmp_path, {"a": "a.txt"}, {"c": "c.jsonl"})
    documents, sentences = tmp_path / "documents", tmp_path / "sentences"

    def both() -> tuple[dict, dict]:
        first = ingest.run(tmp_path, documents, SETTINGS.ingest, manifest=manifest)
        metrics = tmp_path / "m.json"
        return first, segment.run(documents, sentences, SETTINGS.segment, manifest=manifest, metrics_path=metrics)

    first, split = both()
    assert (first["processed"], split["processed"]) == (["a", "c1", "c2"], 3)
    again, split = both()
    assert (again["processed"], again["reused"], split["processed"], split["reused"]) == ([], 3, 0, 3)

    write_collection(tmp_path / "c.jsonl", [{"id": "c1", "text": ENGLISH + " Edited."}])  # c1 edited, c2 gone
    manifest = manifest_with(tmp_path, {"a": "a.txt"}, {"c": "c.jsonl"})
    edited, split = both()
    assert (edited["processed"], edited["removed"]) == (["c1"], ["c2"])
    assert (split["processed"], split["reused"], split["removed"]) == (1, 1, ["c2"])
    assert sorted(p.name for p in sentences.glob("*.jsonl")) == ["a.jsonl", "c1.jsonl"]
    assert [s.text for s in read_jsonl(sentences / "c1.jsonl", Sentence)][-1] == "Edited."
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["documents"] == {"de": 1, "en": 1} and metrics["sentences"] == {"de": 3, "en": 4}

    changed = SETTINGS.segment.model_copy(update={"repair_splits": False})  # new settings: everything again
    assert segment.run(documents, sentences, changed, manifest=manifest)["processed"] == 2


def test_punctuation_only_sentences_are_counted_in_the_metrics(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(f"{GERMAN}\n“ …\n", encoding="utf-8")
    manifest = manifest_with(tmp_path, {"a": "a.txt"}, {})
    ingest.run(tmp_path, tmp_path / "documents", SETTINGS.ingest, manifest=manifest)
    figures = segment.run(tmp_path / "documents", tmp_path / "sentences", SETTINGS.segment, manifest=manifest)
    # stanza's tokenizer makes "“ …" one or two sentences (1.15: two); every one of them is counted
    assert figures["punctuation_only_dropped"] in (1, 2)
    assert all(any(c.isalnum() for c in s.text) for s in read_jsonl(tmp_path / "sentences" / "a.jsonl", Sentence))


def test_a_failing_document_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    write_collection(
        tmp_path / "c.jsonl",
        [{"id": "ok", "text": ENGLISH}, {"id": "fr", "text": "Le président a visité La Havane lundi avec ses amis."}],
    )
    manifest = manifest_with(tmp_path, {}, {"c": "c.jsonl"})
    with pytest.raises(StageError, match=r"c\.jsonl:2: language is 'fr'"):
        ingest.run(tmp_path, tmp_path / "out", SETTINGS.ingest, manifest=manifest)
    assert not (tmp_path / "out").exists()


class Doubler:
    """A tiny work class: proves the executor keeps order and loads the engine once per process."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    def __call__(self, batch: list[str]) -> list[str]:
        return [item * 2 + self.suffix for item in batch]


def test_local_executors_keep_order_and_agree() -> None:
    items = [str(i) for i in range(23)]
    single = list(LocalExecutor(1).map(Doubler, ("!",), items, 4, "test"))
    pooled = list(LocalExecutor(2).map(Doubler, ("!",), items, 4, "test"))
    assert single == pooled == [f"{i}{i}!" for i in range(23)]


def test_process_pool_gives_byte_identical_outputs(seed_corpus: Path, tmp_path: Path) -> None:
    pool = ExecutorSettings(workers=2, documents_per_batch=1)
    ingest.run(SEEDS, tmp_path / "documents", SETTINGS.ingest, executor=pool)
    segment.run(tmp_path / "documents", tmp_path / "sentences", SETTINGS.segment, executor=pool)
    for sub, pattern in (("documents", "*.json"), ("sentences", "*.jsonl")):
        expected = {p.name: p.read_bytes() for p in (seed_corpus / sub).glob(pattern)}
        assert {p.name: p.read_bytes() for p in (tmp_path / sub).glob(pattern)} == expected


def test_the_local_path_does_not_import_ray(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from pipelines.stages import ingest;"
        "from pipelines.core.settings import IngestSettings;"
        f"ingest.run(Path({str(SEEDS)!r}), Path({str(tmp_path)!r}), IngestSettings());"
        "assert 'ray' not in sys.modules, 'ray imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.ray
def test_ray_gives_byte_identical_outputs(seed_corpus: Path, full_corpus: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="Ray is an optional install: pip install '.[ray]'")
    from pipelines.stages import align, tag

    ray_settings = ExecutorSettings(kind="ray", workers=2, documents_per_batch=1)
    try:
        ingest.run(SEEDS, tmp_path / "documents", SETTINGS.ingest, executor=ray_settings)
        segment.run(tmp_path / "documents", tmp_path / "sentences", SETTINGS.segment, executor=ray_settings)
        files = sorted((tmp_path / "sentences").glob("*.jsonl"))
        settings = project_settings(tmp_path)  # an empty analysis cache: every sentence goes through Ray
        outputs = [tmp_path / name for name in ("entities.jsonl", "events.jsonl", "tag.json")]
        tag.run(files, full_corpus / "translations.jsonl", full_corpus / "alignments.jsonl", *outputs,
                settings.tag, executor=ray_settings)  # fmt: skip
        align_outputs = [tmp_path / name for name in ("alignments.jsonl", "align_summary.json", "align.json")]
        align.run(files, full_corpus / "translations.jsonl", *align_outputs, settings.align,
                  executor=ray_settings)  # fmt: skip  # every sentence encoded by Ray actors
    finally:
        import ray

        ray.shutdown()
    for sub, pattern in (("documents", "*.json"), ("sentences", "*.jsonl")):
        expected = {p.name: p.read_bytes() for p in (seed_corpus / sub).glob(pattern)}
        assert {p.name: p.read_bytes() for p in (tmp_path / sub).glob(pattern)} == expected
    for name in ("entities.jsonl", "events.jsonl", "alignments.jsonl"):
        assert (tmp_path / name).read_bytes() == (full_corpus / name).read_bytes(), name


def test_mining_blocks_compare_each_document_with_its_closest_documents() -> None:
    from pipelines.engines.align.mining import candidate_blocks

    rng = np.random.default_rng(0)
    topics = rng.normal(size=(6, 16))
    src_docs = [f"de{d}" for d in range(6) for _ in range(3)]
    tgt_docs = [f"en{d}" for d in range(6) for _ in range(4)]
    src = np.array([topics[int(d[2])] + 0.1 * rng.normal(size=16) for d in src_docs])
    tgt = np.array([topics[int(d[2])] + 0.1 * rng.normal(size=16) for d in tgt_docs])
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    blocks = candidate_blocks(src_docs, tgt_docs, src, tgt, per_doc=2)
    assert len(blocks) == 6 and all(len(t) == 8 for _, t in blocks)  # 2 documents of 4 sentences
    for src_ids, tgt_ids in blocks:
        own = src_docs[src_ids[0]].replace("de", "en")
        assert own in {tgt_docs[j] for j in tgt_ids}  # the document on the same topic is a candidate
    everything = candidate_blocks(src_docs, tgt_docs, src, tgt, per_doc=0)
    assert len(everything) == 1 and len(everything[0][1]) == len(tgt_docs)


def test_cached_chrf_equals_sacrebleu() -> None:
    from sacrebleu.metrics import CHRF

    from pipelines.engines.align.mining import Chrf

    lines = (ROOT.parent / "shared" / "data" / "tatoeba_deu_eng" / "tatoeba.deu-eng.eng").read_text().splitlines()
    rng, cached, reference = random.Random(0), Chrf(), CHRF()
    for _ in range(500):
        a, b = rng.choice(lines), rng.choice(lines)
        assert cached(a, b) == reference.sentence_score(a, [b]).score / 100
    assert cached("", "x") == 0.0


def test_chrf_scores_kept_across_runs_are_the_scores(tmp_path: Path) -> None:
    import sqlite3

    from pipelines.engines.align.mining import Chrf

    lines = (ROOT.parent / "shared" / "data" / "tatoeba_deu_eng" / "tatoeba.deu-eng.eng").read_text().splitlines()
    rng = random.Random(1)
    pairs = [(rng.choice(lines), rng.choice(lines)) for _ in range(200)] + [("", "x")]
    expected = [Chrf()(a, b) for a, b in pairs]
    assert Chrf(tmp_path / "cache.sqlite").scores(pairs) == expected  # computed and stored
    stored = sqlite3.connect(tmp_path / "cache.sqlite").execute("SELECT COUNT(*) FROM chrf").fetchone()[0]
    assert stored == len(set(pairs))
    assert Chrf(tmp_path / "cache.sqlite").scores(pairs[::-1]) == expected[::-1]  # a later run reads them


def test_add_remove_and_rename_through_the_cli(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(SEEDS / "manifest.yaml", seeds / "manifest.yaml")
    for entry in yaml.safe_load((SEEDS / "manifest.yaml").read_text())["documents"].values():
        shutil.copy(SEEDS / entry["file"], seeds / entry["file"])
    write_collection(tmp_path / "news.jsonl", [{"id": "n1", "text": ENGLISH}])
    (tmp_path / "page.txt").write_text(GERMAN, encoding="utf-8")

    def corpus(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipelines.cli", *args, "--seeds", str(seeds)], capture_output=True, text=True
        )

    added = corpus("add", str(tmp_path / "news.jsonl"), "--licence", "CC0-1.0", "--source", "wire")
    assert added.returncode == 0 and "added as collection 'news' (licence CC0-1.0)" in added.stdout
    unlicensed = corpus("add", str(tmp_path / "page.txt"), "--id", "de-page")
    assert "added as document 'de-page' (licence unknown)" in unlicensed.stdout
    assert "no --licence" in unlicensed.stderr
    assert corpus("add", str(tmp_path / "page.txt")).returncode == 2  # the name is taken in seeds/
    shutil.copy(tmp_path / "news.jsonl", tmp_path / "news-again.jsonl")
    again = corpus("add", str(tmp_path / "news-again.jsonl"))
    assert again.returncode == 2 and f"same content as {seeds / 'news.jsonl'}, listed as 'news'" in again.stderr
    assert not (seeds / "news-again.jsonl").exists()  # a refused file is not copied in
    manifest = yaml.safe_load((seeds / "manifest.yaml").read_text())
    assert manifest["collections"]["news"]["licence"] == "CC0-1.0" and (seeds / "news.jsonl").exists()
    assert corpus("rename", "de-page", "de-page-2").stdout.strip() == "renamed document 'de-page' to 'de-page-2'"
    assert corpus("manifest").returncode == 0
    removed = corpus("remove", "de-page-2")
    assert removed.stdout.strip() == "removed document 'de-page-2' (page.txt)" and not (seeds / "page.txt").exists()
    missing = corpus("remove", "nothing")
    assert missing.returncode == 2 and "nothing called 'nothing'" in missing.stderr
    assert "de-page-2" not in (seeds / "manifest.yaml").read_text()
