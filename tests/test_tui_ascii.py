"""Any terminal (issue 13, item 2): ASCII when the locale is not UTF-8, or when --ascii or the setting says so."""

from __future__ import annotations

from decimal import Decimal

import pytest

from juni_tui.app import JuniApp, wants_ascii
from juni_tui.cli import build_parser
from juni_tui.domain.money import format_sek
from juni_tui.services.display import locale_wants_ascii, printable, to_ascii, use_ascii
from juni_tui.widgets.table import VirtualTable
from tests.conftest import make_tx


@pytest.fixture(autouse=True)
def unicode_after():
    yield
    use_ascii(False)


@pytest.mark.parametrize(("env", "ascii"), [
    ({"LANG": "sv_SE.UTF-8"}, False),
    ({"LANG": "C.UTF-8"}, False),
    ({"LANG": "sv_SE.UTF-8", "LC_ALL": "C"}, True),
    ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, True),  # Python's own coercion of a C locale (PEP 538)
    ({}, True),
    ({"LANG": "sv_SE.ISO-8859-1"}, True),
    ({"LANG": "sv_SE"}, True),
    ({"LC_CTYPE": "en_US.utf8"}, False),
])
def test_the_locale_says_whether_the_terminal_shows_unicode(env, ascii):
    assert locale_wants_ascii(env) is ascii


def test_one_switch_turns_marks_amounts_and_outside_text_to_ascii():
    use_ascii(True)
    assert format_sek(Decimal("-1234567.5")) == "-1 234 567,50"
    assert printable("Umeå … → ✔") == "Umea ... -> [x]"
    assert to_ascii("╭─✔…╮", keep_width=True) == "+-x.+"
    use_ascii(False)
    assert format_sek(Decimal("-1234.5")) == "-1\u202f234,50"
    assert printable("Umeå …") == "Umeå …"


async def test_a_c_locale_draws_the_table_in_ascii_with_checkmarks_of_different_shapes(store, monkeypatch):
    monkeypatch.setenv("LANG", "C")
    monkeypatch.setenv("LC_CTYPE", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    store.commit([make_tx("t1", merchant="Preem Umeå Ersboda Bensinstation", account=5410, no_receipt_reason=None)])
    assert wants_ascii(store.settings.display)  # what `juni-tui` and `juni-tui demo` ask before they open the app
    app = JuniApp(store, sync_on_start=False, watch_inbox=False, ascii=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(VirtualTable)
        line = "".join(segment.text for segment in table.render_line(1))
        assert line.isascii() and "Preem Umea" in line and "-1 250,00" in line and "[ ] [ ]" in line
        assert "Preem Umea E... " in line  # cut with three dots


async def test_the_display_setting_forces_ascii(store):
    store.save_settings(store.settings.model_copy(update={"display": "ascii"}))
    app = JuniApp(store, sync_on_start=False, watch_inbox=False)
    assert app.ascii


def test_tui_and_demo_take_ascii():
    parser = build_parser()
    assert parser.parse_args(["tui", "--ascii"]).ascii is True
    assert parser.parse_args(["demo", "--ascii"]).ascii is True
    assert parser.parse_args(["tui"]).ascii is None  # the locale and the setting decide
    assert wants_ascii("unicode", None) is False and wants_ascii("unicode", True) is True
