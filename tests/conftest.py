"""Shared fixtures: the project root, a scratch project, and the seed corpus run once."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
from pathlib import Path

from pipelines.core.floats import pin_float_paths

pin_float_paths()  # as the `corpus` command does, before numpy loads: tests see the pipeline's floats

import pytest  # noqa: E402

from pipelines.labelstudio import client as ls_client  # noqa: E402
from pipelines.labelstudio import server as ls_server  # noqa: E402

from .helpers.ports import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def project_settings(work: Path | None = None):
    """The project's settings, with caches moved into ``work`` (a scratch folder) when given."""
    from pipelines.core.settings import load_settings

    settings = load_settings(ROOT / "params.yaml")
    if work is None:
        return settings
    return settings.model_copy(
        update={
            "translate": settings.translate.model_copy(update={"cache_path": work / "translations.sqlite"}),
            "align": settings.align.model_copy(update={"cache_path": work / "embeddings.sqlite"}),
            # the trained German NER model only where a test trains one (corpus/ may hold one locally)
            "tag": settings.tag.model_copy(update={"cache_dir": work / "stanza-tag", "trained_ner": None}),
            "train_ner": settings.train_ner.model_copy(update={"work_dir": work / "ner-training"}),
            "segment": settings.segment.model_copy(update={"cache_dir": work / "stanza"}),
        }
    )


def copy_project(destination: Path) -> Path:
    """A scratch copy of the project's inputs and code (not its outputs or virtualenv)."""
    for name in ("seeds", "pipelines", "annotations", "params.yaml", "dvc.yaml"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__", ".labelstudio"))
        else:
            shutil.copy2(source, destination / name)
    for name in ("models", ".venv"):
        if (ROOT / name).exists():
            os.symlink(ROOT / name, destination / name)
    return destination


@pytest.fixture(autouse=True, scope="session")
def own_datasets_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A datasets cache per test session: datasets caches a local folder by its path, not its
    content (huggingface/datasets#2956), so a dataset exported by an earlier run of other code
    would otherwise load back in place of this run's."""
    import datasets.config

    datasets.config.HF_DATASETS_CACHE = str(tmp_path_factory.mktemp("hf-datasets-cache"))


@pytest.fixture(scope="session")
def coded():
    """A function from English text to the English coder's events, through the tag stage's
    English pipeline (segmenter, parser, entity typing); for sentences written in the tests."""
    from pipelines.engines.ner.tagger import analyse, build_tagger
    from pipelines.engines.text.segmenter import Segmenter
    from pipelines.tagging.entities import entities_for
    from pipelines.tagging.events_en import english_events

    from .helpers.documents import plain_document

    settings = project_settings()
    segmenter, tagger = Segmenter(settings.segment), build_tagger("en", settings.tag)

    def events(text: str) -> list:
        found = []
        for analysis in analyse(tagger, segmenter.segment(plain_document("t", text))):
            found += english_events(analysis, entities_for(analysis, tagger.provenance.engine), settings.tag)
        return found

    return events


@pytest.fixture(scope="session")
def seed_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ingest and segment the four seeds once into a scratch corpus folder."""
    from pipelines.stages import ingest, segment

    out = tmp_path_factory.mktemp("corpus")
    settings = project_settings(out)
    ingest.run(SEEDS, out / "documents", settings.ingest)
    segment.run(out / "documents", out / "sentences", settings.segment)
    return out


@pytest.fixture(scope="session")
def full_corpus(seed_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed corpus through translate (gloss), align and tag, in a scratch folder."""
    from pipelines.stages import align, tag, translate

    work = tmp_path_factory.mktemp("full")
    settings = project_settings(work)
    files = sorted((seed_corpus / "sentences").glob("*.jsonl"))
    translate.run(files, work / "translations.jsonl", settings.translate.model_copy(update={"engine": "gloss"}))
    align.run(
        files,
        work / "translations.jsonl",
        work / "alignments.jsonl",
        work / "align_summary.json",
        work / "metrics" / "align.json",  # where the pipeline keeps it (the review task shows its threshold)
        settings.align,
    )
    tag.run(
        files,
        work / "translations.jsonl",
        work / "alignments.jsonl",
        work / "entities.jsonl",
        work / "events.jsonl",
        work / "tag_metrics.json",
        settings.tag,
    )
    shutil.copytree(seed_corpus / "sentences", work / "sentences")
    shutil.copytree(seed_corpus / "documents", work / "documents")
    return work


LABEL_STUDIO_TEMPLATE = ROOT / ".cache" / "labelstudio-template"


def label_studio_template() -> tuple[Path, object]:
    """A pre-migrated empty Label Studio data dir (built once, ~60 s), and its credentials."""
    from pipelines.labelstudio import server

    credentials_file = LABEL_STUDIO_TEMPLATE / "credentials.json"
    if (LABEL_STUDIO_TEMPLATE / "label_studio.sqlite3").exists() and credentials_file.exists():
        return LABEL_STUDIO_TEMPLATE, server.Credentials(**json.loads(credentials_file.read_text()))
    building = LABEL_STUDIO_TEMPLATE.with_name("labelstudio-template.building")
    shutil.rmtree(building, ignore_errors=True)
    credentials = server.Credentials("admin@corpus.test", secrets.token_urlsafe(12), secrets.token_hex(20))
    port = free_port()
    process = server.start_server(building, port, credentials, log=building.parent / "labelstudio-template.log")
    try:
        server.wait_healthy(f"http://127.0.0.1:{port}", process, timeout=300)
    finally:
        server.stop_server(process)
    (building / "credentials.json").write_text(json.dumps(credentials.__dict__))
    shutil.rmtree(LABEL_STUDIO_TEMPLATE, ignore_errors=True)
    building.rename(LABEL_STUDIO_TEMPLATE)
    return LABEL_STUDIO_TEMPLATE, credentials


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory):
    """A real Label Studio server on a free 127.0.0.1 port, from the pre-migrated template."""
    from pipelines.labelstudio import server

    template, credentials = label_studio_template()
    data_dir = tmp_path_factory.mktemp("labelstudio")
    server.copy_template(template, data_dir)
    port = free_port()
    process = server.start_server(data_dir, port, credentials, log=data_dir / "server.log")
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_healthy(url, process)
        yield {"url": url, "credentials": credentials, "data_dir": data_dir, "process": process}
    finally:
        server.stop_server(process)


@pytest.fixture(scope="session")
def client(label_studio):
    """An SDK client of the session's Label Studio server."""
    return ls_client.connect(label_studio["url"], label_studio["data_dir"], api_key=label_studio["credentials"].token)


class Server:
    """A real server on its own data folder that a test can kill and bring back."""

    def __init__(self, tmp_path: Path) -> None:
        template, self.credentials = label_studio_template()
        self.data_dir = tmp_path / "data"
        ls_server.copy_template(template, self.data_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.start()

    def start(self):
        """Start (again) and return a connected client."""
        log = self.data_dir / "server.log"
        self.process = ls_server.start_server(self.data_dir, self.port, self.credentials, log=log)
        ls_server.wait_healthy(self.url, self.process)
        return self.client()

    def client(self):
        return ls_client.connect(self.url, self.data_dir, api_key=self.credentials.token)

    def kill(self) -> None:
        if self.process.poll() is None:  # a retried request may ask twice
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        ls_server.stop_server(self.process)
