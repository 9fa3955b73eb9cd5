"""Ingest: real parsing of the four seeds, checked against the files themselves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pipelines.core.errors import InputError, RecordError, StageError
from pipelines.core.hashing import file_sha256
from pipelines.core.io import read_json
from pipelines.core.manifest import load_manifest, update_manifest
from pipelines.core.records import Document
from pipelines.stages import ingest

from .conftest import SEEDS, project_settings

SETTINGS = project_settings().ingest

MANIFEST = yaml.safe_load((SEEDS / "manifest.yaml").read_text())["documents"]


def load(seed_corpus: Path, doc_id: str) -> Document:
    return read_json(seed_corpus / "documents" / f"{doc_id}.json", Document)


@pytest.mark.parametrize("doc_id", list(MANIFEST))
def test_structure_matches_the_file(seed_corpus: Path, doc_id: str) -> None:
    raw = (SEEDS / MANIFEST[doc_id]["file"]).read_text(encoding="utf-8")
    document = load(seed_corpus, doc_id)
    lines = [line.strip() for line in raw.split("\n") if line.strip()]
    sections = [line for line in lines if re.fullmatch(r"==+[^=].*?==+", line)]
    headings = [p for p in document.paragraphs if p.kind == "heading"]
    assert [h.text for h in headings] == [line.strip("= ") for line in sections]
    assert len(document.paragraphs) == len(lines)
    for paragraph in document.paragraphs:
        assert document.text[paragraph.start : paragraph.end] == paragraph.text
    list_items = [line for line in lines if line.startswith("- ")]
    assert len(document.infobox) + len(document.see_also) <= len(list_items)
    assert document.sha256 == MANIFEST[doc_id]["sha256"]
    assert document.licence == MANIFEST[doc_id]["licence"]


def test_english_page_sections_infobox_and_see_also(seed_corpus: Path) -> None:
    document = load(seed_corpus, "en-cuba-south-korea")
    assert document.title == "Cuba–South Korea relations"
    assert document.lang == "en" and document.lang_confidence > 0.9
    assert document.infobox == {
        "Filetype": "png",
        "Mission1": "Cuban Embassy,, Seoul",
        "Mission2": "South Korean Embassy,, Havana",
    }
    assert document.see_also == [
        "Foreign relations of Cuba",
        "Foreign relations of South Korea",
        "Cuba–North Korea relations",
    ]
    see_also = [p for p in document.paragraphs if p.section == ["See also"]]
    assert see_also and all(p.navigation for p in see_also)
    assert not any(p.navigation for p in document.sentence_paragraphs())


def test_subsection_paths(seed_corpus: Path) -> None:
    document = load(seed_corpus, "en-russia-south-korea")
    paths = {tuple(p.section) for p in document.sentence_paragraphs()}
    assert ("History", "Soviet Union") in paths
    assert ("History", "Russian Federation") in paths
    assert ("Diplomatic relations",) in paths


def test_german_article_without_markup(seed_corpus: Path) -> None:
    document = load(seed_corpus, "de-dprk-cuba")
    raw = (SEEDS / MANIFEST["de-dprk-cuba"]["file"]).read_text(encoding="utf-8")
    assert document.lang == "de"
    assert document.title is None
    assert len(document.sentence_paragraphs()) == len(raw.strip().split("\n"))
    assert all(p.section == [] for p in document.paragraphs)


def write_manifest(folder: Path, files: dict[str, str]) -> Path:
    """A manifest that accepts the files as they are now."""
    documents = {
        doc_id: {"file": name, "licence": "test", "sha256": file_sha256(folder / name)}
        for doc_id, name in files.items()
    }
    path = folder / "manifest.yaml"
    path.write_text(yaml.safe_dump({"documents": documents}))
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"  \n\n ", "file is empty"),
        (b"Das ist \xff\xfe kein UTF-8.", "not valid UTF-8: byte 0xff at offset 8"),
        (b"\x00\x01\x02binary\x00" * 20, "looks like a binary file"),
        ("Ceci est un article en français sur les relations entre la Corée et Cuba.".encode(), "language is 'fr'"),
        (b"== Only ==\n- a list\n", "has no text paragraphs"),
    ],
)
def test_bad_input_names_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "bad.txt").write_bytes(content)
    manifest = write_manifest(tmp_path, {"bad": "bad.txt"})
    with pytest.raises(StageError) as error:  # InputError for the file itself, StageError from the engines
        ingest.run(tmp_path, tmp_path / "out", SETTINGS, manifest=manifest)
    assert str(error.value).startswith(f"{tmp_path / 'bad.txt'}: ")
    assert message in str(error.value)
    assert not (tmp_path / "out").exists()


def test_one_bad_file_writes_nothing_and_keeps_earlier_outputs(tmp_path: Path) -> None:
    good = SEEDS / MANIFEST["de-dprk-cuba"]["file"]
    (tmp_path / "good.txt").write_bytes(good.read_bytes())
    (tmp_path / "bad.txt").write_bytes(b"")
    out = tmp_path / "out"
    ingest.run(tmp_path, out, SETTINGS, manifest=write_manifest(tmp_path, {"good": "good.txt"}))
    before = (out / "good.json").read_bytes()
    (tmp_path / "good.txt").write_text("Ein ganz anderer deutscher Text über Kuba und Korea.", encoding="utf-8")
    manifest = write_manifest(tmp_path, {"good": "good.txt", "bad": "bad.txt"})
    with pytest.raises(InputError, match=r"bad\.txt: file is empty"):
        ingest.run(tmp_path, out, SETTINGS, manifest=manifest)
    assert (out / "good.json").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [".stage.json", "good.json"]


def test_a_failing_ingest_deletes_no_output_of_a_document_that_left_the_manifest(tmp_path: Path) -> None:
    """Removal happens only once the run succeeds: a failing run changes nothing."""
    good = SEEDS / MANIFEST["de-dprk-cuba"]["file"]
    (tmp_path / "good.txt").write_bytes(good.read_bytes())
    (tmp_path / "old.txt").write_text("Ein kurzer deutscher Text über die Beziehungen zu Kuba.", encoding="utf-8")
    out = tmp_path / "out"
    ingest.run(tmp_path, out, SETTINGS, manifest=write_manifest(tmp_path, {"good": "good.txt", "old": "old.txt"}))
    french = "Ceci est un article en français sur les relations entre la Corée et Cuba."
    (tmp_path / "fr.txt").write_text(french, encoding="utf-8")
    manifest = write_manifest(tmp_path, {"good": "good.txt", "fr": "fr.txt"})  # old left, fr is refused
    with pytest.raises(StageError, match="language is 'fr'"):
        ingest.run(tmp_path, out, SETTINGS, manifest=manifest)
    assert (out / "old.json").exists()
    ingest.run(tmp_path, out, SETTINGS, manifest=write_manifest(tmp_path, {"good": "good.txt"}))
    assert not (out / "old.json").exists()  # a successful run removes it


def test_changed_seed_must_be_accepted_in_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Ein kurzer deutscher Satz über Kuba.", encoding="utf-8")
    manifest = write_manifest(tmp_path, {"a": "a.txt"})
    update_manifest(tmp_path, manifest)
    (tmp_path / "a.txt").write_text("Ein geänderter deutscher Satz über Kuba.", encoding="utf-8")
    with pytest.raises(InputError, match=r"differs from seeds/manifest\.yaml"):
        ingest.run(tmp_path, tmp_path / "out", SETTINGS, manifest=manifest)
    (tmp_path / "new.txt").write_text(
        "This is a new English page about the relations between Korea and Cuba. "
        "It describes the history of their diplomatic ties and the visits of their leaders.",
        encoding="utf-8",
    )
    changes = update_manifest(tmp_path, manifest)
    assert changes == ["a.txt: sha256 updated (a)", "new.txt: added as document 'new' with licence 'unknown'"]
    summary = ingest.run(tmp_path, tmp_path / "out", SETTINGS, manifest=manifest)
    assert summary["processed"] == ["a", "new"]
    assert [read_json(tmp_path / "out" / f"{d}.json", Document).lang for d in ("a", "new")] == ["de", "en"]


def test_manifest_errors(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text("documents:\n  x: {file: x.txt, sha256: abc}\n")
    with pytest.raises(InputError, match="document 'x' lacks licence"):
        load_manifest(tmp_path / "manifest.yaml")


def test_corrupt_record_is_reported_with_file_and_line(tmp_path: Path, seed_corpus: Path) -> None:
    path = tmp_path / "doc.json"
    record = (seed_corpus / "documents" / "de-dprk-cuba.json").read_text()
    path.write_text(record.replace('"lang":"de"', '"lang":7').replace('"lang": "de"', '"lang": 7'))
    with pytest.raises(RecordError, match=rf"{path}: not a valid Document: lang: Input should be a valid string"):
        read_json(path, Document)


def test_repeated_pages_and_oversized_seeds_are_reported(tmp_path: Path, capsys) -> None:
    page = (SEEDS / MANIFEST["de-dprk-cuba"]["file"]).read_text(encoding="utf-8")
    (tmp_path / "big.txt").write_text((page + "\n") * 5, encoding="utf-8")
    manifest = write_manifest(tmp_path, {"big": "big.txt"})
    small = SETTINGS.model_copy(update={"max_document_chars": 10_000})
    ingest.run(tmp_path, tmp_path / "out", small, manifest=manifest)
    err = capsys.readouterr().err
    assert f"{tmp_path / 'big.txt'}: 80% of its paragraphs repeat earlier ones" in err
    assert "above ingest.max_document_chars (10,000)" in err
    ingest.run(SEEDS, tmp_path / "seeds-out", SETTINGS)
    assert "WARNING" not in capsys.readouterr().err  # the real seeds are clean


def test_manifest_warns_about_near_duplicate_documents(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    from .conftest import ROOT

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for entry in MANIFEST.values():
        shutil.copy(SEEDS / entry["file"], seeds / entry["file"])
    shutil.copy(SEEDS / "manifest.yaml", seeds / "manifest.yaml")
    english = (SEEDS / MANIFEST["en-russia-south-korea"]["file"]).read_text(encoding="utf-8")
    (seeds / "copy.txt").write_text(english.replace("Russia", "Russland", 1), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "manifest",
        "--seeds",
        str(seeds),
        "--params",
        str(ROOT / "params.yaml"),
    ]
    clean = subprocess.run(command, capture_output=True, text=True)
    assert "near-duplicates" not in clean.stderr and "copy.txt: not in the manifest" in clean.stderr
    updated = subprocess.run([*command, "--update"], capture_output=True, text=True)
    assert updated.returncode == 0, updated.stderr
    assert "copy and en-russia-south-korea are near-duplicates" in updated.stderr or (
        "en-russia-south-korea and copy are near-duplicates" in updated.stderr
    )


def test_removing_a_document_is_an_update_of_the_manifest(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Ein kurzer deutscher Satz über Kuba.", encoding="utf-8")
    manifest = write_manifest(tmp_path, {"a": "a.txt", "b": "b.txt"})
    (tmp_path / "b.txt").unlink()
    assert update_manifest(tmp_path, manifest) == ["b.txt: file gone, removed document 'b' from the manifest"]
    assert [e.doc_id for e in load_manifest(manifest)] == ["a"]
