"""Tab 5, Rules: the accounting rules in priority order, their editor, the "apply to existing" preview, and the
rule keys of Prepare (suggestions from earlier exports, a merchant rule from an edited row).

Rules screen keys: ``n`` new rule, ``e`` edit, ``enter`` the transactions the rule matches now, ``x`` switch on or
off, ``D``/``delete`` delete, ``K``/``J`` move a custom rule up/down, ``A`` apply every rule to existing
transactions, ``/`` filter. Each rule shows how many Prepare and Ready transactions it matches; the counts are
made in a thread (``rules.match_counts``), so a big home does not hold up the keys.

After a rule is saved or switched on, every value it would fill on Prepare transactions is listed (transaction,
field, old → new) and nothing changes until the user says yes (``ApplyPreview``).

Prepare (``RuleKeys``): a suggestion from earlier exports shows in the Account and VAT cells as ``~5831 …`` in
dim italics, with its evidence under the table for the cursor row; ``s`` accepts it for the row or the selection.
``R`` proposes the merchant rule of the row the user just filled in. Suggestions are computed in a thread for the
rows on screen only, kept until the store changes, and never slow down the first paint.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Footer, Input, Select
from textual_autocomplete import AutoComplete, DropdownItem

from juni_tui.domain.rules import Condition, ConditionField, ConditionGroup, Rule, RuleKind, TEXT_CONDITION_FIELDS
from juni_tui.domain.transactions import Status, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.screens.shared import cells
from juni_tui.screens.modals.attach import tx_summary
from juni_tui.screens.base import TransactionsScreen
from juni_tui.screens.modals.dialogs import ChoicePicker, Confirm, DIALOG_CSS, Dialog, Message, parse_account
from juni_tui.screens.shared.errors import ReportsWorkerErrors
from juni_tui.services import rules
from juni_tui.services.display import printable
from juni_tui.services.rules import RuleChange, RuleError, Suggestion
from juni_tui.services.store import Store, StoreError
from juni_tui.widgets.nav import NavTabs
from juni_tui.widgets.safe import SafeLabel, SafeStatic
from juni_tui.widgets.table import Cell, Column, VirtualTable

if TYPE_CHECKING:
    from textual.app import App


# --- "apply to existing": the preview, then the user's yes ------------------------------------------------------


def change_value(store: Store, field: str, value: Any) -> str:
    """A value as the preview shows it: accounts with their name."""
    if field == "account" and value is not None:
        known = store.accounts.get(value)
        return f"{value} {known.description}" if known else str(value)
    return rules.format_value(field, value)


class ApplyPreview(Confirm):
    """Every value the rule(s) would fill, one line each; ``y`` applies them all, ``n``/escape changes nothing.
    (The keys are priority bindings: the list has focus, and its own escape would only clear a selection.)"""

    DEFAULT_CSS = DIALOG_CSS.format(name="ApplyPreview") + """
    ApplyPreview > Vertical { width: 116; }
    ApplyPreview VirtualTable { height: 12; margin-top: 1; }
    """
    BINDINGS = [
        Binding("y", "yes", "Apply", priority=True),
        Binding("n,escape", "cancel", "Not now", priority=True),
    ]
    COLUMNS = (
        Column("date", "Date", 10),
        Column("merchant", "Transaction", 0, min_width=16),
        Column("amount", "Amount SEK", 13, align="right"),
        Column("field", "Field", 17),
        Column("change", "Old → new", 0, min_width=20),
    )

    def __init__(self, store: Store, title: str, changes: Sequence[RuleChange]) -> None:
        super().__init__(title, "", yes="Apply")
        self.store = store
        self.changes = list(changes)

    def compose(self) -> ComposeResult:
        n_tx = len({c.tx_id for c in self.changes})
        n = len(self.changes)
        with Vertical():
            yield SafeLabel(self.title_text, classes="title")
            yield SafeStatic(
                f"It would fill {n} missing value{'s' * (n != 1)} on {n_tx} Prepare transaction{'s' * (n_tx != 1)}. "
                "Values set by hand and transactions past Prepare are left alone. Nothing changes until you say yes.",
                id="summary",
            )
            yield VirtualTable(self.COLUMNS, self._render_change)
            with Horizontal():
                yield Button("Not now (n)", id="no")
                yield Button(f"Apply to {n_tx} (y)", id="yes", variant="primary")

    def on_mount(self) -> None:
        table = self.query_one(VirtualTable)
        table.styles.height = min(len(self.changes) + 1, 16)
        table.set_rows([str(i) for i in range(len(self.changes))])
        table.focus()

    def _render_change(self, row_id: str) -> Sequence[Cell]:
        change = self.changes[int(row_id)]
        doc = self.store.transactions.raw(change.tx_id) or {}
        move = Text(change_value(self.store, change.field, change.old), "dim")
        move.append(" → ")
        move.append(change_value(self.store, change.field, change.new), style="cyan")
        return (doc.get("date", ""), change.merchant, cells.amount(Decimal(doc["amount"])) if doc else "",
                rules.FIELD_LABELS[change.field], move)


def offer_apply(node: Any, rule_list: Sequence[Rule] | None, what: str) -> None:
    """After a rule is saved or switched on (or ``A``): find what it would fill on Prepare transactions (in a thread:
    reading only), then show it and apply only on the user's yes. ``rule_list`` None: every enabled rule."""
    app: App = node.app
    store: Store = app.store  # type: ignore[attr-defined]

    async def run() -> None:
        chosen = None if rule_list is None else list(rule_list)
        changes = await asyncio.to_thread(rules.preview_apply_to_existing, store, chosen)
        for warning in changes.warnings:  # a rule whose pattern took too long: it was treated as not matching
            app.notify(warning, severity="warning", timeout=15)
        if not changes:
            app.notify(f"{what}: no Prepare transaction is missing a value it sets.")
            return

        def decided(yes: bool | None) -> None:
            if not yes:
                app.notify("Nothing was changed. The rule fills new transactions as they come in; A in tab 5 "
                           "shows this again.")
                return
            try:
                report = rules.apply_changes(store, changes)
            except StoreError as exc:
                app.notify(str(exc), severity="error", timeout=10)
                return
            app.notify(f"{report.summary.capitalize()}.")
            if report.skipped:
                lines = [f"• {c.describe()}: {why}" for c, why in report.skipped[:20]]
                if len(report.skipped) > 20:
                    lines.append(f"… and {len(report.skipped) - 20} more")
                app.push_screen(Message(f"{len(report.skipped)} values were left out", "\n".join(lines)))

        one = rule_list is not None and len(rule_list) == 1
        title = f"Apply {rule_list[0].label} to existing transactions?" if one and rule_list else (
            "Apply the rules to existing transactions?")
        app.push_screen(ApplyPreview(store, title, changes), decided)

    node.run_worker(run, group="rule-preview", exclusive=True, exit_on_error=False,
                    description="Previewing what the rule fills")


