"""The last resort: an error nobody expected is one sentence and a log file, never a traceback (GUIDE §7)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from juni_tui.cli import main
from juni_tui.commands import transactions
from juni_tui.domain.transactions import Transaction
from juni_tui.services.store import Store


def logs(home) -> list[Path]:
    return sorted((home.root / "logs").glob("juni-tui-error-*.log"))


@pytest.mark.parametrize("error", [RuntimeError("boom \x1b]52;c;SGFja2Vk\x07 refresh_token=abc123secret"),
                                   RecursionError("maximum recursion depth exceeded"), MemoryError()])
def test_an_unexpected_error_is_one_sentence_and_a_private_log_file(home, capsys, monkeypatch, error):
    def broken(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(transactions, "listing", broken)
    assert main(["--home", str(home.root), "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"juni-tui hit an unexpected error: {type(error).__name__}")
    assert "Nothing was lost; the details are in " in err and err.rstrip().endswith("Please report it.")
    assert "Traceback" not in err and "\x1b" not in err and "abc123secret" not in err
    (log,) = logs(home)
    assert str(log) in err
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    text = log.read_text()
    assert "Traceback" in text and "in broken" in text and type(error).__name__ in text
    assert "abc123secret" not in text  # secrets never reach the log


def seed_many(home, n: int) -> None:
    with Store.open(home) as store:
        store.commit([Transaction(id=f"juni-2026-card-tx-{i:05d}", date=date(2026, 1, 1) + timedelta(days=i % 300),
                                  merchant=f"Merchant number {i}", amount=Decimal("-100.00")) for i in range(n)])


def test_a_closed_pipe_ends_quietly(home):
    seed_many(home, 3000)  # far more than a pipe holds
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "juni_tui", "--home", str(home.root), "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    header, first = proc.stdout.readline(), proc.stdout.readline()
    proc.stdout.close()  # what `| head -2` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=30) == 0
    assert header.split()[:2] == [b"Date", b"Id"] and b"Values" in header and b"Receipt" in header
    # the whole id, as `attach` and `set` take it
    assert first.startswith(b"2026-") and first.split()[1] == b"juni-2026-card-tx-00000"
    assert "Traceback" not in err and "BrokenPipe" not in err
    assert logs(home) == []


# --- the TUI ----------------------------------------------------------------------------------------------------


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_an_action_that_fails_is_said_and_the_app_goes_on(home, monkeypatch):
    from juni_tui.app import JuniApp
    from juni_tui.screens.prepare import PrepareScreen
    from tests.conftest import make_tx

    def broken(self):
        raise RuntimeError("boom in an action")

    monkeypatch.setattr(PrepareScreen, "action_filter", broken)
    with Store.open(home) as store:
        store.commit([make_tx("a"), make_tx("b")])
        app = JuniApp(store, sync_on_start=False, watch_inbox=False)
        async with app.run_test(size=(150, 40)) as pilot:
            await pilot.pause()
            await pilot.press("slash")
            await pilot.pause()
            assert app.is_running and app.return_code is None
            said = [t for t in toasts(app) if "unexpected error" in t]
            assert said and "RuntimeError: boom in an action" in said[0] and "Please report it." in said[0]
            (log,) = logs(home)
            assert str(log) in said[0] and "in broken" in log.read_text()
            await pilot.press("down")  # the keys still work
            assert isinstance(app.screen, PrepareScreen)


async def test_a_worker_that_fails_is_said_not_swallowed(home, tmp_path, monkeypatch):
    from juni_tui.app import JuniApp
    from juni_tui.services import importing

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom in a worker")

    monkeypatch.setattr(importing, "read_statement", broken)
    path = tmp_path / "oct.csv"
    path.write_text("id,date,merchant,amount\n")
    with Store.open(home) as store:
        app = JuniApp(store, sync_on_start=False, watch_inbox=False)
        async with app.run_test(size=(150, 40)) as pilot:
            app.import_path(path)
            for _ in range(50):  # the worker runs in a thread; wait for what it ends in
                await pilot.pause(0.05)
                if any("unexpected error" in t for t in toasts(app)):
                    break
            assert app.is_running
            said = [t for t in toasts(app) if "unexpected error" in t]
            assert said and "RuntimeError: boom in a worker" in said[0]
            assert len(logs(home)) == 1


def test_every_screen_says_its_workers_errors():
    import importlib
    import inspect
    import pkgutil

    from textual.screen import Screen

    import juni_tui.screens as screens
    from juni_tui.app import JuniApp
    from juni_tui.screens.shared.errors import ReportsWorkerErrors

    missing = []
    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"{screens.__name__}.{info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == module.__name__ and not issubclass(cls, ReportsWorkerErrors):
                missing.append(f"{module.__name__}.{name}")
    assert missing == [] and issubclass(JuniApp, ReportsWorkerErrors)
