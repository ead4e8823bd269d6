"""Tab 5, Rules: the accounting rules in priority order.

Keys: ``n`` new rule, ``e`` edit, ``enter`` the transactions the rule matches now, ``x`` switch on or off,
``D``/``delete`` delete, ``K``/``J`` move a custom rule up/down, ``A`` apply every rule to existing transactions,
``/`` filter. Each rule shows how many Prepare and Ready transactions it matches; the counts are made in a thread
(``rules.match_counts``), so a big home does not hold up the keys.

After a rule is saved or switched on, every value it would fill on Prepare transactions is listed (transaction,
field, old → new) and nothing changes until the user says yes (``modals/rule_apply.py``). The editor is
``modals/rule_editor.py``; the rule keys of Prepare are ``shared/rule_keys.py``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding

from juni_tui.domain.rules import Rule, RuleKind
from juni_tui.screens.base import RowView, TransactionsScreen
from juni_tui.screens.modals.dialogs import ChoicePicker, Confirm
from juni_tui.screens.modals.rule_apply import offer_apply
from juni_tui.screens.modals.rule_editor import edit_rule
from juni_tui.screens.modals.rule_matches import MatchesScreen
from juni_tui.screens.shared.undoing import UNDO_BINDING, undo_step
from juni_tui.services import rules
from juni_tui.services.display import fold
from juni_tui.services.store import Store, StoreError
from juni_tui.widgets.nav import NavTabs
from juni_tui.widgets.safe import SafeStatic
from juni_tui.widgets.table import Cell, Column

KIND_CHOICES = [
    (RuleKind.CUSTOM, "Custom rule     conditions on merchant, description, card, category, amount, currency, "
                      "country → any value"),
    (RuleKind.MERCHANT, "Merchant rule   a merchant → account and/or VAT code"),
    (RuleKind.CATEGORY, "Category rule   one of Juni's categories → account and VAT code"),
]


class RulesScreen(TransactionsScreen):
    MODE = "rules"
    STATUSES = ()
    EMPTY = ("No rules yet. n adds one; R in tab 1 makes a merchant rule from a row you filled in; "
             "`juni-tui rules import FILE` reads a rules file.")
    FILTER_HINT = "Filter by name, merchant, condition or value"
    COLUMNS = (
        Column("kind", "Kind", 10, priority=2),
        Column("name", "Name", 0, min_width=16, priority=3),
        Column("when", "When", 0, min_width=20),
        Column("then", "Then", 0, min_width=18),
        Column("on", "On", 3),
        Column("matches", "Matches", 7, align="right"),
    )
    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("enter", "details", "Matches"),
        Binding("n", "new_rule", "New"),
        Binding("e", "edit_rule", "Edit"),
        Binding("x", "toggle_enabled", "On/off"),
        Binding("D,delete", "delete_rules", "Delete", key_display="D"),
        Binding("K", "move(-1)", "Move up"),
        Binding("J", "move(1)", "Move down"),
        Binding("A", "apply_all", "Apply all"),
        UNDO_BINDING,
    ]

    #: How long the match counts wait after a change before counting again (changes come in bursts).
    RECOUNT_SECONDS = 0.3

    def __init__(self) -> None:
        super().__init__()
        self._rules: dict[str, Rule] = {}
        self._order: list[str] = []
        #: rule id → (the rule as it was counted, how many it matched): shown only while the rule is unchanged
        self._counts: dict[str, tuple[Rule, int]] = {}
        self._warned: set[str] = set()  # warnings about slow rules already said
        self._counting = False
        self._recount_timer: Any = None

    @staticmethod
    def tab_count(store: Store) -> int:
        return len(rules.rules_table(store))

    # --- rows ---

    def _load(self) -> None:
        listed = rules.list_rules(self.store)
        self._rules = {r.id: r for r in listed}
        self._order = [r.id for r in listed]

    def all_ids(self) -> list[str]:
        return self._order

    def reload(self, keep: set[str] | frozenset[str] = frozenset()) -> None:
        self._load()
        super().reload(keep)
        self.table.invalidate()  # a rule's row changes with the rule, not with a transaction

    def on_mount(self) -> None:
        super().on_mount()
        self.recount()

    def on_screen_resume(self) -> None:
        self.recount()

    def apply_changes(self, changed: set[str]) -> None:
        self.reload()
        self.query_one(NavTabs).update_counts()
        self._recount_soon()

    def view(self, row_id: str) -> RowView | None:
        return None

    def matches(self, row_id: str, query: str) -> bool:
        rule = self._rules.get(row_id)
        if rule is None:
            return False
        text = " ".join([rule.kind.value, rule.name, rules.describe_when(rule), rules.describe_then(rule)])
        return fold(query) in fold(text)

    def render_row(self, row_id: str) -> Sequence[Cell]:
        rule = self._rules.get(row_id)
        if rule is None:
            return [""] * len(self.COLUMNS)
        kind = f"custom {rule.position}" if rule.kind == RuleKind.CUSTOM else rule.kind.value
        counted = self._counts.get(rule.id)
        count = (Text(str(counted[1]), "" if counted[1] else "dim") if counted and counted[0] == rule
                 else Text("…", "dim"))
        style = "" if rule.enabled else "dim"
        return (Text(kind, style), Text(rule.name, style), Text(rules.describe_when(rule), style),
                Text(rules.describe_then(rule), style),
                Text("on", "green") if rule.enabled else Text("off", "bold red"), count)

    def update_selection_bar(self) -> None:
        table = self.table
        kinds = Counter(r.kind for r in self._rules.values())
        off = sum(not r.enabled for r in self._rules.values())
        text = Text()
        text.append(f"{len(table.selected)} selected", style="bold" if table.selected else "dim")
        text.append(f"    {len(self._rules)} rules: {kinds[RuleKind.CUSTOM]} custom · {kinds[RuleKind.MERCHANT]} "
                    f"merchant · {kinds[RuleKind.CATEGORY]} category", style="dim")
        if off:
            text.append(f" · {off} switched off", style="yellow")
        if len(table.row_ids) != len(self._order):
            text.append(f"    {len(table.row_ids)} shown", style="dim")
        if self.query_text:
            text.append(f"    filter: {self.query_text}", style="italic")
        text.append("    first match wins: custom (in order, K/J) › merchant › category", style="dim")
        self.query_one("#selection", SafeStatic).update(text)

    # --- match counts, in a thread ---

    def _recount_soon(self) -> None:
        if self._recount_timer is not None:
            self._recount_timer.stop()
        self._recount_timer = self.set_timer(self.RECOUNT_SECONDS, self.recount)

    def recount(self) -> None:
        self._recount_timer = None
        self.run_worker(self._count, group="rule-counts", exclusive=True, exit_on_error=False,  # type: ignore[arg-type]  # Textual types the worker as returning Never
                        description="Counting the transactions each rule matches")

    async def _count(self) -> None:
        listed = list(self._rules.values())
        counts = await asyncio.to_thread(rules.match_counts, self.store, listed)
        self._counts = {r.id: (r, counts[r.id]) for r in listed if r.id in counts}
        self.table.invalidate()
        for warning in counts.warnings:  # said once per pattern and session, not at every recount
            if warning not in self._warned:
                self._warned.add(warning)
                self.notify(warning, severity="warning", timeout=15)

    # --- keys ---

    def _cursor_rule(self) -> Rule | None:
        row_id = self.table.cursor_id
        return self._rules.get(row_id) if row_id else None

    def _target_rules(self) -> list[Rule]:
        return [self._rules[i] for i in self.targets() if i in self._rules]

    def open_details(self, row_id: str) -> None:
        rule = self._rules.get(row_id)
        if rule is not None:
            self.app.push_screen(MatchesScreen(rule))

    def action_new_rule(self) -> None:
        def chosen(kind: RuleKind | None) -> None:
            if kind is not None:
                edit_rule(self, kind)

        self.app.push_screen(ChoicePicker("New rule: which kind?", KIND_CHOICES,
                                          hint="Custom rules come first (in the order you give them), then merchant "
                                               "rules, then category rules."), chosen)

    def action_edit_rule(self) -> None:
        rule = self._cursor_rule()
        if rule is not None:
            edit_rule(self, rule.kind, rule)

    def action_toggle_enabled(self) -> None:
        targets = self._target_rules()
        if not targets:
            return
        enable = not all(r.enabled for r in targets)
        try:
            with undo_step(self.app, f"Rules switched {'on' if enable else 'off'}"):
                changed = rules.set_enabled(self.store, [r.id for r in targets], enable)
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        self.reload()  # at once, not with the next streamed change
        names = changed[0].label if len(changed) == 1 else f"{len(changed)} rules"
        self.notify(f"{names} switched {'on' if enable else 'off'}" if changed else "Nothing changed.")
        if enable and changed:
            offer_apply(self, changed, names)

    def action_delete_rules(self) -> None:
        targets = self._target_rules()
        if not targets:
            return
        listing = "\n".join(f"• {r.label}: when {rules.describe_when(r)}" for r in targets[:12])
        if len(targets) > 12:
            listing += f"\n… and {len(targets) - 12} more"

        def decided(yes: bool | None) -> None:
            if not yes:
                return
            try:
                with undo_step(self.app, "Rules deleted" if len(targets) > 1 else f"{targets[0].label} deleted"):
                    gone = rules.delete(self.store, [r.id for r in targets])
            except StoreError as exc:
                self.notify(str(exc), severity="error")
                return
            self.table.select(set())
            self.reload()
            self.notify(f"Deleted {gone[0].label}" if len(gone) == 1 else f"Deleted {len(gone)} rules")

        what = targets[0].label if len(targets) == 1 else f"{len(targets)} rules"
        self.app.push_screen(Confirm(f"Delete {what}?", listing + "\n\nValues they filled stay, with their label.",
                                     yes="Delete"), decided)

    def action_move(self, by: int) -> None:
        rule = self._cursor_rule()
        if rule is None:
            return
        try:
            with undo_step(self.app, f"{rule.label} moved"):
                rules.move(self.store, rule.id, by=by)
        except StoreError as exc:
            self.notify(str(exc), severity="warning", timeout=8)
            return
        self.reload()  # the cursor stays on the rule

    def action_apply_all(self) -> None:
        offer_apply(self, None, "The rules")
