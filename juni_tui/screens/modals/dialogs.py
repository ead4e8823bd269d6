"""Modal dialogs: pick an account, a VAT code, a series or a dimension; type a reason or a path; confirm."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Generic, TypeVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList
from textual.widgets.option_list import Option
from textual_autocomplete._path_autocomplete import PathAutoComplete

from juni_tui.domain.reference import Account
from juni_tui.domain.vat import VatCode
from juni_tui.screens.shared.errors import ReportsWorkerErrors
from juni_tui.services import workflow
from juni_tui.services.display import printable
from juni_tui.services.store import Store
from juni_tui.widgets.account_completion import AccountCompletion, rank_accounts
from juni_tui.widgets.safe import SafeLabel, SafeStatic, plain

T = TypeVar("T")

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 76; max-width: 95%; height: auto; max-height: 95%; overflow-y: auto;
    border: thick $accent; background: $surface; padding: 1 2;
}}
{name} .title {{ text-style: bold; margin-bottom: 1; }}
{name} .hint {{ color: $text-muted; margin-top: 1; }}
{name} .error {{ color: $error; margin-top: 1; }}
{name} OptionList {{ height: auto; max-height: 50vh; }}
{name} Horizontal {{ height: auto; margin-top: 1; align-horizontal: right; }}
{name} Button {{ margin-left: 2; }}
"""