# --- the rule editor ------------------------------------------------------------------------------------------

FIELD_CHOICES = [
    ("merchant", "merchant"), ("description", "description"), ("card", "card"), ("cardholder", "cardholder"),
    ("category", "category"), ("amount SEK", "amount"), ("currency", "currency"), ("country", "country"),
]
#: The comparison and its negation in one choice: "contains" / "does not contain" (``negate``), as the rule says it.
TEXT_OPS = [("contains", "contains"), ("does not contain", "!contains"), ("is", "equals"), ("is not", "!equals"),
            ("matches regex", "regex"), ("does not match regex", "!regex")]
CODE_OPS = [("is", "equals"), ("is not", "!equals")]
OPS_OF = {
    **{f.value: TEXT_OPS for f in TEXT_CONDITION_FIELDS},
    "amount": [("between", "between"), ("not between", "!between")],
    "currency": CODE_OPS,
    "country": CODE_OPS,
}
PLACEHOLDERS = {"amount": "at least (SEK), or empty", "currency": "e.g. EUR", "country": "e.g. DE",
                "regex": "regular expression, e.g. ^sas\\b"}
GROUPS = [("—", ""), ("(A)", "A"), ("(B)", "B"), ("(C)", "C"), ("(D)", "D")]
VAT_CHOICES = [(f"{code.value}  {code.label}", code.value) for code in VatCode]


