"""The `corpus` command and `python -m pipelines.<stage>` entry points."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from pipelines.cli.main import app

from .conftest import ROOT


def test_help_lists_the_stages() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for stage in ("ingest", "segment", "manifest", "models"):
        assert stage in result.output


def test_module_entry_point_and_clean_errors(tmp_path) -> None:
    (tmp_path / "manifest.yaml").write_text("documents:\n  gone: {file: gone.txt, sha256: abc, licence: x}\n")
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.stages.ingest", "--seeds", str(tmp_path), "--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'gone.txt'}: file not found"
    assert "Traceback" not in result.stderr


def test_manifest_check_passes_on_the_seeds(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["manifest"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "4 documents, all files match"


def test_installed_set_is_consistent() -> None:
    """What set-up installs satisfies every installed package (label-studio needs wheel, say).
    Three known exceptions, installed without deps on purpose: de2en's declared 'sklearn',
    argostranslate's stanza==1.10.1 pin (it runs on stanza 1.15: tests/test_translate.py), and
    llama-cpp-cffi's pins for its Python layer (transformers<5, an old hub client), which the
    project does not import: it loads the compiled library alone (tests/test_llm_translate.py)."""
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    known = ("de2en", "argostranslate 1.11.0 has requirement stanza==1.10.1", "llama-cpp-cffi 0.4.42 ")
    problems = [line for line in result.stdout.splitlines() if line.strip() and not line.startswith(known)]
    assert problems == [] or problems == ["No broken requirements found."]


def test_a_stage_command_imports_only_its_own_stage() -> None:
    """`dvc repro` starts one `corpus` process per stage: each must not pay for every stage's engines."""
    script = (
        "import sys; from click.testing import CliRunner; import typer.main; from pipelines.cli.main import app; "
        "result = CliRunner().invoke(typer.main.get_command(app), ['report', '--help']); "
        "assert result.exit_code == 0, result.output; "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(('pipelines.stages.', 'stanza', 'torch')))))"
    )
    loaded = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == ["pipelines.stages.report"]
