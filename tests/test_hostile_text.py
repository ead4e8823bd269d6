"""Text from outside never drives the terminal: escape sequences in merchants, ids, file names, PDF text and rule
names are shown as visible codes, in every CLI command and in the TUI (GUIDE §7)."""

from __future__ import annotations

from decimal import Decimal

from juni_tui.cli import main
from juni_tui.domain.rules import Rule, RuleActions, RuleKind
from juni_tui.services import rules
from juni_tui.services.store import Store
from tests.conftest import make_tx
from tests.test_receipts import drop, pdf

#: Clear screen, OSC 52 (write the clipboard), an OSC 8 link, 8-bit CSI and OSC, a right-to-left override.
CLIPBOARD = "SGFja2VkIQ"
EVIL = (f"\x1b[2J\x1b[H\x1b]52;c;{CLIPBOARD}\x07\x1b]8;;http://evil.example/\x1b\\Evil\x1b]8;;\x1b\\"
        "\x9b31m\x9d0;pwned\x9c\u202eShop\x07")


def assert_safe(text: str, *, visible: tuple[str, ...] = ("\\x1b", "\\u202e"), payload: bool = False) -> None:
    """Nothing a terminal would obey, none of the payloads (unless a note quotes the text with ``repr``, which
    shows it inert), and the visible codes instead."""
    for raw in ("\x1b", "\x9b", "\x9d", "\x9c", "\x07", "\u202e"):
        assert raw not in text, f"{raw!r} reached the output"
    if not payload:
        assert CLIPBOARD not in text and "evil.example" not in text and "pwned" not in text
    for code in visible:  # the reader sees that something was there
        assert code in text


def run(home, *argv: str) -> int:
    return main(["--home", str(home.root), *argv])


def seed(home, *txs) -> None:
    with Store.open(home) as store:
        store.commit(list(txs))


def test_list_shows_escape_sequences_in_merchants_and_ids_as_codes(home, capsys):
    seed(home, make_tx("ev\x1b]52;c;SGFja2VkIQ\x07il", merchant=EVIL), make_tx("plain", merchant=f"Kjell {EVIL}"),
         make_tx("short", merchant="\u202eEvil\x1b[2J"))
    assert run(home, "list") == 0
    out = capsys.readouterr().out
    assert_safe(out)
    assert "Kjell" in out and "plain" in out and "\\u202eEvil\\x1b" in out


def test_mark_ready_refusals_show_the_merchant_safely(home, capsys):
    seed(home, make_tx("t1", merchant=EVIL))
    assert run(home, "mark-ready", "t1") == 1
    captured = capsys.readouterr()
    assert_safe(captured.err)
    assert "not ready: t1" in captured.err


def test_receipts_list_and_attach_show_hostile_file_names_and_pdf_text_safely(home, capsys, tmp_path):
    seed(home, make_tx("t1", merchant=EVIL, amount=Decimal("-104.00")))
    drop(home, "kvitto\x1b]52;c;SGFja2VkIQ\x07\u202e.pdf", pdf("Espresso House", total="104.00"))
    assert run(home, "receipts", "match") == 0
    assert_safe_or_absent(capsys.readouterr().out)
    assert run(home, "receipts", "list") == 0
    out = capsys.readouterr().out
    assert_safe(out, payload=True)  # the match note quotes the merchant with repr
    loose = tmp_path / "x\x1b[2J\u202e.pdf"
    loose.write_bytes(pdf("Espresso House", total="104.00"))
    run(home, "attach", "t1", str(loose))
    captured = capsys.readouterr()
    assert_safe(captured.out + captured.err)


def assert_safe_or_absent(text: str) -> None:
    """No raw control character (a note may quote a text with ``repr``, which shows its codes: that is safe)."""
    for raw in ("\x1b", "\x9b", "\x9d", "\x07", "\u202e"):
        assert raw not in text


def test_rules_list_and_apply_show_hostile_rule_names_and_merchants_safely(home, capsys):
    seed(home, make_tx("t1", merchant=f"Adobe {EVIL}"))
    with Store.open(home) as store:
        rules.add(store, Rule(kind=RuleKind.CUSTOM, name=f"Soft{EVIL}",
                              when={"match": "all", "conditions": [{"field": "merchant", "op": "contains",
                                                                    "value": "adobe"}]},
                              then=RuleActions(account=5420)))
    assert run(home, "rules", "list") == 0
    assert_safe(capsys.readouterr().out)
    assert run(home, "rules", "apply") == 0
    assert_safe(capsys.readouterr().out)


