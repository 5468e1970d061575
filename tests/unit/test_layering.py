"""The layering ARCHITECTURE.md sets, checked on the source: imports point one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "installer_app"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py")) if folder else sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _modules("domain"), ids=lambda p: p.name)
def test_domain_is_pure(path: Path) -> None:
    project = {m for m in _imports(path) if m.startswith("installer_app")}
    assert all(m.startswith("installer_app.domain") for m in project), project
    assert not {m for m in _imports(path) if m.split(".")[0] in {"PySide6", "sqlite3", "sqlmodel",
                                                                   "sqlalchemy", "serial", "httpx"}}  # fmt: skip


@pytest.mark.parametrize("path", _modules(""), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_qt_only_in_ui(path: Path) -> None:
    if path.relative_to(PACKAGE).parts[0] == "ui":
        return
    assert not {m for m in _imports(path) if m.startswith("PySide6")}


@pytest.mark.parametrize(
    "path", [*_modules("ui"), *_modules("cli")], ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_front_ends_go_through_services(path: Path) -> None:
    """The GUI and the CLI call services; only the back office's own admin commands reach
    into the back-office package (it is a separate program)."""
    reached = {
        m
        for m in _imports(path)
        if m.startswith(("installer_app.store", "installer_app.devices", "installer_app.sync"))
    }
    if path.name == "commands_sync.py":
        reached = {m for m in reached if not m.startswith("installer_app.sync.backoffice")}
    assert reached == set(), reached