class ConditionRow(Horizontal):
    """One condition: field, comparison (negated or not), value (at least / at most for an amount), bracket group."""

    def __init__(self, condition: Condition | None = None, group: str = "") -> None:
        super().__init__()
        self.condition = condition
        self.group = group

    def compose(self) -> ComposeResult:
        c = self.condition
        field = c.field.value if c else "merchant"
        op = ("!" if c and c.negate else "") + (c.op.value if c else "contains")
        value = c.value or "" if c else ""
        if c is not None and c.field == ConditionField.AMOUNT:
            value = f"{c.min}" if c.min is not None else ""
        yield Select(FIELD_CHOICES, value=field, allow_blank=False, compact=True, classes="field", id="field")
        yield Select(OPS_OF[field], value=op, allow_blank=False, compact=True, classes="op", id="op")
        # an Input draws its value as it is: a value read from a file is shown (and kept) through the sanitiser
        yield Input(printable(value), placeholder=self._placeholder_for(field, op), compact=True, classes="value",
                    id="value")
        yield Input(f"{c.max}" if c is not None and c.max is not None else "", placeholder="at most (SEK)",
                    compact=True, classes="max", id="max")
        yield Select(GROUPS, value=self.group, allow_blank=False, compact=True, classes="group", id="group")

    @staticmethod
    def _placeholder_for(field: str, op: str) -> str:
        return PLACEHOLDERS.get(field) or PLACEHOLDERS.get(op.lstrip("!")) or "text (any case)"

    def on_mount(self) -> None:
        self.set_class(self.field == "amount", "-amount")

    @property
    def field(self) -> str:
        return str(self.query_one("#field", Select).value)

    @on(Select.Changed, "#field")
    def _field_changed(self, event: Select.Changed) -> None:
        field = str(event.value)
        ops = self.query_one("#op", Select)
        current = ops.value
        ops.set_options(OPS_OF[field])
        if current in {v for _, v in OPS_OF[field]}:
            ops.value = current
        self.set_class(field == "amount", "-amount")
        self._placeholder()

    @on(Select.Changed, "#op")
    def _placeholder(self) -> None:
        self.query_one("#value", Input).placeholder = self._placeholder_for(
            self.field, str(self.query_one("#op", Select).value))

    def is_blank(self) -> bool:
        return not any(i.value.strip() for i in self.query(Input))

    def read(self) -> tuple[str, dict[str, Any]]:
        """(group letter, the condition as plain data for ``rules.parse_rule``)."""
        field = self.field
        op = str(self.query_one("#op", Select).value)
        data: dict[str, Any] = {"field": field, "op": op.lstrip("!")}
        if op.startswith("!"):
            data["negate"] = True
        value = self.query_one("#value", Input).value.strip()
        if field == "amount":
            top = self.query_one("#max", Input).value.strip()
            if value:
                data["min"] = value
            if top:
                data["max"] = top
        else:
            data["value"] = value
        return str(self.query_one("#group", Select).value), data


def rows_of(rule: Rule | None) -> tuple[str, list[tuple[Condition, str]]]:
    """A custom rule's "when" as form rows: (top-level match, [(condition, group letter)]). A bracketed group gets a
    letter; a group joined like the top level needs no brackets and is flattened (it means the same)."""
    if rule is None or rule.when is None:
        return "all", []
    out: list[tuple[Condition, str]] = []
    letters = iter(v for _, v in GROUPS[1:])
    for item in rule.when.conditions:
        if isinstance(item, ConditionGroup):
            letter = next(letters, "") if item.match != rule.when.match and len(item.conditions) > 1 else ""
            out.extend((c, letter) for c in item.conditions)
        else:
            out.append((item, ""))
    return rule.when.match, out


