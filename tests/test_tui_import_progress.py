"""A large import in the TUI shows how far it has read, and the app keeps drawing meanwhile."""

from __future__ import annotations

import threading

import pytest

from juni_tui.services import importing
from tests.test_tui_flow import make_app, settle

pytestmark = pytest.mark.usefixtures("quick_flush")

CSV = "id,date,merchant,amount\np1,2026-10-01,Adobe,-100.00\n"


async def test_an_import_shows_its_progress_in_the_title_and_restores_it(store, tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text(CSV)
    halfway, release = threading.Event(), threading.Event()
    real_read = importing.read_statement

    def slow_read(path, known=None, choice=None, *, on_progress=None):
        on_progress(50, 100)
        halfway.set()
        release.wait(timeout=5)
        return real_read(path, known, choice, on_progress=on_progress)

    monkeypatch.setattr(importing, "read_statement", slow_read)
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        before = app.sub_title
        app.import_path(path)
        while not halfway.is_set():
            await pilot.pause(0.02)
        await pilot.pause(0.1)
        assert app.sub_title == "Importing big.csv: 50 %"
        release.set()
        await settle(app, pilot)
        assert app.sub_title == before
    assert "p1" in store.transactions
