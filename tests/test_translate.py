"""Translate: the real argostranslate/CTranslate2 path on a tiny model, cache, offline, gloss."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from pipelines.core.errors import StageError
from pipelines.core.io import read_jsonl
from pipelines.core.records import Sentence, Translation
from pipelines.core.settings import TranslateSettings
from pipelines.engines.translate import models
from pipelines.engines.translate.translators import ArgosEngine
from pipelines.stages import translate

from .conftest import ROOT, SEEDS, project_settings
from .helpers.tiny_argos import build_tiny_argosmodel

GERMAN_TOKENIZER = ROOT / "models" / "stanza" / "de" / "tokenize" / "gsd_dev.pt"


@pytest.fixture(scope="session")
def tiny_argosmodel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("tiny-argos")
    lines = [line for seed in sorted(SEEDS.glob("*.txt")) for line in seed.read_text().splitlines() if line.strip()]
    return build_tiny_argosmodel(work / "translate-de_en-tiny.argosmodel", lines, GERMAN_TOKENIZER, work / "build")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Any attempt to open a network connection fails the test's code path loudly."""
    attempts: list[tuple] = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError(f"network disabled in this test: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))
    return attempts


def german_sentences(seed_corpus: Path) -> list[Sentence]:
    return list(read_jsonl(seed_corpus / "sentences" / "de-dprk-cuba.jsonl", Sentence))


def translate_settings(tmp_path: Path, **overrides) -> TranslateSettings:
    defaults = {
        "packages_dir": tmp_path / "argos",
        "cache_path": tmp_path / "cache.sqlite",
        "llm_file": tmp_path / "no-llm.gguf",  # these tests choose between argos and the gloss
    }
    return project_settings().translate.model_copy(update={**defaults, **overrides})


def test_install_from_path_and_list(tiny_argosmodel: Path, tmp_path: Path) -> None:
    installed = models.install_argos_from_path(tiny_argosmodel, tmp_path / "argos")
    assert [(p.code, p.from_code, p.to_code, p.version) for p in installed] == [
        ("translate-de_en", "de", "en", "0.0.1-tiny-random")
    ]
    assert installed[0].path.parent == (tmp_path / "argos").resolve()
    assert models.find_argos_package("de", "en", tmp_path / "argos").sha256 == installed[0].sha256
    assert models.find_argos_package("en", "de", tmp_path / "argos") is None


def test_install_rejects_files_that_are_not_packages(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.argosmodel"
    bogus.write_text("not a zip")
    with pytest.raises(StageError, match=r"bogus\.argosmodel: not an \.argosmodel"):
        models.install_argos_from_path(bogus, tmp_path / "argos")
    with pytest.raises(StageError, match="file not found"):
        models.install_argos_from_path(tmp_path / "missing.argosmodel", tmp_path / "argos")


def test_batched_equals_argostranslate_translate(
    tiny_argosmodel: Path, tmp_path: Path, seed_corpus: Path, no_network: list
) -> None:
    packages = tmp_path / "argos"
    info = models.install_argos_from_path(tiny_argosmodel, packages)[0]
    engine = ArgosEngine(info, translate_settings(tmp_path, batch_size=5))
    texts = [s.text for s in german_sentences(seed_corpus)]
    batched = engine.translate_texts(texts)
    argos = models.argos(packages)
    assert argos.settings.beam_size == engine.decode.beam_size
    reference = [argos.translate.translate(text, "de", "en") for text in texts]
    assert batched == reference
    assert len(set(batched)) > 1 and all(batched)
    assert no_network == []


def test_stage_caches_and_translates_only_new_sentences(
    tiny_argosmodel: Path, tmp_path: Path, seed_corpus: Path, no_network: list
) -> None:
    params = translate_settings(tmp_path, engine="argos", model_path=tiny_argosmodel)
    files = [seed_corpus / "sentences" / "de-dprk-cuba.jsonl"]
    out = tmp_path / "translations.jsonl"
    stats = translate.run(files, out, params)
    assert {k: stats[k] for k in ("sentences", "translated", "cached", "retried")} == {
        "sentences": 16, "translated": 16, "cached": 0, "retried": 0
    }  # fmt: skip
    first = list(read_jsonl(out, Translation))
    assert translate.run(files, out, params)["cached"] == 16
    assert list(read_jsonl(out, Translation)) == first
    row = first[0]
    assert row.provenance.engine == "argostranslate"
    assert row.provenance.model == "translate-de_en 0.0.1-tiny-random"
    assert row.provenance.substitute_for is None and len(row.provenance.model_sha256) == 64
    assert row.settings["beam_size"] == 4
    assert [r.sent_id for r in first] == [s.sent_id for s in german_sentences(seed_corpus)]

    # a new document: only its sentences are translated
    extra = tmp_path / "de-extra.jsonl"
    new = german_sentences(seed_corpus)[0].model_copy(
        update={
            "sent_id": "de-extra-p000-s00-00000000",
            "doc_id": "de-extra",
            "text": "Ein ganz neuer Satz.",
            "tokens": [],
        }
    )
    extra.write_text(new.model_dump_json() + "\n")
    stats = translate.run([*files, extra], out, params)
    assert (stats["sentences"], stats["translated"], stats["cached"]) == (17, 1, 16)
    # a decoding setting that changes output invalidates the cache
    params_beam = translate_settings(tmp_path, engine="argos", beam_size=2)
    assert translate.run(files, out, params_beam)["translated"] == 16
    assert no_network == []


def test_index_install_offline_fails_fast_and_clearly(tmp_path: Path, no_network: list) -> None:
    with pytest.raises(StageError, match=r"argos package index .* is unreachable .*--path FILE\.argosmodel"):
        models.install_argos_from_index("de", "en", tmp_path / "argos")
    assert no_network, "the reachability probe should have tried (and been refused)"


def test_gloss_fallback_is_labelled_and_keeps_names(tmp_path: Path, seed_corpus: Path, capsys) -> None:
    params = translate_settings(tmp_path, engine="auto", allow_gloss=True)
    out = tmp_path / "translations.jsonl"
    translate.run([seed_corpus / "sentences" / "de-dprk-cuba.jsonl"], out, params)
    assert "DICTIONARY GLOSS" in capsys.readouterr().err
    rows = list(read_jsonl(out, Translation))
    assert {r.provenance.engine for r in rows} == {"gloss"}
    assert rows[0].provenance.substitute_for == "argostranslate de->en machine translation"
    # every row is checked, whatever the engine: a gloss reads badly, and its scores say so
    assert all(r.quality is not None and r.attempts == 1 for r in rows)
    assert any(r.flagged and r.flags for r in rows)
    by_source = {r.source: r.text for r in rows}
    assert by_source["Präsident Kim Il Sung empfing ihn herzlich."] == "President Kim Il Sung received him warmly."
    belgrade = next(text for source, text in by_source.items() if source.startswith("Im Mai 1980"))
    assert "Kim Il Sung" in belgrade and "Belgrade (Yugoslavia)" in belgrade and "1980" in belgrade
    assert "Carlos Rafael Rodriguez" in belgrade


def test_no_engine_available_is_a_clear_error(tmp_path: Path, seed_corpus: Path) -> None:
    files = [seed_corpus / "sentences" / "de-dprk-cuba.jsonl"]
    with pytest.raises(StageError, match=r"no argos de->en package .* no LLM at .* allow the dictionary gloss"):
        translate.run(files, tmp_path / "t.jsonl", translate_settings(tmp_path, engine="auto", allow_gloss=False))
    with pytest.raises(StageError, match="no argos de->en package"):
        translate.run(files, tmp_path / "t.jsonl", translate_settings(tmp_path, engine="argos"))
    assert not (tmp_path / "t.jsonl").exists()


def test_models_cli_installs_and_lists(tiny_argosmodel: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipelines.cli.main import app

    runner = CliRunner()
    installed = runner.invoke(
        app, ["models", "argos", "--path", str(tiny_argosmodel), "--packages-dir", str(tmp_path / "argos")]
    )
    assert installed.exit_code == 0, installed.output
    assert '"pair": "de->en"' in installed.output and "0.0.1-tiny-random" in installed.output
    listed = runner.invoke(app, ["models", "list", "--packages-dir", str(tmp_path / "argos")])
    assert '"kind": "argos"' in listed.output and '"code": "translate-de_en"' in listed.output