def when_of(match: str, rows: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Form rows back to a "when": rows with the same group letter become one bracketed group (joined the other way
    from the top level), placed where its first row is."""
    inner = "any" if match == "all" else "all"
    items: list[dict[str, Any] | list[dict[str, Any]]] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for letter, data in rows:
        if not letter:
            items.append(data)
        elif letter in groups:
            groups[letter].append(data)
        else:
            groups[letter] = [data]
            items.append(groups[letter])
    conditions = [item if isinstance(item, dict) else item[0] if len(item) == 1
                  else {"match": inner, "conditions": item} for item in items]
    return {"match": match, "conditions": conditions}


class FormLine(Horizontal):
    """A label and its field, on one line."""


class RuleEditor(Dialog[Rule]):
    """Add or change a rule. Saves it itself (``rules.save``), so a refusal (a bad regex, a second rule for the same
    merchant, an account not in the chart) is shown here with its reason and nothing typed is lost; dismisses with
    the saved rule."""

    DEFAULT_CSS = DIALOG_CSS.format(name="RuleEditor") + """
    RuleEditor > Vertical { width: 112; }
    RuleEditor #form { height: auto; max-height: 24; }
    RuleEditor .section { text-style: bold; margin-top: 1; }
    RuleEditor #conditions { height: auto; }
    RuleEditor FormLine, RuleEditor ConditionRow { height: 1; margin: 0; align-horizontal: left; }
    RuleEditor SelectCurrent { margin: 0; }
    RuleEditor FormLine > Label { width: 14; }
    RuleEditor FormLine > Input, RuleEditor FormLine > Select { width: 1fr; }
    RuleEditor FormLine > .state { width: 18; margin-left: 2; }
    RuleEditor ConditionRow > * { margin-left: 1; }
    RuleEditor ConditionRow > .field { width: 15; margin-left: 14; }
    RuleEditor ConditionRow > .op { width: 24; }
    RuleEditor ConditionRow > .value { width: 1fr; }
    RuleEditor ConditionRow > .max { width: 16; display: none; }
    RuleEditor ConditionRow.-amount > .max { display: block; }
    RuleEditor ConditionRow > .group { width: 8; }
    RuleEditor Input.-textual-compact { background: $boost; }
    RuleEditor #said { margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+n", "add_condition", "Add condition"),
        Binding("ctrl+d", "remove_condition", "Remove condition"),
    ]

    def __init__(self, store: Store, kind: RuleKind, rule: Rule | None = None, title: str = "") -> None:
        super().__init__()
        self.store = store
        self.kind = rule.kind if rule is not None else kind
        self.rule = rule
        existing = bool(rule and rule.id and rule.id in rules.rules_table(store))
        self.title_text = title or (f"Change {rule.label}" if existing and rule else f"New {self.kind.value} rule")

    # --- layout ---

    def compose(self) -> ComposeResult:
        rule, kind = self.rule, self.kind
        then = rule.then if rule else None
        name_hint = {RuleKind.CUSTOM: "e.g. Flights abroad", RuleKind.MERCHANT: "(the merchant, if empty)",
                     RuleKind.CATEGORY: "(the category, if empty)"}[kind]
        with Vertical():
            yield SafeLabel(self.title_text, classes="title")
            with VerticalScroll(id="form"):
                with FormLine():
                    yield SafeLabel("Name")
                    yield Input(printable(rule.name if rule else ""), id="name", compact=True, placeholder=name_hint)
                    yield Select([("switched on", True), ("switched off", False)], value=rule.enabled if rule else True,
                                 allow_blank=False, compact=True, id="enabled", classes="state")
                if kind == RuleKind.CUSTOM:
                    match, rows = rows_of(rule)
                    with FormLine():
                        yield SafeLabel("When")
                        yield Select([("all of these are true (and)", "all"), ("any of these is true (or)", "any")],
                                     value=match, allow_blank=False, compact=True, id="match")
                    with Vertical(id="conditions"):
                        for condition, group in rows or [(None, "")]:
                            yield ConditionRow(condition, group)
                    yield SafeStatic("ctrl+n adds a condition, ctrl+d removes the one you are in. Conditions with the same "
                                 "letter go in brackets, joined the other way (or inside 'all', and inside 'any').",
                                 classes="hint")
                elif kind == RuleKind.MERCHANT:
                    with FormLine():
                        yield SafeLabel("Merchant")
                        yield Input(printable(rule.merchant or "" if rule else ""), id="merchant", compact=True,
                                    placeholder="as on the card statement; covers longer names too")
                else:
                    with FormLine():
                        yield SafeLabel("Category")
                        yield Input(printable(rule.category or "" if rule else ""), id="category", compact=True,
                                    placeholder="one of Juni's categories",
                                    suggester=SuggestFromList(self._categories(), case_sensitive=False))
                yield SafeLabel("Then fill in, where empty", classes="section")
                with FormLine():
                    yield SafeLabel("Account")
                    account = Input(self._account_text(then.account if then else None), id="account", compact=True,
                                    placeholder="number or part of the name (↓ lists them)")
                    yield account
                with FormLine():
                    yield SafeLabel("VAT code")
                    yield Select(VAT_CHOICES, value=then.vat_code.value if then and then.vat_code else Select.NULL,
                                 prompt="(not set by this rule)", compact=True, id="vat_code")
                if kind == RuleKind.CUSTOM:
                    for name, label, table in (("cost_center", "Cost center", self.store.cost_centers),
                                               ("project", "Project", self.store.projects)):
                        with FormLine():
                            yield SafeLabel(label)
                            yield Input(printable(getattr(then, name) or "" if then else ""), id=name, compact=True,
                                        placeholder="(not set by this rule)",
                                        suggester=SuggestFromList(sorted(table.keys()), case_sensitive=False))
                    with FormLine():
                        yield SafeLabel("No receipt")
                        yield Input(printable(then.no_receipt_reason or "" if then else ""), id="no_receipt_reason",
                                    compact=True,
                                    placeholder="why no receipt is needed (e.g. bank fee); empty: not set")
            yield SafeStatic("", id="said")
            yield SafeStatic("", classes="error", id="error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Save (ctrl+s)", id="save", variant="primary")
        # the chart, completed as in the AccountPicker; enter takes the highlighted account (and does not save yet)
        chart = sorted(self.store.accounts.values(), key=lambda a: a.number)
        yield AutoComplete(account, candidates=[DropdownItem(printable(a.label)) for a in chart if a.active],
                           prevent_default_enter=True)

    def _account_text(self, number: int | None) -> str:
        if number is None:
            return ""
        known = self.store.accounts.get(number)
        return known.label if known else str(number)

    def _categories(self) -> list[str]:
        raw = self.store.transactions.raw
        found = {doc["category"] for key in list(self.store.transactions.keys())
                 if (doc := raw(key)) is not None and doc.get("category")}
        return sorted(found)

    def on_mount(self) -> None:
        if self.rule is not None and self.rule.id:
            self.query_one("#name", Input).focus()
        else:
            self.query_one("#value" if self.kind == RuleKind.CUSTOM else f"#{self.kind.value}", Input).focus()
        self._describe()

    def condition_rows(self) -> list[ConditionRow]:
        return list(self.query(ConditionRow))

    # --- reading the form ---

    def read(self) -> tuple[dict[str, Any] | None, str]:
        """The form as plain data for ``rules.parse_rule``, or an error that names the field."""
        kind = self.kind
        data: dict[str, Any] = {"kind": kind.value, "name": self.query_one("#name", Input).value.strip(),
                                "enabled": self.query_one("#enabled", Select).value}
        if self.rule is not None and self.rule.id:
            data["id"] = self.rule.id
        if kind == RuleKind.CUSTOM:
            rows = [row.read() for row in self.condition_rows() if not row.is_blank()]
            if not rows:
                return None, "Add at least one condition: what the transactions it fills look like."
            data["when"] = when_of(str(self.query_one("#match", Select).value), rows)
        else:
            data[kind.value] = self.query_one(f"#{kind.value}", Input).value.strip()
        then: dict[str, Any] = {}
        text = self.query_one("#account", Input).value.strip()
        if text:
            if len(self.store.accounts) == 0 and text.split()[0].isdigit():
                then["account"] = int(text.split()[0])
            else:
                account, error = parse_account(self.store, text)
                if account is None:
                    return None, f"Account: {error}"
                then["account"] = account.number
        vat = self.query_one("#vat_code", Select).value
        if vat is not Select.NULL:
            then["vat_code"] = vat
        for name in ("cost_center", "project", "no_receipt_reason"):
            box = self.query(f"#{name}")
            if box and (value := box.first(Input).value.strip()):
                then[name] = value
        data["then"] = then
        return data, ""

    def parsed(self) -> tuple[Rule | None, str]:
        data, error = self.read()
        if data is None:
            return None, error
        try:
            return rules.parse_rule(data), ""
        except RuleError as exc:
            return None, str(exc)

    @on(Input.Changed)
    @on(Select.Changed)
    def _describe(self) -> None:
        """Say the rule in words as it is typed: the brackets and the and/or show exactly what it will match."""
        rule, error = self.parsed()
        said = self.query_one("#said", SafeStatic)
        if rule is None:
            said.update(Text(f"Not complete yet: {error}", style="dim italic"))
        else:
            said.update(Text(f"When {rules.describe_when(rule)}, fill in {rules.describe_then(rule)}."))

    # --- keys ---

    def action_add_condition(self) -> None:
        if self.kind != RuleKind.CUSTOM:
            return
        row = ConditionRow()
        self.query_one("#conditions", Vertical).mount(row)
        self.call_after_refresh(lambda: row.query_one("#value", Input).focus())

    def action_remove_condition(self) -> None:
        rows = self.condition_rows()
        if len(rows) <= 1:
            return
        focused = self.focused
        row = next((r for r in rows if focused is not None and focused in r.walk_children()), rows[-1])
        row.remove()
        self.call_after_refresh(self._describe)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        rule, error = self.parsed()
        if rule is None:
            self.query_one("#error", SafeStatic).update(error)
            return
        try:
            saved = rules.save(self.store, rule)
        except StoreError as exc:  # RuleError included: a duplicate merchant, an account not in the chart
            self.query_one("#error", SafeStatic).update(str(exc))
            return
        self.dismiss(saved)


