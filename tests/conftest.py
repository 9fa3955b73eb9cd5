"""Shared fixtures: the project root, a scratch project, and the seed corpus run once."""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stages resolve params.yaml and model paths relative to the project root, as DVC runs them."""
    monkeypatch.chdir(ROOT)


def copy_project(destination: Path) -> Path:
    """A scratch copy of the project's inputs and code (not its outputs or virtualenv)."""
    for name in ("seeds", "pipelines", "annotations", "params.yaml", "dvc.yaml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__", ".labelstudio"))
        else:
            shutil.copy2(source, destination / name)
    models = ROOT / "models"
    if models.exists():
        os.symlink(models, destination / "models")
    return destination


@pytest.fixture(scope="session")
def seed_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ingest and segment the four seeds once into a scratch corpus folder."""
    from pipelines import ingest, segment

    out = tmp_path_factory.mktemp("corpus")
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        documents = ingest.run(out_dir=out / "documents")
        segment.run([out / "documents" / f"{d.doc_id}.json" for d in documents], out / "sentences")
    finally:
        os.chdir(cwd)
    return out


@pytest.fixture(scope="session")
def full_corpus(seed_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed corpus through translate (gloss), align and tag, in a scratch folder."""
    import yaml

    from pipelines import align, tag, translate

    work = tmp_path_factory.mktemp("full")
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["translate"].update({"engine": "gloss", "cache_path": str(work / "cache.sqlite")})
    params["align"]["cache_path"] = str(work / "emb.sqlite")
    params["tag"]["cache_dir"] = str(work / "stanza")
    (work / "params.yaml").write_text(yaml.safe_dump(params))
    files = sorted((seed_corpus / "sentences").glob("*.jsonl"))
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        translate.run(files, work / "translations.jsonl", work / "params.yaml")
        align.run(
            files,
            work / "translations.jsonl",
            work / "alignments.jsonl",
            work / "align_summary.json",
            work / "align_metrics.json",
            work / "params.yaml",
        )
        tag.run(
            files,
            work / "translations.jsonl",
            work / "alignments.jsonl",
            work / "entities.jsonl",
            work / "events.jsonl",
            work / "tag_metrics.json",
            work / "params.yaml",
        )
    finally:
        os.chdir(cwd)
    shutil.copytree(seed_corpus / "sentences", work / "sentences")
    shutil.copytree(seed_corpus / "documents", work / "documents")
    return work


LABEL_STUDIO_TEMPLATE = ROOT / ".cache" / "labelstudio-template"


def _label_studio_template() -> tuple[Path, object]:
    """A pre-migrated empty Label Studio data dir (built once, ~60 s), and its credentials."""
    from pipelines import annotate

    credentials_file = LABEL_STUDIO_TEMPLATE / "credentials.json"
    if (LABEL_STUDIO_TEMPLATE / "label_studio.sqlite3").exists() and credentials_file.exists():
        return LABEL_STUDIO_TEMPLATE, annotate.Credentials(**json.loads(credentials_file.read_text()))
    building = LABEL_STUDIO_TEMPLATE.with_name("labelstudio-template.building")
    shutil.rmtree(building, ignore_errors=True)
    credentials = annotate.Credentials("admin@corpus.test", secrets.token_urlsafe(12), secrets.token_hex(20))
    port = annotate.free_port()
    process = annotate.start_server(building, port, credentials, log=building.parent / "labelstudio-template.log")
    try:
        annotate.wait_healthy(f"http://127.0.0.1:{port}", process, timeout=300)
    finally:
        annotate.stop_server(process)
    (building / "credentials.json").write_text(json.dumps(credentials.__dict__))
    shutil.rmtree(LABEL_STUDIO_TEMPLATE, ignore_errors=True)
    building.rename(LABEL_STUDIO_TEMPLATE)
    return LABEL_STUDIO_TEMPLATE, credentials


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory):
    """A real Label Studio server on a free 127.0.0.1 port, from the pre-migrated template."""
    from pipelines import annotate

    template, credentials = _label_studio_template()
    data_dir = tmp_path_factory.mktemp("labelstudio")
    annotate.copy_template(template, data_dir)
    port = annotate.free_port()
    process = annotate.start_server(data_dir, port, credentials, log=data_dir / "server.log")
    url = f"http://127.0.0.1:{port}"
    try:
        annotate.wait_healthy(url, process)
        yield {"url": url, "credentials": credentials, "data_dir": data_dir, "process": process}
    finally:
        annotate.stop_server(process)
