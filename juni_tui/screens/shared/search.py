"""What ``/`` finds: a transaction whose date, merchant, description, cardholder, amount or account matches every
word typed, without regard to case or accents (``umea`` finds ``Umeå``, ``2026-09`` a month, ``1250`` an amount)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from juni_tui.domain.money import MoneyError, to_money
from juni_tui.services.display import fold
from juni_tui.services.store import HistoryView, Store, TxView

#: what a tab's filter reads of a row: the store's projection of a transaction or of an exported one
RowView = TxView | HistoryView


@lru_cache(maxsize=256)
def _query_amount(word: str) -> Decimal | None:
    """A word of the query as an amount (None if it is not one): parsed once per query, not once per row."""
    if word.count("-") > 1 or "-" in word[1:]:  # 2026-09 is a month, not an amount
        return None
    try:
        return abs(to_money(word))
    except MoneyError:
        return None


def query_words(query: str) -> tuple[str, ...]:
    """What the user typed, folded and split into words; a grouped amount (``1 250,00``) stays one word."""
    folded = fold(query.strip())
    joined = " ".join(folded.split())
    if _query_amount(joined.replace(" ", "")) is not None:
        return (joined.replace(" ", ""),)
    return tuple(joined.split())


def _amount_matches(amount: Decimal, word: str) -> bool:
    wanted = _query_amount(word)
    if wanted is None:
        return False
    amount = abs(amount)
    return amount == wanted or str(amount).startswith(str(wanted).rstrip("0").rstrip("."))


def matches_query(store: Store, view: RowView, words: tuple[str, ...]) -> bool:
    """Does a row match every word: in its date, merchant, description, cardholder, account or amount?"""
    texts = [view.date.isoformat(), fold(view.merchant)]
    if isinstance(view, TxView):
        texts += [fold(view.description or ""), fold(view.cardholder or "")]
    account = view.account
    if account is not None:
        texts.append(str(account))
        known = store.accounts.get(account)
        if known:
            texts.append(fold(known.description))
    for word in words:
        if not any(word in text for text in texts) and not _amount_matches(view.amount, word):
            return False
    return True