def edit_rule(node: Any, kind: RuleKind, rule: Rule | None = None, title: str = "") -> None:
    """Open the editor; once saved, offer to apply the rule to the Prepare transactions it can fill."""
    store: Store = node.app.store

    def saved(rule: Rule | None) -> None:
        if rule is None:
            return
        state = "" if rule.enabled else " (switched off: it fills nothing until x switches it on)"
        node.app.notify(f"Saved {rule.label}{state}")
        if rule.enabled:
            offer_apply(node, [rule], rule.label)

    node.app.push_screen(RuleEditor(store, kind, rule, title), saved)


# --- the transactions a rule matches (enter) ------------------------------------------------------------------


class MatchesScreen(ReportsWorkerErrors, ModalScreen[None]):
    """The Prepare and Ready transactions a rule's conditions match now; ``enter`` opens one."""

    DEFAULT_CSS = """
    MatchesScreen { align: center middle; }
    MatchesScreen > Vertical { width: 95%; height: 90%; border: thick $accent; background: $surface; padding: 0 1; }
    MatchesScreen .title { text-style: bold; height: auto; }
    """
    BINDINGS = [Binding("escape,q", "close", "Back", priority=True), Binding("enter", "open", "Details")]
    COLUMNS = (Column("tab", "Tab", 7), *cells.TRANSACTION_COLUMNS)

    def __init__(self, rule: Rule) -> None:
        super().__init__()
        self.rule = rule
        self.matches: rules.RuleMatches | None = None

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield SafeStatic(Text(f"{self.rule.label}: finding the transactions it matches…"), classes="title", id="head")
            yield VirtualTable(self.COLUMNS, self.render_row, empty_text="No Prepare or Ready transaction matches now.")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(VirtualTable).focus()
        self.run_worker(self._load, group="rule-matches", exclusive=True, exit_on_error=False)

    async def _load(self) -> None:
        found = await asyncio.to_thread(rules.matching_ids, self.store, self.rule)
        self.matches = found
        head = Text(f"{self.rule.label} matches {found.count} transaction{'s' * (found.count != 1)} now: ",
                    style="bold")
        head.append(f"{len(found.prepare)} in Prepare, {len(found.ready)} ready to export", style="")
        head.append(f"    when {rules.describe_when(self.rule)}", style="dim")
        if not self.rule.enabled:
            head.append("    (switched off: it fills nothing)", style="yellow")
        if found.warning:
            head.append(f"\n{found.warning}", style="bold yellow")
        self.query_one("#head", SafeStatic).update(head)
        self.query_one(VirtualTable).set_rows(found.ids)

    def render_row(self, row_id: str) -> Sequence[Cell]:
        tx = self.store.transactions.get(row_id)
        if tx is None:
            return [""] * len(self.COLUMNS)
        tab = Text("ready", "green") if tx.status == Status.READY else Text(tx.status.label)
        return (tab, *cells.transaction_row(self.store, tx))

    def apply_changes(self, changed: set[str]) -> None:
        self.query_one(VirtualTable).refresh_rows(changed)

    @on(VirtualTable.Activated)
    def _activated(self, event: VirtualTable.Activated) -> None:
        self._open(event.row_id)

    def action_open(self) -> None:
        row_id = self.query_one(VirtualTable).cursor_id
        if row_id is not None:
            self._open(row_id)

    def _open(self, row_id: str) -> None:
        from juni_tui.screens.modals.detail import DetailScreen

        self.app.push_screen(DetailScreen(row_id))

    def action_close(self) -> None:
        self.dismiss(None)


