"""Input checked where it enters: unsafe ids and files ingest would refuse change nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.core.errors import InputError
from pipelines.core.ids import check_doc_id, id_path
from pipelines.core.layout import sentence_file
from pipelines.core.manifest import load_manifest
from pipelines.core.sources import read_sources
from pipelines.stages import ingest

from .conftest import ROOT, project_settings

GERMAN = "Berlin ist die Hauptstadt von Deutschland. Die Stadt hat viele Museen und Theater.\n"


def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copy2(ROOT / "params.yaml", tmp_path / "params.yaml")
    return tmp_path


def add(where: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pipelines.cli", "add", *args, "--seeds", "seeds", "--params", "params.yaml"]
    return subprocess.run(command, cwd=where, capture_output=True, text=True)


def seeds_state(where: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((where / "seeds").iterdir())}


@pytest.mark.parametrize("unsafe", ["../evil", "a/b", "..", ".hidden", "-x", "a..b", "", "x" * 201, "é"])
def test_unsafe_ids_are_refused_where_they_become_paths(unsafe: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a safe name"):
        check_doc_id(unsafe, "test")
    with pytest.raises(InputError):
        id_path(tmp_path, unsafe, ".json")
    with pytest.raises(InputError):
        sentence_file(tmp_path, unsafe)


def test_safe_ids_pass() -> None:
    for safe in ("de-dprk-cuba", "news_2024.01", "A1", "x" * 200):
        assert check_doc_id(safe, "test") == safe


def test_add_refuses_an_unsafe_id_and_changes_nothing(tmp_path: Path) -> None:
    where = project(tmp_path)
    (where / "good.txt").write_text(GERMAN, encoding="utf-8")
    before = seeds_state(where)
    result = add(where, "good.txt", "--id", "../evil")
    assert result.returncode != 0 and "'../evil' is not a safe name" in result.stderr
    assert seeds_state(where) == before


def test_unsafe_ids_in_a_hand_edited_manifest_or_collection_are_named(tmp_path: Path) -> None:
    where = project(tmp_path)
    manifest = where / "seeds" / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("de-dprk-cuba:", "../evil:"), encoding="utf-8")
    with pytest.raises(InputError, match=r"manifest.yaml: document: id '../evil' is not a safe name"):
        load_manifest(manifest)
    # a collection line's id is checked with its file:line
    where = project(tmp_path / "again")
    lines = [{"id": "ok-1", "text": GERMAN}, {"id": "../../etc/x", "text": GERMAN}]
    (where / "seeds" / "news.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pipelines.cli", "manifest", "--update"], cwd=where, capture_output=True)
    with pytest.raises(InputError, match=r"news.jsonl:2: id '../../etc/x' is not a safe name"):
        read_sources(where / "seeds", where / "seeds" / "manifest.yaml")
    with pytest.raises(InputError, match="not a safe name"):
        ingest.run(where / "seeds", where / "corpus" / "documents", project_settings(where).ingest)
    assert not (where / "corpus").exists() and not (where / "etc").exists()


BAD_FILES = {
    "empty.txt": (b"", "empty.txt: file is empty"),
    "binary.txt": (bytes(range(256)) * 4, "binary.txt: looks like a binary file"),
    "latin.txt": ("Café au lait, s'il vous plaît.\n".encode("latin-1"), "latin.txt: not valid UTF-8"),
    "french.txt": (
        "La France est un pays d'Europe occidentale. Sa capitale est Paris, célèbre pour ses musées.\n".encode(),
        "french.txt: language is 'fr'",
    ),
    "broken.jsonl": (
        (json.dumps({"id": "a", "text": GERMAN}) + "\n{broken\n").encode(),
        "broken.jsonl:2: not a valid collection line",
    ),
    "notext.jsonl": (
        (json.dumps({"id": "a", "text": GERMAN}) + "\n" + json.dumps({"id": "b"}) + "\n").encode(),
        "notext.jsonl:2: not a valid collection line: text: Field required",
    ),
    "taken.jsonl": (
        (json.dumps({"id": "de-dprk-cuba", "text": GERMAN}) + "\n").encode(),
        "taken.jsonl:1: doc_id 'de-dprk-cuba' is already used by",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_add_runs_ingests_checks_and_changes_nothing_on_failure(name: str, tmp_path: Path) -> None:
    where = project(tmp_path)
    content, message = BAD_FILES[name]
    (where / name).write_bytes(content)
    before = seeds_state(where)
    result = add(where, name, "--licence", "CC-BY-4.0")
    assert result.returncode != 0
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert seeds_state(where) == before  # nothing copied, the manifest as it was


def test_add_accepts_a_good_file(tmp_path: Path) -> None:
    where = project(tmp_path)
    (where / "good.txt").write_text(GERMAN, encoding="utf-8")
    result = add(where, "good.txt", "--licence", "CC-BY-4.0")
    assert result.returncode == 0, result.stderr
    assert "good" in {e.doc_id for e in load_manifest(where / "seeds" / "manifest.yaml")}


def test_a_pulled_row_without_text_sha1_is_named_not_applied(tmp_path: Path) -> None:
    """A human-annotation row must carry the sha1 of the text the annotator saw: without it
    the row could never be checked against the corpus, so reading it fails with file:line."""
    from pipelines.core.errors import StageError
    from pipelines.core.reviews import read_reviews as read_human

    row = {
        "key": "s1", "kind": "tagging", "task_id": 1, "annotation_id": 2, "stale": False,
        "verdict": None, "pick": None, "entities": [], "events": [],
    }  # fmt: skip
    path = tmp_path / "tagging.human.jsonl"
    good = {**row, "key": "s0", "text_sha1": "a" * 40}
    path.write_text(json.dumps(good) + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(StageError, match=r"human.jsonl:2: not a human-annotation row: text_sha1: Field required"):
        read_human(path)
    path.write_text(json.dumps({**row, "text_sha1": "not-a-sha"}) + "\n", encoding="utf-8")
    with pytest.raises(StageError, match=r"tagging.human.jsonl:1: .*text_sha1: String should match pattern"):
        read_human(path)
    path.write_text(json.dumps(good) + "\n", encoding="utf-8")
    assert set(read_human(path)) == {"s0"}
    # a row pulled before reviews were typed (Label Studio's result only) says how to read it again
    legacy = {k: v for k, v in good.items() if k not in ("verdict", "pick", "entities", "events")}
    path.write_text(json.dumps({**legacy, "result": []}) + "\n", encoding="utf-8")
    with pytest.raises(
        StageError, match=r"tagging.human.jsonl:1: pulled by an older version .*corpus annotate reparse"
    ):
        read_human(path)


def test_rename_and_manifest_update_refuse_unsafe_ids(tmp_path: Path) -> None:
    """The other ways an id enters: `corpus rename NEW` and a seed file's name on `manifest --update`."""
    where = project(tmp_path)
    before = seeds_state(where)
    cli = [sys.executable, "-m", "pipelines.cli"]
    result = subprocess.run([*cli, "rename", "de-dprk-cuba", "../../x"], cwd=where, capture_output=True, text=True)
    assert result.returncode != 0 and "'../../x' is not a safe name" in result.stderr
    assert seeds_state(where) == before
    (where / "seeds" / "my article.txt").write_text(GERMAN, encoding="utf-8")
    result = subprocess.run([*cli, "manifest", "--update"], cwd=where, capture_output=True, text=True)
    assert result.returncode != 0 and "my article.txt: id 'my article' is not a safe name" in result.stderr
    manifest = (where / "seeds" / "manifest.yaml").read_bytes()
    assert manifest == before["manifest.yaml"]


