"""The one-time move of the EU-goods output VAT account from the old default 2615 to 2614 (BAS since 2015)."""

from __future__ import annotations

from juni_tui.cli import main
from juni_tui.domain.settings import Settings
from juni_tui.services.store import Store


def _saved(home, settings: Settings, what: str) -> None:
    with Store.open(home) as store:
        store.save_settings(settings, what=what)


def _list(home) -> int:
    """A command that writes (the move waits for one: a command that only looks, or a dry run, writes nothing)."""
    main(["--home", str(home.root), "mark-ready", "--all"])  # nothing to mark: exits 1, and says so
    return 0


def test_a_command_that_only_looks_does_not_move_it(home, capsys):
    _saved(home, Settings(reverse_charge_goods_output_account=2615), "settings changed")
    assert main(["--home", str(home.root), "list"]) == 0
    assert "2614" not in capsys.readouterr().err
    with Store.open(home) as store:
        assert store.settings.reverse_charge_goods_output_account == 2615


def test_a_home_with_the_old_default_is_moved_once_with_an_audit_line_and_a_notice(home, capsys):
    _saved(home, Settings(reverse_charge_goods_output_account=2615), "settings changed")
    assert _list(home) == 0
    err = capsys.readouterr().err
    assert "now booked with output VAT on 2614 (box 30) instead of 2615" in err
    with Store.open(home) as store:
        assert store.settings.reverse_charge_goods_output_account == 2614
        assert store.settings.eu_goods_account_reviewed
        moves = [r for r in store.audit_log() if "moved reverse_charge_goods_output_account" in str(r.get("details"))]
    assert len(moves) == 1
    assert _list(home) == 0
    assert "2614" not in capsys.readouterr().err  # once


def test_a_value_set_by_hand_stays(home, capsys):
    _saved(home, Settings(reverse_charge_goods_output_account=2615),
           "changed reverse_charge_goods_output_account")
    assert _list(home) == 0
    assert "2614" not in capsys.readouterr().err
    with Store.open(home) as store:
        assert store.settings.reverse_charge_goods_output_account == 2615


def test_a_new_home_books_eu_goods_on_2614_and_is_not_written_to(home, capsys):
    assert _list(home) == 0
    assert "2614" not in capsys.readouterr().err
    with Store.open(home) as store:
        assert store.settings.reverse_charge_goods_output_account == 2614
        assert store.audit_log() == []


async def test_the_tui_moves_the_old_default_at_start_and_says_so(home):
    from juni_tui.app import JuniApp

    _saved(home, Settings(reverse_charge_goods_output_account=2615), "settings changed")
    notes: list[str] = []
    with Store.open(home) as store:
        app = JuniApp(store, sync_on_start=False)
        original = app.notify
        app.notify = lambda message, **kw: (notes.append(str(message)), original(message, **kw))[1]
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
        assert store.settings.reverse_charge_goods_output_account == 2614
    assert any("now booked with output VAT on 2614 (box 30)" in note for note in notes)