class Dialog(ReportsWorkerErrors, ModalScreen[T], Generic[T]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


# --- accounts -------------------------------------------------------------------------------------------------


def four_digits(word: str) -> bool:
    """An account number as typed: four ASCII digits, 1000–9999 (``"²".isdigit()`` is true, but not a number)."""
    return len(word) == 4 and word.isascii() and word.isdigit() and word[0] != "0"


def parse_account(store: Store, text: str) -> tuple[Account | None, str]:
    """The account a user typed: a number, "6540 IT-tjänster", or a unique part of a name."""
    text = text.strip()
    if not text:
        return None, "Type an account number or a part of its name."
    head = text.split()[0]
    if head.isdigit():
        if not four_digits(head):
            return None, f"{head} is not a four-digit account number."
        number = int(head)
    else:
        hits = rank_accounts(store.accounts.values(), text, limit=2)
        if len(hits) != 1:
            return None, ("Several active accounts match; press ↓ to pick one from the list." if hits
                          else f"No active account matches {text!r}.")
        number = hits[0].number
    try:
        workflow.check_account(store, number)
    except workflow.WorkflowError as exc:
        return None, str(exc)
    account = store.accounts.get(number)
    if account is None:  # no chart yet: nothing to pick from
        return None, f"Account {number} is not in the chart of accounts in Fortnox: sync with Fortnox first (F5 in tab 7)."
    return account, ""


class AccountPicker(Dialog[int]):
    """Completion over the chart by number or by name; only active accounts are accepted."""

    DEFAULT_CSS = DIALOG_CSS.format(name="AccountPicker")

    def __init__(self, store: Store, title: str, current: int | None = None) -> None:
        super().__init__()
        self.store = store
        self.title_text = title
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield SafeLabel(self.title_text, classes="title")
            box = Input(value=str(self.current or ""), placeholder="e.g. 6540 or 'it-tjänster'", id="account")
            yield box
            yield SafeStatic("", classes="error", id="error")
            yield SafeStatic("Type a number or words of the name; ↓ to pick, enter to choose, escape to cancel.",
                             classes="hint")
        # enter takes the highlighted account (after ↓) and submits it: one key, as in a form
        yield AccountCompletion(box, self.store.accounts.values, prevent_default_enter=False)

    def on_mount(self) -> None:
        if len(self.store.accounts) == 0:
            self.query_one("#error", SafeStatic).update(
                "The chart of accounts has not been fetched from Fortnox yet; any account number is accepted now "
                "and checked before export."
            )

    @on(Input.Submitted, "#account")
    def _submit(self, event: Input.Submitted) -> None:
        words = event.value.split()
        if len(self.store.accounts) == 0 and words and words[0].isdigit():
            if not four_digits(words[0]):
                self.query_one("#error", SafeStatic).update(f"{words[0]} is not a four-digit account number.")
                return
            self.dismiss(int(words[0]))
            return
        account, error = parse_account(self.store, event.value)
        if account is None:
            self.query_one("#error", SafeStatic).update(error)
            return
        self.dismiss(account.number)


# --- choices --------------------------------------------------------------------------------------------------


class ChoicePicker(Dialog[T], Generic[T]):
    """Pick one of a few values from a list (VAT codes, voucher series, cost centers, projects)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ChoicePicker")

    def __init__(self, title: str, choices: Sequence[tuple[T, str]], current: T | None = None, hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.current = current
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield SafeLabel(self.title_text, classes="title")
            yield OptionList(*[Option(plain(label, multiline=False), id=str(i)) for i, (_, label) in enumerate(self.choices)])
            if self.hint:
                yield SafeStatic(self.hint, classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for i, (value, _) in enumerate(self.choices):
            if value == self.current:
                options.highlighted = i
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)][0])


def vat_picker(current: VatCode | None, suggestion: VatCode | None = None) -> ChoicePicker[VatCode]:
    choices = [(code, f"{code.value:<20} {code.label}" + ("   ← suggested by the account" if code == suggestion else ""))
               for code in VatCode]
    return ChoicePicker("VAT code", choices, current or suggestion)


# --- text -----------------------------------------------------------------------------------------------------


class PathCompletion(PathAutoComplete):
    """Tab completes the path; enter submits what is typed (textual-autocomplete would complete on enter too).

    Relies on ``_listen_to_messages`` of textual-autocomplete 4.0.6 (pinned); the TUI import test covers it."""

    def _listen_to_messages(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and event.key == "enter":
            self.action_hide()
            return
        super()._listen_to_messages(event)


class TextPrompt(Dialog[str]):
    DEFAULT_CSS = DIALOG_CSS.format(name="TextPrompt")

    def __init__(self, title: str, value: str = "", placeholder: str = "", hint: str = "", *,
                 paths: bool = False, validate: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.hint = hint
        self.paths = paths
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical():
            yield SafeLabel(self.title_text, classes="title")
            box = Input(value=printable(self.value), placeholder=self.placeholder, id="text")  # drawn as it is
            yield box
            yield SafeStatic("", classes="error", id="error")
            if self.hint:
                yield SafeStatic(self.hint, classes="hint")
        if self.paths:
            yield PathCompletion(box, path=Path.cwd(), folder_prefix=Content("▸ "), file_prefix=Content("  "))

    @on(Input.Submitted, "#text")
    def _submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if self.validate is not None:
            error = self.validate(value)
            if error:
                self.query_one("#error", SafeStatic).update(error)
                return
        self.dismiss(value)


class Confirm(Dialog[bool]):
    DEFAULT_CSS = DIALOG_CSS.format(name="Confirm")
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("y", "yes", "Yes"), Binding("n", "cancel", "No")]

    def __init__(self, title: str, body: str, yes: str = "Yes") -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.yes_label = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield SafeLabel(self.title_text, classes="title")
            yield SafeStatic(self.body)
            with Horizontal():
                yield Button("Cancel (n)", id="no")
                yield Button(f"{self.yes_label} (y)", id="yes", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class Message(Dialog[None]):
    """A longer message (refusals with their reasons) that stays until dismissed."""

    DEFAULT_CSS = DIALOG_CSS.format(name="Message") + """
    Message VerticalScroll { height: auto; max-height: 60vh; }
    """
    BINDINGS = [Binding("escape,enter,q", "cancel", "Close")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield SafeLabel(self.title_text, classes="title")
            with VerticalScroll():
                yield SafeStatic(self.body, markup=False)
            yield SafeStatic("enter or escape to close", classes="hint")
