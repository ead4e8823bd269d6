"""The headless receipt commands: ``receipts match``, ``receipts list``, ``receipts confirm|reject`` and ``attach``."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from juni_tui.cli import main
from juni_tui.domain.receipts import MatchState
from juni_tui.services.store import Store
from tests.conftest import make_tx
from tests.test_receipts import drop, exported, image, pdf

DAY = date(2026, 10, 5)


def setup(home, *txs) -> None:
    with Store.open(home) as store:
        store.commit(list(txs))


def run(home, *argv) -> int:
    return main(["--home", str(home.root), *argv])


def test_receipts_match_reports_every_tier_and_every_refusal(home, capsys):
    setup(home,
          make_tx("t1", merchant="ESPRESSO HOUSE 12", amount=Decimal("-104.00")),
          make_tx("t2", merchant="Adobe", amount=Decimal("-1250.00")),
          make_tx("t3", merchant="Adobe", amount=Decimal("-1250.00")))
    drop(home, "espresso.pdf", pdf("Espresso House", DAY, "104.00"))
    drop(home, "adobe.pdf", pdf("Adobe", DAY, "1250.00"))
    drop(home, "hotel.pdf", pdf("Hotel Rival", DAY, "2400.00"))
    drop(home, "fake.pdf", image("PNG"))
    assert run(home, "receipts", "match") == 0
    out = capsys.readouterr().out
    assert "3 added, 1 refused; 1 auto-matched, 1 suggested, 1 unmatched" in out
    assert "fake.pdf: fake.pdf is not what its name says" in out
    assert "Auto-matched and attached (1):\n  espresso.pdf → t1  2026-10-05  ESPRESSO HOUSE 12  -104,00 SEK" in out
    suggested = out.split("Suggested (1)")[1].split("Unmatched")[0]
    assert "t2  2026-10-05  Adobe" in suggested and "t3  2026-10-05  Adobe" in suggested
    assert "hotel.pdf: no transaction waiting for a receipt is 2 400,00 SEK" in out
    with Store.open(home) as store:
        assert store.transactions["t1"].attachment_complete


def test_receipts_match_json_says_what_happened_to_each_file(home, capsys):
    drop(home, "a.pdf", pdf())
    drop(home, "fake.pdf", image("PNG"))
    assert run(home, "receipts", "match", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert {f["name"]: f["outcome"] for f in report["files"]} == {"a.pdf": "added", "fake.pdf": "refused"}
    assert report["counts"] == {"auto": 0, "suggested": 0, "unmatched": 1}


def test_receipts_list_unmatched_json(home, capsys):
    setup(home, make_tx("t1", merchant="Espresso House", amount=Decimal("-104.00")))
    drop(home, "espresso.pdf", pdf("Espresso House", DAY, "104.00"))
    drop(home, "hotel.pdf", pdf("Hotel Rival", DAY, "2400.00"))
    run(home, "receipts", "match")
    capsys.readouterr()
    assert run(home, "receipts", "list", "--json") == 0
    every = json.loads(capsys.readouterr().out)
    assert [(r["filename"], r["state"], r["transaction_id"]) for r in every] == [
        ("hotel.pdf", "unmatched", None), ("espresso.pdf", "auto", "t1")]
    assert every[0]["amount"] == 2400 and every[0]["date"] == "2026-10-05"
    assert run(home, "receipts", "list", "--unmatched", "--json") == 0
    assert [r["filename"] for r in json.loads(capsys.readouterr().out)] == ["hotel.pdf"]


def test_confirm_and_reject_from_the_command_line(home, capsys):
    setup(home, make_tx("t1", merchant="Adobe", amount=Decimal("-1250.00")),
          make_tx("t2", merchant="Adobe", amount=Decimal("-1250.00")))
    drop(home, "adobe.pdf", pdf("Adobe", DAY, "1250.00"))
    run(home, "receipts", "match")
    assert run(home, "receipts", "reject", "adobe.pdf", "t1") == 0
    assert "adobe.pdf will not be matched to t1 again; still suggested: t2" in capsys.readouterr().out
    with Store.open(home) as store:
        receipt_id = next(iter(store.receipts.keys()))
    assert run(home, "receipts", "confirm", receipt_id[:8], "t2") == 0
    with Store.open(home) as store:
        assert store.transactions["t2"].receipts == (receipt_id,)
        assert store.receipts[receipt_id].match == MatchState.CONFIRMED


def test_attach_attaches_a_file_to_a_transaction(home, tmp_path, capsys):
    setup(home, make_tx("t1"))
    (tmp_path / "skärmbild.png").write_bytes(image("PNG"))
    assert run(home, "attach", "t1", str(tmp_path / "skärmbild.png")) == 0
    assert "Attached skärmbild.jpg (PNG converted to JPEG) to t1  2026-10-05  Adobe" in capsys.readouterr().out
    with Store.open(home) as store:
        assert len(store.transactions["t1"].receipts) == 1


def test_attach_refuses_an_exported_transaction_an_unknown_id_and_a_bad_file(home, tmp_path, capsys):
    setup(home, exported(make_tx("done")), make_tx("t1"))
    good, bad = tmp_path / "a.pdf", tmp_path / "b.pdf"
    good.write_bytes(pdf())
    bad.write_bytes(image("PNG"))
    assert run(home, "attach", "done", str(good)) == 1
    assert "was exported to Fortnox as voucher A 1 and can no longer be given another receipt" in capsys.readouterr().err
    assert run(home, "attach", "nope", str(good)) == 1
    assert "There is no transaction nope" in capsys.readouterr().err
    assert run(home, "attach", "t1", str(bad)) == 1
    assert "b.pdf is not what its name says" in capsys.readouterr().err
    assert run(home, "attach", "t1", str(tmp_path / "missing.pdf")) == 1
    assert "no such file" in capsys.readouterr().err
    with Store.open(home) as store:
        assert store.transactions["t1"].receipts == () and len(store.receipts) == 0
