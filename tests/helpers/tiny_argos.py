"""Build a tiny, random-weight argos de→en package to exercise the real code path offline.

No real argos de→en model can be downloaded on this project's machines, so tests and
benchmarks build one: a sentencepiece model trained on a few lines, a randomly initialised
small Marian model (transformers) converted with CTranslate2's own converter, and the
stanza German tokenizer bundled the way argos packages bundle it. Its translations are
nonsense; what it proves is the plumbing (install, load, tokenise, batch, decode).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

PACKAGE_CODE = "translate-de_en"
TINY_VERSION = "0.0.1-tiny-random"


def _train_sentencepiece(lines: list[str], prefix: Path, vocab_size: int) -> Path:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        character_coverage=1.0,
        model_type="unigram",
        unk_id=0,
        bos_id=-1,
        eos_id=-1,
        pad_id=-1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return prefix.with_suffix(".model")


def _marian_dir(spm_model: Path, work: Path, seed: int, d_model: int) -> Path:
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    processor = spm.SentencePieceProcessor(model_file=str(spm_model))
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    vocab = {"</s>": 0, "<unk>": 1}
    for piece in pieces:
        vocab.setdefault(piece, len(vocab))
    vocab["<pad>"] = len(vocab)
    model_dir = work / "marian"
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    shutil.copy(spm_model, model_dir / "source.spm")
    shutil.copy(spm_model, model_dir / "target.spm")
    tokenizer = MarianTokenizer(
        source_spm=str(model_dir / "source.spm"),
        target_spm=str(model_dir / "target.spm"),
        vocab=str(model_dir / "vocab.json"),
        source_lang="de",
        target_lang="en",
    )
    torch.manual_seed(seed)
    config = MarianConfig(
        vocab_size=len(vocab),
        decoder_vocab_size=len(vocab),
        d_model=d_model,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=2 * d_model,
        decoder_ffn_dim=2 * d_model,
        max_position_embeddings=256,
        pad_token_id=vocab["<pad>"],
        eos_token_id=0,
        decoder_start_token_id=vocab["<pad>"],
        share_encoder_decoder_embeddings=True,
    )
    MarianMTModel(config).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    return model_dir


def _bundle_stanza(stanza_tokenizer: Path, package_dir: Path) -> None:
    """Lay out a stanza German tokenizer the way argos packages ship theirs (``stanza/``)."""
    target = package_dir / "stanza" / "de" / "tokenize"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(stanza_tokenizer, target / "gsd.pt")
    resources = {
        "de": {
            "lang_name": "German",
            "default_processors": {"tokenize": "gsd"},
            "packages": {"default": {"tokenize": "gsd"}},
            "tokenize": {"gsd": {}},
        }
    }
    (package_dir / "stanza" / "resources.json").write_text(json.dumps(resources), encoding="utf-8")


def build_tiny_argosmodel(
    output: Path,
    lines: list[str],
    stanza_tokenizer: Path | None,
    work_dir: Path,
    seed: int = 0,
    vocab_size: int = 400,
    d_model: int = 16,
) -> Path:
    """Write ``output`` (a ``.argosmodel`` zip) and return its path."""
    from ctranslate2.converters import TransformersConverter

    work_dir.mkdir(parents=True, exist_ok=True)
    spm_model = _train_sentencepiece(lines, work_dir / "sp", vocab_size)
    marian = _marian_dir(spm_model, work_dir, seed, d_model)
    package_dir = work_dir / f"{PACKAGE_CODE}-tiny"
    if package_dir.exists():
        shutil.rmtree(package_dir)
    package_dir.mkdir(parents=True)
    TransformersConverter(str(marian)).convert(str(package_dir / "model"), force=True)
    shutil.copy(spm_model, package_dir / "sentencepiece.model")
    if stanza_tokenizer is not None:
        _bundle_stanza(stanza_tokenizer, package_dir)
    metadata = {
        "package_version": TINY_VERSION,
        "argos_version": "1.11",
        "code": PACKAGE_CODE,
        "from_code": "de",
        "from_name": "German",
        "to_code": "en",
        "to_name": "English",
        "type": "translate",
    }
    (package_dir / "metadata.json").write_text(json.dumps(metadata, indent=1), encoding="utf-8")
    (package_dir / "README.md").write_text(
        "Tiny random-weight Marian model for testing the argostranslate code path. Not a translation model.\n",
        encoding="utf-8",
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(package_dir.rglob("*")):
            archive.write(file, Path(package_dir.name) / file.relative_to(package_dir))
    return output
