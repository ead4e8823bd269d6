"""How rule values and suggestions are drawn wherever they show: a value with its account name, a suggestion's
``~5831 …`` cells in Prepare, a suggestion in the detail view."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from juni_tui.domain.vat import VatCode
from juni_tui.screens.shared import cells
from juni_tui.services import rules
from juni_tui.services.rules import Suggestion
from juni_tui.services.store import Store


def change_value(store: Store, field: str, value: Any) -> str:
    """A value as the preview shows it: accounts with their name."""
    if field == "account" and value is not None:
        known = store.accounts.get(value)
        return f"{value} {known.description}" if known else str(value)
    return rules.format_value(field, value)


ACCOUNT_COLUMN = [c.key for c in cells.TRANSACTION_COLUMNS].index("account")
VAT_COLUMN = [c.key for c in cells.TRANSACTION_COLUMNS].index("vat")
SUGGESTED_STYLE = "dim italic magenta"


def suggested_cells(store: Store, suggestion: Suggestion) -> dict[int, Text]:
    """The Account and VAT cells of a suggestion: ``~5831 Representation`` and ``~12 %``, dim italic magenta."""
    out: dict[int, Text] = {}
    account = suggestion.values.get("account")
    if account is not None:
        known = store.accounts.get(account)
        out[ACCOUNT_COLUMN] = Text(f"~{account} {known.description}" if known else f"~{account}", SUGGESTED_STYLE)
    vat = suggestion.values.get("vat_code")
    if vat is not None:
        out[VAT_COLUMN] = Text(f"~{cells.VAT_SHORT[VatCode(vat)]}", SUGGESTED_STYLE)
    return out


def describe_suggestion(store: Store, suggestion: Suggestion) -> Text:
    """For the detail view: what is suggested, from what, and how to take it."""
    values = ", ".join(f"{rules.FIELD_LABELS[k]} {change_value(store, k, v)}" for k, v in suggestion.values.items())
    text = Text(f"~ {values}", style="magenta")
    text.append(f"  ({suggestion.evidence}; s in tab 1 accepts)", style="dim")
    return text
