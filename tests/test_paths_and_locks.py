"""Paths read from the manifest stay inside seeds/, and run-time locks cannot be turned on a victim file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.core.errors import InputError, StageError
from pipelines.core.hashing import file_sha256
from pipelines.core.manifest import load_manifest
from pipelines.core.private import exclusive_lock, private_dir
from pipelines.core.sources import read_sources

from .test_input_at_the_door import GERMAN, add, project, seeds_state

SECRET = "Geheime Notizen: das Passwort lautet Schwertfisch. Niemand darf das lesen.\n"


def cli(where: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=where, capture_output=True, text=True)


def list_entry(where: Path, file: str) -> str:
    """Point a manifest entry at ``file`` with its true sha256 (an attacker can compute it)."""
    secret = where / "secret.txt"
    manifest = where / "seeds" / "manifest.yaml"
    target = Path(file) if Path(file).is_absolute() else where / "seeds" / file
    digest = file_sha256(target) if target.exists() else file_sha256(secret)
    manifest.write_text(
        manifest.read_text(encoding="utf-8")
        + f"  notes:\n    file: {file}\n    sha256: {digest}\n    licence: CC0-1.0\n",
        encoding="utf-8",
    )
    return manifest.read_text(encoding="utf-8")


@pytest.fixture
def where(tmp_path: Path) -> Path:
    where = project(tmp_path / "project")
    (tmp_path / "project" / "secret.txt").write_text(SECRET, encoding="utf-8")
    return where


@pytest.mark.parametrize("file", ["../secret.txt", "../../project/secret.txt", "ABSOLUTE", "link.txt"])
def test_a_manifest_entry_outside_seeds_is_refused_everywhere(where: Path, file: str) -> None:
    if file == "ABSOLUTE":
        file = str(where / "secret.txt")
    if file == "link.txt":
        (where / "seeds" / "link.txt").symlink_to(where / "secret.txt")
    listed = list_entry(where, file)
    manifest = where / "seeds" / "manifest.yaml"
    with pytest.raises(InputError, match=r"notes.*is not a file in"):
        load_manifest(manifest)
    with pytest.raises(InputError, match="is not a file in"):
        read_sources(where / "seeds", manifest)
    for command in (["manifest"], ["manifest", "--update"], ["ingest", "--params", "params.yaml"]):
        result = cli(where, *command)
        assert result.returncode != 0, (command, result.stdout)
        assert "'notes'" in result.stderr and "is not a file in" in result.stderr, (command, result.stderr)
        assert manifest.read_text(encoding="utf-8") == listed  # nothing changed
    assert not (where / "corpus" / "documents" / "notes.json").exists()


def test_manifest_update_refuses_a_symlink_out_of_seeds(where: Path) -> None:
    (where / "seeds" / "notes.txt").symlink_to(where / "secret.txt")
    before = seeds_state(where)
    result = cli(where, "manifest", "--update")
    assert result.returncode != 0 and "notes.txt" in result.stderr and "is not a file in" in result.stderr
    assert seeds_state(where) == before


def test_add_refuses_a_symlink_in_seeds_that_points_out(where: Path) -> None:
    (where / "seeds" / "notes.txt").symlink_to(where / "secret.txt")
    before = (where / "seeds" / "manifest.yaml").read_bytes()
    result = add(where, "seeds/notes.txt")
    assert result.returncode != 0 and "is not a file in" in result.stderr, result.stderr
    assert (where / "seeds" / "manifest.yaml").read_bytes() == before


def test_add_copies_a_file_from_elsewhere_into_seeds(where: Path) -> None:
    """Adding a file that lives outside copies it in: the listed file is then inside seeds/."""
    (where / "article.txt").write_text(GERMAN, encoding="utf-8")
    result = add(where, "article.txt", "--licence", "CC0-1.0")
    assert result.returncode == 0, result.stderr
    assert (where / "seeds" / "article.txt").is_file() and not (where / "seeds" / "article.txt").is_symlink()


def test_a_planted_lock_symlink_does_not_truncate_its_target(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    victim = tmp_path / "victim.txt"
    victim.write_text("precious bytes\n", encoding="utf-8")
    folder = private_dir("corpus-test")
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    (folder / "push.lock").symlink_to(victim)
    with pytest.raises(StageError, match="symlink"), exclusive_lock(folder / "push.lock"):
        pass
    assert victim.read_text(encoding="utf-8") == "precious bytes\n"
    with exclusive_lock(folder / "other.lock"):  # a normal lock works and is private
        assert oct((folder / "other.lock").stat().st_mode & 0o777) == "0o600"


def test_a_planted_runtime_folder_is_refused(tmp_path: Path, monkeypatch) -> None:
    """A folder of the expected name that others can write (or a symlink) is not used."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    planted = tmp_path / f"corpus-planted-{os.getuid()}"
    planted.mkdir(mode=0o777)
    planted.chmod(0o777)
    with pytest.raises(StageError, match="not a private folder"):
        private_dir("corpus-planted")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / f"corpus-linked-{os.getuid()}").symlink_to(elsewhere)
    with pytest.raises(StageError, match="not a private folder"):
        private_dir("corpus-linked")
