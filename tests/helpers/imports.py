"""What the package's modules import and read: for the architecture and DVC-deps tests.

Run ``python -m tests.helpers.imports`` to print, per DVC stage, the code and data files its
``deps`` must list.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pipelines"


def module_path(module: str) -> Path | None:
    """The file of a ``pipelines.*`` module (a package resolves to its ``__init__.py``)."""
    relative = Path(*module.split("."))
    for candidate in (ROOT / relative.with_suffix(".py"), ROOT / relative / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> list[str]:
    return sorted(module_name(p) for p in PACKAGE.rglob("*.py"))


@cache
def direct_imports(module: str) -> frozenset[str]:
    """``pipelines.*`` modules imported anywhere in ``module`` (top level or inside functions)."""
    path = module_path(module)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if name.split(".")[0] == "pipelines" and module_path(name) is not None:
                found.add(name)
    found.discard(module)
    return frozenset(found)


def closure(module: str) -> set[str]:
    seen, frontier = {module}, [module]
    while frontier:
        for name in direct_imports(frontier.pop()):
            if name not in seen:
                seen.add(name)
                frontier.append(name)
    return seen


def data_files(module: str) -> set[Path]:
    """Files next to a module (its ``data/`` or ``templates/`` folder) named by a string in it."""
    path = module_path(module)
    folder = path.parent
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and len(node.value) < 100
            and "/" not in node.value
        ):
            for sub in ("data", "templates"):
                candidate = folder / sub / node.value
                if node.value and candidate.is_file():
                    found.add(candidate)
    return found


def has_code(path: Path) -> bool:
    """True when a file holds more than a docstring."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return any(not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)) for n in body)


def required_deps(entry_module: str) -> set[str]:
    """Project-relative files a stage whose command lives in ``entry_module`` imports or reads."""
    files: set[Path] = set()
    for module in closure(entry_module):
        path = module_path(module)
        if path.name != "__init__.py" or has_code(path):
            files.add(path)
        files |= data_files(module)
    return {p.relative_to(ROOT).as_posix() for p in files}


def stage_entry_modules() -> dict[str, str]:
    """DVC stage name -> module of the ``corpus`` command its ``cmd`` runs."""
    import typer.main
    import yaml

    from pipelines.cli import app

    group = typer.main.get_command(app)
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    entries = {}
    for name, stage in stages.items():
        words = (stage.get("do") or stage)["cmd"].split()
        assert words[0] == "corpus", f"stage {name}: command does not start with corpus"
        command = group
        for word in words[1:]:
            if word.startswith("-") or word not in getattr(command, "commands", {}):
                break
            command = command.commands[word]
        entries[name] = command.callback.__module__
    return entries


if __name__ == "__main__":
    for stage, module in stage_entry_modules().items():
        print(f"{stage}  ({module})")
        for dep in sorted(required_deps(module)):
            print(f"  - {dep}")