def test_an_error_message_quoting_a_hostile_id_is_shown_safely(home, capsys):
    seed(home, make_tx("t1"))
    run(home, "attach", "no\x1b]52;c;SGFja2VkIQ\x07such\u202e", str(home.root / "missing\x1b[2J.pdf"))
    err = capsys.readouterr().err
    assert "\x1b" not in err and CLIPBOARD not in err and "\u202e" not in err


# --- the TUI ----------------------------------------------------------------------------------------------------

MARKUP = "[@click=app.quit]Quit[/] [red]Red[/]"


def screen_text(app) -> str:
    """Every character the current screen draws (toasts and dialogs included), without the styles."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip if not segment.control) for strip in strips)


async def test_the_tui_shows_hostile_text_as_codes_in_tables_details_dialogs_and_toasts(home, tmp_path):
    from juni_tui.app import JuniApp
    from juni_tui.screens.modals.detail import DetailScreen
    from juni_tui.screens.modals.dialogs import Message
    from juni_tui.services import receipts

    seed(home, make_tx("t1", merchant=EVIL, description=f"Desc {EVIL}", cardholder=EVIL),
         make_tx("t2", merchant=MARKUP))
    with Store.open(home) as store:
        rules.add(store, Rule(kind=RuleKind.MERCHANT, merchant=f"Evil\u202e{MARKUP}\x1b[2J", then=RuleActions(account=5420)))
        receipts.add_receipt(store, pdf(EVIL, total="1250.00"), f"k\x1b]52;c;{CLIPBOARD}\x07\u202e.pdf", origin="manual")
        app = JuniApp(store, sync_on_start=False, watch_inbox=False)
        async with app.run_test(size=(150, 40), notifications=True) as pilot:
            await pilot.pause()
            shown = screen_text(app)
            assert_safe(shown, visible=("\\x1b",))  # the Prepare table (the merchant column is narrow)
            assert MARKUP in shown  # brackets shown as typed, not read as markup
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, DetailScreen)
            assert_safe(screen_text(app), visible=("\\x1b",))
            await pilot.press("escape", "down", "enter")
            await pilot.pause()
            assert MARKUP in screen_text(app) and app.is_running  # the detail view did not read it as markup
            await pilot.press("escape", "5")  # the Rules tab
            await pilot.pause(0.3)
            shown = screen_text(app)
            assert_safe(shown, visible=())
            assert "[@click=app.quit]" in shown
            await pilot.press("e")  # the rule editor: its inputs draw their values as they are
            await pilot.pause(0.2)
            assert_safe(screen_text(app), visible=("\\u202e",))
            await pilot.press("escape", "6")  # the Receipts tab
            await pilot.pause(0.3)
            assert_safe(screen_text(app))
            await pilot.press("1")
            bad = tmp_path / f"evil\x1b]52;c;{CLIPBOARD}\x07\u202e.csv"
            bad.write_text(f"id,date,merchant,amount\nx1,2026-10-01,{EVIL},-12.00x\n")
            app.import_path(bad)
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
            assert isinstance(app.screen, Message)
            assert_safe(screen_text(app), visible=("\\u202e",))  # the toast naming the file and the dialog
            app.notify(f"Fortnox said: {EVIL} {MARKUP}")
            await pilot.pause(0.2)
            shown = screen_text(app)
            assert_safe(shown)
            assert "[@click=app.quit]" in shown


def test_rules_export_to_the_terminal_writes_control_and_bidi_characters_as_escapes(home, capsys):
    name = "Soft\x9b2J\u202eware\x7f"
    with Store.open(home) as store:
        rules.add(store, Rule(kind=RuleKind.CUSTOM, name=name,
                              when={"match": "all", "conditions": [{"field": "merchant", "op": "regex",
                                                                    "value": "\\bsas\\b\u202e"}]},
                              then=RuleActions(account=5420)))
    assert run(home, "rules", "export", "-") == 0
    out = capsys.readouterr().out
    assert not set(out) & {"\x9b", "\u202e", "\x7f", "\x1b"}
    from juni_tui.services.rules import toml as rules_text

    (parsed,) = rules_text.parse_text(out)
    assert parsed.rule.name == name  # the escapes read back as the same text
