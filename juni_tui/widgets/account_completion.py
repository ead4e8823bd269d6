"""Completion over the chart of accounts, by number or by words of the name, for the picker, the inline editor
and the rule editor.

The order is an accountant's: for a purchase, the cost accounts (classes 4–7, then 8) come first, then assets,
and liabilities, equity and revenue last ("logi" offers 5810 Biljetter and 5831 Logi before 2940); words match
from their start and without accents ("tjanster" finds "IT-tjänster"). Nothing is highlighted until ↓ is
pressed, so enter never takes an account the user did not see chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual import events
from textual.widgets import Input
from textual_autocomplete import AutoComplete, DropdownItem, TargetState

from juni_tui.domain.reference import Account
from juni_tui.services.display import fold, printable

#: Most shown at once: enough to scroll, few enough to stay fast with a 400-account chart on every key.
LIMIT = 40


def account_class_rank(number: int) -> int:
    """How well an account fits a purchase: costs (4–7) first, financial items (8), assets (1), then the
    balance-sheet's other side (2) and revenue (3)."""
    return {4: 0, 5: 0, 6: 0, 7: 0, 8: 1, 1: 2, 2: 3, 3: 4}.get(number // 1000, 5)


def is_balance_sheet(number: int) -> bool:
    """1xxx–2xxx: assets, liabilities and equity. On a purchase it is rarely meant (a question is asked first)."""
    return 1000 <= number < 3000


def rank_accounts(accounts: Iterable[Account], query: str, limit: int = LIMIT) -> list[Account]:
    """The active accounts that match ``query`` (a number's first digits, or words each starting a word of the
    name, accents and case ignored), best first."""
    words = fold(query).split()
    scored: list[tuple[tuple[int, int, int], Account]] = []
    for account in accounts:
        if not account.active:
            continue
        if not words:
            scored.append(((account_class_rank(account.number), 0, account.number), account))
            continue
        number = str(account.number)
        name_words = fold(account.description).replace("-", " ").replace("/", " ").split()
        name = " ".join(name_words)
        quality = 0
        for word in words:
            if word.isdigit() and number.startswith(word):
                continue
            if any(w.startswith(word) for w in name_words):
                continue
            if word in name:
                quality = max(quality, 1)  # inside a word: shown, after the words that start with it
                continue
            break
        else:
            scored.append(((account_class_rank(account.number), quality, account.number), account))
    scored.sort(key=lambda item: item[0])
    return [account for _, account in scored[:limit]]


class AccountCompletion(AutoComplete):
    """The chart, completed as described above, under an ``Input``. ``enter`` with nothing highlighted submits
    what was typed (checked by the screen); with an account highlighted (↓), it takes that one."""

    def __init__(self, target: Input, chart: Callable[[], Iterable[Account]], **kwargs: object) -> None:
        """``chart`` gives the accounts when they are needed: a sync may bring a new chart meanwhile."""
        super().__init__(target, candidates=self._candidates, **kwargs)  # type: ignore[arg-type]
        self.chart = chart

    def _candidates(self, state: TargetState) -> list[DropdownItem]:
        return []  # get_matches ranks the chart itself

    def get_search_string(self, target_state: TargetState) -> str:
        return target_state.text

    def get_matches(self, target_state: TargetState, candidates: list[DropdownItem],
                    search_string: str) -> list[DropdownItem]:
        return [DropdownItem(printable(a.label)) for a in rank_accounts(self.chart(), search_string)]

    def should_show_dropdown(self, search_string: str) -> bool:
        return bool(search_string.strip()) and super().should_show_dropdown(search_string)

    def _rebuild_options(self, target_state: TargetState, search_string: str) -> None:
        super()._rebuild_options(target_state, search_string)
        self.option_list.highlighted = None  # never pre-selected: ↓ picks

    def _listen_to_messages(self, event: events.Event) -> None:
        # textual-autocomplete 4.0.6 (pinned) takes the first item on enter, and ↓ from nothing goes to the second
        if isinstance(event, events.Key) and self.option_list.highlighted is None and self.display:
            if event.key in ("enter", "tab"):
                return  # what was typed, as typed
            if event.key == "down" and self.option_list.option_count:
                event.prevent_default()
                event.stop()
                self.option_list.highlighted = 0
                return
        super()._listen_to_messages(event)