def test_add_prints_ingests_warnings(tmp_path: Path) -> None:
    """The same warnings as ingest: a page pasted twice, a document above the size limit."""
    where = project(tmp_path)
    params = where / "params.yaml"
    params.write_text(
        params.read_text(encoding="utf-8").replace("max_document_chars: 1000000", "max_document_chars: 500"),
        encoding="utf-8",
    )
    paragraph = "Die Regierung hat am Montag neue Maßnahmen für die Wirtschaft des Landes angekündigt."
    (where / "pasted.txt").write_text("\n".join([paragraph, GERMAN.strip()] * 6) + "\n", encoding="utf-8")
    result = add(where, "pasted.txt", "--licence", "CC0-1.0")
    assert result.returncode == 0, result.stderr
    assert "paragraphs repeat earlier ones" in result.stderr and "above ingest.max_document_chars" in result.stderr


def test_add_refuses_a_collection_that_repeats_an_id_and_an_empty_id(tmp_path: Path) -> None:
    where = project(tmp_path)
    lines = [
        {"id": "a1", "text": GERMAN},
        {"id": "a2", "text": GERMAN.replace("Berlin", "Bonn")},
        {"id": "a1", "text": GERMAN},
    ]
    (where / "news.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    before = seeds_state(where)
    result = add(where, "news.jsonl")
    assert result.returncode != 0 and "news.jsonl:3: doc_id 'a1' is already used by" in result.stderr, result.stderr
    assert seeds_state(where) == before
    (where / "good.txt").write_text(GERMAN, encoding="utf-8")
    result = add(where, "good.txt", "--id", "")
    assert result.returncode != 0 and "not a safe name" in result.stderr, result.stderr
    assert seeds_state(where) == before
