"""``i`` (incomplete only) follows the company's representation accounts, as mark-ready does: a transaction on an
account the company counts as representation, without participants, is incomplete; one on a default representation
account the company does not count as such is complete."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from juni_tui.app import JuniApp
from juni_tui.domain.transactions import Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.screens.prepare import PrepareScreen


def _tx(tx_id: str, account: int) -> Transaction:
    return Transaction(id=tx_id, date=date(2026, 10, 7), merchant=f"Krog {tx_id}", amount=Decimal("-560.00"),
                       account=account, vat_code=VatCode.VAT12, no_receipt_reason="kvitto i mejl")


async def test_incomplete_only_uses_the_companys_representation_accounts(store):
    store.save_settings(store.settings.model_copy(update={"representation_accounts": (6072, 6075)}))
    store.commit([_tx("custom", 6075), _tx("default", 6071), _tx("plain", 5831)])
    app = JuniApp(store, sync_on_start=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PrepareScreen)
        assert [row for row in ("custom", "default", "plain") if screen.passes(row)] == ["custom"]
