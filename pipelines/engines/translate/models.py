"""Model management: argostranslate packages and official stanza models, project-local.

argostranslate reads its settings from the environment *at import time*, so every use of
it goes through :func:`argos`, which points ``ARGOS_PACKAGES_DIR`` at the project's
``models/argos`` first. Its package-index functions are never called unless the index is
reachable: offline, ``get_available_packages()`` recurses until ``RecursionError``.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pipelines.core.errors import StageError

# The chunker argostranslate's own translate() uses; STANZA reads the package's bundled
# stanza/ folder instead of downloading a sentence splitter at first use.
DEFAULT_CHUNK_TYPE = "STANZA"


def argos(packages_dir: Path) -> ModuleType:
    """Import argostranslate configured for ``packages_dir`` (only the first call sets it)."""
    import sys

    packages_dir = Path(packages_dir).resolve()
    packages_dir.mkdir(parents=True, exist_ok=True)
    if "argostranslate.settings" not in sys.modules:
        os.environ["ARGOS_PACKAGES_DIR"] = str(packages_dir)
        os.environ.setdefault("ARGOS_CHUNK_TYPE", DEFAULT_CHUNK_TYPE)
    import argostranslate.package
    import argostranslate.settings
    import argostranslate.translate

    _reuse_bundled_stanza_resources()
    configured = Path(argostranslate.settings.package_data_dir).resolve()
    if configured != packages_dir:
        # settings are fixed per process; point the search path at the requested folder
        argostranslate.settings.package_data_dir = packages_dir
        argostranslate.settings.package_dirs = [packages_dir]
        argostranslate.translate.get_installed_languages.cache_clear()
    return argostranslate


def _reuse_bundled_stanza_resources() -> None:
    """Make argos's stanza sentencizer load the package's bundled stanza/ folder offline.

    argostranslate builds ``stanza.Pipeline(dir=<package>/stanza)`` with stanza's default
    ``download_method``, which fetches resources.json from the stanza hub on every load,
    even though argos packages ship it. Reuse the bundled file when it is there.
    """
    import stanza
    from argostranslate import sbd, settings

    if getattr(sbd.StanzaSentencizer, "_reuses_bundled_resources", False):
        return

    def lazy_pipeline(self):  # replaces StanzaSentencizer.lazy_pipeline
        if self.stanza_pipeline is None:
            bundled = Path(self.pkg.package_path) / "stanza"
            self.stanza_pipeline = stanza.Pipeline(
                lang=self.stanza_lang_code,
                dir=str(bundled),
                processors="tokenize",
                use_gpu=settings.device == "cuda",
                logging_level="WARNING",
                download_method=None if (bundled / "resources.json").exists() else "download_resources",
            )
        return self.stanza_pipeline

    sbd.StanzaSentencizer.lazy_pipeline = lazy_pipeline
    sbd.StanzaSentencizer._reuses_bundled_resources = True


@dataclass(frozen=True)
class ArgosPackageInfo:
    code: str
    from_code: str
    to_code: str
    version: str
    path: Path
    sha256: str

    @property
    def name(self) -> str:
        return f"{self.code} {self.version}"


def model_sha256(package_path: Path) -> str:
    """Content hash of what decides a translation: the CTranslate2 model and the tokenizer."""
    digest = hashlib.sha256()
    files = sorted((package_path / "model").rglob("*")) + [
        package_path / name for name in ("sentencepiece.model", "bpe.model")
    ]
    for file in files:
        if file.is_file():
            digest.update(file.relative_to(package_path).as_posix().encode())
            with open(file, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def installed_argos_packages(packages_dir: Path) -> list[ArgosPackageInfo]:
    if not any(Path(packages_dir).glob("*/metadata.json")):
        return []  # argos reads only this folder (ARGOS_PACKAGES_DIR): no package, no 6 s import
    module = argos(packages_dir)
    found = []
    for package in module.package.get_installed_packages():
        if getattr(package, "type", "translate") != "translate":
            continue
        found.append(
            ArgosPackageInfo(
                code=package.code or f"translate-{package.from_code}_{package.to_code}",
                from_code=package.from_code,
                to_code=package.to_code,
                version=package.package_version,
                path=Path(package.package_path),
                sha256=model_sha256(Path(package.package_path)),
            )
        )
    return sorted(found, key=lambda p: (p.from_code, p.to_code, p.version))


def find_argos_package(from_code: str, to_code: str, packages_dir: Path) -> ArgosPackageInfo | None:
    matches = [p for p in installed_argos_packages(packages_dir) if (p.from_code, p.to_code) == (from_code, to_code)]
    return matches[-1] if matches else None


def install_argos_from_path(path: Path, packages_dir: Path) -> list[ArgosPackageInfo]:
    """Install a local ``.argosmodel`` file (a zip with metadata.json and model/)."""
    import zipfile

    path = Path(path)
    if not path.exists():
        raise StageError(f"{path}: .argosmodel file not found")
    if not zipfile.is_zipfile(path):
        raise StageError(f"{path}: not an .argosmodel (argos packages are zip archives)")
    with zipfile.ZipFile(path) as archive:
        if not any(name.endswith("metadata.json") for name in archive.namelist()):
            raise StageError(f"{path}: no metadata.json inside; not an argos package")
    before = {p.path for p in installed_argos_packages(packages_dir)}
    argos(packages_dir).package.install_from_path(path)
    return [p for p in installed_argos_packages(packages_dir) if p.path not in before] or installed_argos_packages(
        packages_dir
    )


def index_reachable(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return True, ""
    except (urllib.error.URLError, OSError, ValueError) as error:
        return False, str(getattr(error, "reason", error))


def install_argos_from_index(from_code: str, to_code: str, packages_dir: Path) -> ArgosPackageInfo:
    """Download and install a package from the argos index, with a progress bar (online only)."""
    module = argos(packages_dir)
    settings = module.settings
    reachable, reason = index_reachable(settings.remote_package_index)
    if not reachable:
        raise StageError(
            f"argos package index {settings.remote_package_index} is unreachable ({reason}); offline, install "
            "a local package with `corpus models argos --path FILE.argosmodel` or set ARGOS_MODEL_PATH"
        )
    module.package.update_package_index()
    if not Path(settings.local_package_index).exists():
        raise StageError("argos package index could not be downloaded; see the message above")
    available = [p for p in module.package.get_available_packages() if (p.from_code, p.to_code) == (from_code, to_code)]
    if not available:
        raise StageError(f"the argos index has no {from_code}→{to_code} package")
    package = available[0]
    target = Path(settings.downloads_dir) / f"{module.package.argospm_package_name(package)}.argosmodel"
    _download(package.links, target)
    install_argos_from_path(target, packages_dir)
    found = find_argos_package(from_code, to_code, packages_dir)
    if found is None:
        raise StageError(f"installed {target} but no {from_code}→{to_code} package is visible in {packages_dir}")
    return found


def _download(links: list[str], target: Path) -> None:
    from tqdm import tqdm

    errors = []
    for link in links:
        try:
            with urllib.request.urlopen(link, timeout=60) as response:
                total = int(response.headers.get("Content-Length") or 0) or None
                with (
                    open(target, "wb") as handle,
                    tqdm(total=total, unit="B", unit_scale=True, desc=target.name) as bar,
                ):
                    for block in iter(lambda: response.read(1 << 16), b""):
                        handle.write(block)
                        bar.update(len(block))
            return
        except (urllib.error.URLError, OSError) as error:
            errors.append(f"{link}: {error}")
    raise StageError("could not download the argos package: " + "; ".join(errors))


def download_stanza(langs: list[str], processors: str, stanza_dir: Path) -> None:
    import stanza

    for code in langs:
        try:
            stanza.download(code, model_dir=str(stanza_dir), processors=processors, logging_level="WARN")
        except Exception as error:  # stanza raises requests, HTTP and value errors alike
            raise StageError(
                f"could not download stanza models for {code!r} ({type(error).__name__}: {error}); offline, "
                "set segment.tokenizer_files in params.yaml to local tokenizer weights"
            ) from None


def describe(info: ArgosPackageInfo) -> dict[str, Any]:
    return {
        "code": info.code,
        "pair": f"{info.from_code}->{info.to_code}",
        "version": info.version,
        "path": str(info.path),
        "sha256": info.sha256[:16],
    }
