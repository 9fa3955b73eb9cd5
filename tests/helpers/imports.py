"""What the package's modules import and read: for the architecture and DVC-deps tests.

Run ``python -m tests.helpers.imports`` to print, per DVC stage, the code and data files its
``deps`` must list.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.run.fingerprint import (  # noqa: F401  (re-exported for the tests)
    PACKAGE,
    ROOT,
    closure,
    data_files,
    dependency_files,
    direct_imports,
    has_code,
    module_path,
)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> list[str]:
    return sorted(module_name(p) for p in PACKAGE.rglob("*.py"))


def required_deps(entry_module: str) -> set[str]:
    """Project-relative files a stage whose command lives in ``entry_module`` imports or reads."""
    return {p.relative_to(ROOT).as_posix() for p in dependency_files(entry_module)}


def stage_entry_modules() -> dict[str, str]:
    """DVC stage name -> module of the ``corpus`` command its ``cmd`` runs."""
    import typer.main
    import yaml

    from pipelines.cli.main import app

    group = typer.main.get_command(app)
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    entries = {}
    for name, stage in stages.items():
        words = (stage.get("do") or stage)["cmd"].split()
        assert words[0] == "corpus", f"stage {name}: command does not start with corpus"
        command = group
        for word in words[1:]:
            found = None if word.startswith("-") else getattr(command, "get_command", lambda *_: None)(None, word)
            if found is None:
                break
            command = found
        entries[name] = command.callback.__module__
    return entries


if __name__ == "__main__":
    for stage, module in stage_entry_modules().items():
        print(f"{stage}  ({module})")
        for dep in sorted(required_deps(module)):
            print(f"  - {dep}")
