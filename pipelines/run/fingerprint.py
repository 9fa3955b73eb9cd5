"""Which code and data files a module depends on, and one hash over them.

An incremental stage keys its saved results on its code as well as its inputs: a change to
any module the stage imports (or a word list it reads) must re-run it. The same walk tells
the architecture test which files each DVC stage's ``deps`` must list.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
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


@cache
def direct_imports(module: str) -> frozenset[str]:
    """``pipelines.*`` modules imported anywhere in ``module`` (top level or inside functions)."""
    tree = ast.parse(module_path(module).read_text(encoding="utf-8"))
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
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and 0 < len(node.value) < 100:
            if "/" in node.value:
                continue
            for sub in ("data", "templates"):
                candidate = path.parent / sub / node.value
                if candidate.is_file():
                    found.add(candidate)
    return found


def has_code(path: Path) -> bool:
    """True when a file holds more than a docstring."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return any(not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)) for n in body)


def module_files(name: str) -> set[Path]:
    """A module's own file (a docstring-only ``__init__.py`` left out) and the data it reads."""
    path = module_path(name)
    return ({path} if path.name != "__init__.py" or has_code(path) else set()) | data_files(name)


def dependency_files(module: str) -> set[Path]:
    """Every project file ``module`` imports or reads, itself included."""
    return set().union(*(module_files(name) for name in closure(module)))


def files_digest(paths: Iterable[Path]) -> str:
    """sha256 over the project-relative names and the bytes of ``paths``."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def code_fingerprint(module: str) -> str:
    """sha256 over the names and bytes of ``dependency_files(module)``."""
    return files_digest(dependency_files(module))


def code_fingerprint_within(modules: Iterable[str], within: tuple[str, ...]) -> str:
    """sha256 over the files of ``modules``' closures whose module names start with one of
    ``within``: a narrower key than :func:`code_fingerprint` when the rest of the closure only
    produces what another part of the key already covers."""
    names = set().union(*(closure(m) for m in modules))
    return files_digest(set().union(*(module_files(n) for n in names if n.startswith(within))))
