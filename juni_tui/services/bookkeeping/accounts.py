"""The one-time move of the EU-goods output VAT account from 2615 to 2614.

Before issue 12 the default for ``RC_EU_GOODS`` was 2615, which is *import* VAT (box 60). Since BAS 2015 the output
VAT of every reverse charge, goods from the EU included, is on 2614 (box 30). A home that still holds the old
default is moved once, with a line in the audit log and a notice; a value the user set by hand (the Settings screen
writes "changed reverse_charge_goods_output_account" in the audit log) stays.
"""

from __future__ import annotations

from juni_tui.domain.settings import OLD_EU_GOODS_OUTPUT_ACCOUNT, Settings
from juni_tui.services.store import Store

FIELD = "reverse_charge_goods_output_account"
NEW_ACCOUNT = Settings.model_fields[FIELD].default


def _set_by_hand(store: Store) -> bool:
    return any(record.get("action") == "settings" and FIELD in str(record.get("details", ""))
               for record in store.audit_log())


def move_eu_goods_account(store: Store) -> str | None:
    """Move a home's EU-goods output VAT account from the old default 2615 to 2614, once; the notice, or None."""
    settings = store.settings
    if settings.eu_goods_account_reviewed or settings.reverse_charge_goods_output_account != OLD_EU_GOODS_OUTPUT_ACCOUNT:
        return None
    reviewed = settings.model_copy(update={"eu_goods_account_reviewed": True})
    if _set_by_hand(store):
        store.save_settings(reviewed, what=f"kept {FIELD} {OLD_EU_GOODS_OUTPUT_ACCOUNT}, set by hand")
        return None
    store.save_settings(reviewed.model_copy(update={FIELD: NEW_ACCOUNT}),
                        what=f"moved {FIELD} from {OLD_EU_GOODS_OUTPUT_ACCOUNT} to {NEW_ACCOUNT} (BAS since 2015: "
                             "output VAT on goods from the EU is box 30, not import VAT's box 60)")
    return (f"Goods bought from other EU countries are now booked with output VAT on {NEW_ACCOUNT} (box 30) "
            f"instead of {OLD_EU_GOODS_OUTPUT_ACCOUNT}, which is import VAT (box 60). Vouchers already in Fortnox "
            f"are unchanged; to keep {OLD_EU_GOODS_OUTPUT_ACCOUNT}, set it again in Settings.")