# --- tab 5 ----------------------------------------------------------------------------------------------------

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
        Column("kind", "Kind", 10),
        Column("name", "Name", 22),
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

    def reload(self) -> None:
        self._load()
        super().reload()
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

    def raw(self, row_id: str) -> dict[str, Any] | None:
        return None

    def matches(self, row_id: str, query: str) -> bool:
        rule = self._rules.get(row_id)
        if rule is None:
            return False
        text = " ".join([rule.kind.value, rule.name, rules.describe_when(rule), rules.describe_then(rule)])
        return query in text.lower()

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
        self.run_worker(self._count, group="rule-counts", exclusive=True, exit_on_error=False,
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
            rules.move(self.store, rule.id, by=by)
        except StoreError as exc:
            self.notify(str(exc), severity="warning", timeout=8)
            return
        self.reload()  # the cursor stays on the rule

    def action_apply_all(self) -> None:
        offer_apply(self, None, "The rules")


# --- Prepare: suggestions, s and R ----------------------------------------------------------------------------

ACCOUNT_COLUMN = [c.key for c in cells.TRANSACTION_COLUMNS].index("account")
VAT_COLUMN = [c.key for c in cells.TRANSACTION_COLUMNS].index("vat")
SUGGESTED_STYLE = "dim italic magenta"


class _Suggestions:
    """What Prepare knows of the suggestions: per row the last answer (shown until a newer one comes), which answers
    are current, and the rows waiting for one."""

    def __init__(self) -> None:
        self.known: dict[str, Suggestion | None] = {}
        self.fresh: set[str] = set()
        self.wanted: set[str] = set()
        self.generation = 0
        self.running = False
        self.scheduled = False
        self.noted: Suggestion | None = None  # what the bar under the table says now

    def stale(self) -> None:
        self.fresh.clear()
        self.generation += 1


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


class RuleKeys:
    """Mixin for Prepare (a TransactionsScreen): suggestions in the Account and VAT cells, ``s`` accepts them for the
    row or the selection, ``R`` proposes a merchant rule from the row."""

    store: Store
    table: VirtualTable
    app: Any
    notify: Any
    targets: Callable[[], list[str]]
    run_worker: Any
    update_selection_bar: Callable[[], None]

    #: Rows looked at around the screen (above and below), so that scrolling finds their suggestions ready.
    PREFETCH_PAGES = 1

    @property
    def _rule_suggestions(self) -> _Suggestions:
        state = self.__dict__.get("_rule_suggestions_state")
        if state is None:
            state = self.__dict__["_rule_suggestions_state"] = _Suggestions()
        return state

    # --- the cells ---

    def rule_suggestion(self, tx_id: str) -> Suggestion | None:
        """The suggestion shown for a row; asks for it (in a thread) when it is not known yet."""
        state = self._rule_suggestions
        if tx_id not in state.fresh:
            state.wanted.add(tx_id)
            self._schedule_suggestions()
        return state.known.get(tx_id)

    def with_rule_suggestion(self, tx: Transaction, row: Sequence[Cell]) -> tuple[Cell, ...]:
        """A Prepare row with its suggestion, if a value is missing that no rule fills and earlier exports agree on."""
        if tx.splits or (tx.account is not None and tx.vat_code is not None):
            return tuple(row)
        suggestion = self.rule_suggestion(tx.id)
        if suggestion is None:
            return tuple(row)
        out = list(row)
        for column, cell in suggested_cells(self.store, suggestion).items():
            if getattr(tx, "account" if column == ACCOUNT_COLUMN else "vat_code") is None:
                out[column] = cell
        return tuple(out)

    def suggestion_note(self) -> Text:
        """For the bar under the table: the cursor row's suggestion with its evidence, and the key that accepts it."""
        suggestion = self._cursor_suggestion()
        self._rule_suggestions.noted = suggestion
        if suggestion is None:
            return Text()
        text = Text("~ ", style="magenta")
        text.append(f"{suggestion.evidence}: ", style="italic")
        text.append("s accepts", style="bold")
        return text

    def on_virtual_table_cursor_moved(self, event: VirtualTable.CursorMoved) -> None:
        self._refresh_note()

    def _cursor_suggestion(self) -> Suggestion | None:
        row_id = self.table.cursor_id
        return self._rule_suggestions.known.get(row_id) if row_id else None

    def _refresh_note(self) -> None:
        """Redraw the bar only when what it says changes: a key press stays cheap."""
        if self._cursor_suggestion() != self._rule_suggestions.noted:
            self.update_selection_bar()

    # --- keeping them current ---

    def _schedule_suggestions(self) -> None:
        state = self._rule_suggestions
        if not state.scheduled and not state.running:
            state.scheduled = True
            self.app.call_later(self._start_suggestions)  # after this paint: the rows on screen ask together

    def _window(self) -> list[str]:
        table = self.table
        page = max(1, table.size.height)
        top = int(table.scroll_offset.y)
        return table.row_ids[max(0, top - page * self.PREFETCH_PAGES): top + page * (1 + self.PREFETCH_PAGES)]

    def _start_suggestions(self) -> None:
        state = self._rule_suggestions
        state.scheduled = False
        if state.running or not state.wanted:
            return
        ids = list(dict.fromkeys([*state.wanted, *(i for i in self._window() if i not in state.fresh)]))
        state.wanted.clear()
        state.running = True
        self.run_worker(partial(self._suggest, ids, state.generation), group="rule-suggestions", exit_on_error=False,
                        description="Suggestions from earlier exports")

    async def _suggest(self, ids: list[str], generation: int) -> None:
        state = self._rule_suggestions
        try:
            found = await asyncio.to_thread(rules.suggestions, self.store, ids)
        finally:
            state.running = False
        if generation != state.generation:  # the store changed meanwhile: ask again for what is on screen
            state.wanted.update(i for i in ids if i in set(self._window()))
        else:
            moved = [i for i in ids if state.known.get(i) != found.get(i)]
            for tx_id in ids:
                state.known[tx_id] = found.get(tx_id)
            state.fresh.update(ids)
            if moved:
                self.table.refresh_rows(moved)
                self._refresh_note()
        if state.wanted:
            self._schedule_suggestions()

    def _suggestions_changed(self, changed: set[str]) -> None:
        state = self._rule_suggestions
        state.stale()  # a rule, a value or an export changes what is suggested: ask again for the rows on screen
        if state.known:
            state.wanted.update(i for i in self._window() if i in state.known)
            self._schedule_suggestions()

    def apply_changes(self, changed: set[str]) -> None:
        self._suggestions_changed(changed)
        super().apply_changes(changed)  # type: ignore[misc]

    def on_screen_resume(self) -> None:
        self._suggestions_changed({"*"})

    # --- s ---

    def action_accept_rule_suggestion(self) -> None:
        ids = self.targets()
        if not ids:
            return
        try:
            report = rules.accept_suggestions(self.store, ids)
        except StoreError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        if report.applied:
            left = len(ids) - len(report.changed_ids)
            self.notify(f"Suggestion accepted: {report.summary}" + (f"; {left} had none" if left > 1 or (
                left and len(ids) > 1) else ""))
        elif len(ids) == 1:
            self.notify(f"No suggestion for {tx_summary(self.store, ids[0])}: earlier exports of the merchant do not "
                        "agree on a value it is missing (or there are none).", severity="warning", timeout=8)
        else:
            self.notify(f"None of the {len(ids)} selected has a suggestion.", severity="warning")

    # --- R ---

    def action_rule_from_row(self) -> None:
        ids = self.targets()
        if len(ids) != 1:
            if ids:
                self.notify(f"A merchant rule is made from one row, and {len(ids)} are selected: press R on one row "
                            "(escape clears the selection).", severity="warning", timeout=8)
            return
        tx = self.store.transactions.get(ids[0])
        if tx is None:
            return
        try:
            proposal = rules.merchant_rule_from(tx, self.store)
        except RuleError as exc:
            self.notify(str(exc), severity="warning", timeout=8)
            return
        existing = bool(proposal.id)
        title = (f"Change {proposal.label} to what {tx.merchant} has now" if existing
                 else f"New merchant rule from {tx.merchant} {tx.date}")
        edit_rule(self, RuleKind.MERCHANT, proposal, title)


def describe_suggestion(store: Store, suggestion: Suggestion) -> Text:
    """For the detail view: what is suggested, from what, and how to take it."""
    values = ", ".join(f"{rules.FIELD_LABELS[k]} {change_value(store, k, v)}" for k, v in suggestion.values.items())
    text = Text(f"~ {values}", style="magenta")
    text.append(f"  ({suggestion.evidence}; s in tab 1 accepts)", style="dim")
    return text
