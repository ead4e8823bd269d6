"""The rule editor: add or change a rule (conditions with brackets, the values it fills), said in words as it is
typed; saved, it offers to apply the rule to the Prepare transactions it can fill (``edit_rule``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Select

from juni_tui.domain.rules import TEXT_CONDITION_FIELDS, Condition, ConditionField, ConditionGroup, Rule, RuleKind
from juni_tui.domain.vat import VatCode
from juni_tui.screens.modals.dialogs import DIALOG_CSS, Dialog, four_digits, parse_account
from juni_tui.screens.modals.rule_apply import offer_apply
from juni_tui.screens.shared.undoing import undo_step
from juni_tui.services import rules, workflow
from juni_tui.services.display import printable
from juni_tui.services.rules import RuleError
from juni_tui.services.store import Store, StoreError
from juni_tui.widgets.account_completion import AccountCompletion
from juni_tui.widgets.safe import SafeLabel, SafeStatic

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
    RuleEditor #form { height: auto; max-height: 60vh; }
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
                    initial: list[tuple[Condition | None, str]] = [*rows] or [(None, "")]
                    with Vertical(id="conditions"):
                        for condition, group in initial:
                            yield ConditionRow(condition, group)
                    yield SafeStatic("ctrl+n adds a condition, ctrl+d removes the one you are in. Conditions with the "
                                     "same letter go in brackets, joined the other way (or inside 'all', and inside "
                                     "'any').", classes="hint")
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
                with FormLine():
                    yield SafeLabel("Valid")
                    yield Input(rule.valid_from.isoformat() if rule and rule.valid_from else "", id="valid_from",
                                compact=True, placeholder="from YYYY-MM-DD (empty: always)", restrict=r"[0-9-]*",
                                max_length=10)
                    yield Input(rule.valid_to.isoformat() if rule and rule.valid_to else "", id="valid_to",
                                compact=True, placeholder="to YYYY-MM-DD (empty: open)", restrict=r"[0-9-]*",
                                max_length=10)
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
                        yield SafeLabel("Deductible %")
                        share = then.vat_deductible if then and then.vat_deductible is not None else None
                        yield Input(f"{share.normalize():f}" if share is not None else "", id="vat_deductible",
                                    compact=True, restrict=r"[0-9.,]*", max_length=6,
                                    placeholder="the share of the VAT that may be deducted, e.g. 50 (empty: not set)")
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
        yield AccountCompletion(account, self.store.accounts.values, prevent_default_enter=True)

    def _account_text(self, number: int | None) -> str:
        if number is None:
            return ""
        known = self.store.accounts.get(number)
        return known.label if known else str(number)

    def _categories(self) -> list[str]:
        return sorted(self.store.categories())

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
        for name, label in (("valid_from", "Valid from"), ("valid_to", "Valid to")):
            text = self.query_one(f"#{name}", Input).value.strip()
            if text:
                try:
                    data[name] = date.fromisoformat(text)
                except ValueError:
                    return None, f"{label}: {text!r} is not a date (YYYY-MM-DD)."
        then: dict[str, Any] = {}
        text = self.query_one("#account", Input).value.strip()
        if text and text.split()[0].isdigit():  # a number, or the completion's "5831 Representation"
            if not four_digits(text.split()[0]):
                return None, f"Account: {text.split()[0]} is not a four-digit account number."
            number = int(text.split()[0])
            try:
                workflow.check_value(self.store, "account", number)  # the one account check
            except workflow.WorkflowError as exc:
                return None, f"Account: {exc}"
            then["account"] = number
        elif text:  # a part of an account's name
            account, error = parse_account(self.store, text)
            if account is None:
                return None, f"Account: {error}"
            then["account"] = account.number
        vat = self.query_one("#vat_code", Select).value
        if vat is not Select.NULL:
            then["vat_code"] = vat
        for name in ("cost_center", "project", "no_receipt_reason", "vat_deductible"):
            box = self.query(f"#{name}")
            if box and (value := box.first(Input).value.strip()):
                then[name] = value.replace(",", ".") if name == "vat_deductible" else value
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
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter in a field goes on to the next one, as in a form: only ctrl+s or the Save button save the rule."""
        event.stop()
        self.focus_next()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        rule, error = self.parsed()
        if rule is None:
            self.query_one("#error", SafeStatic).update(error)
            return
        try:
            with undo_step(self.app, f"{rule.label} saved"):
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
