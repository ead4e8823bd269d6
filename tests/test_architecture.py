"""The shape the guide asks for: services never import Textual, so the CLI and the TUI share one core."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SERVICES = Path(__file__).resolve().parent.parent / "juni_tui" / "services"


def test_no_service_module_imports_textual():
    offenders = []
    for path in SERVICES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(SERVICES)}: {n}" for n in names if n.split(".")[0] in {"textual", "textual_autocomplete"}]
    assert offenders == []


def test_the_headless_commands_run_without_loading_textual():
    code = (
        "import sys, pkgutil, importlib, juni_tui.services as s\n"
        "for m in pkgutil.walk_packages(s.__path__, s.__name__ + '.'): importlib.import_module(m.name)\n"
        "import juni_tui.commands.transactions, juni_tui.commands.export, juni_tui.commands.importing\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'textual'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_only_the_store_reads_stored_documents():
    """Outside ``services/store/`` the code reads models (``Table.get``) or the store's typed projections
    (``store.tx_views``, ``history_views``, ``receipt_views``), never a table's stored documents."""
    package = SERVICES.parent
    store = SERVICES / "store"
    offenders = []
    for path in package.rglob("*.py"):
        if store in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"raw", "_raw", "_docs"}:
                offenders.append(f"{path.relative_to(package)}:{node.lineno}: .{node.attr}")
    assert offenders == []
