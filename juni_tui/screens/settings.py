"""Tab 7, Settings: the Fortnox connection, the payment account, the default series, VAT accounts, the inbox."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Select, Switch

from juni_tui.domain.settings import ReportingPair
from juni_tui.screens.modals.dialogs import DIALOG_CSS, Dialog
from juni_tui.screens.shared.errors import ReportsWorkerErrors
from juni_tui.services import workflow
from juni_tui.services.fortnox import oauth as auth
from juni_tui.services.fortnox.client import DEFAULT_TIMEOUT
from juni_tui.services.fortnox.errors import FortnoxError
from juni_tui.services.fortnox.redirect import code_from_pasted, is_loopback, wait_for_redirect
from juni_tui.services.store import Store
from juni_tui.widgets.footer import KeysFooter
from juni_tui.widgets.nav import NavTabs
from juni_tui.widgets.safe import SafeLabel, SafeStatic, plain

ACCOUNT_FIELDS = (
    ("payment_account", "Payment account (the card's bank or clearing account)"),
    ("input_vat_account", "Input VAT (ingående moms)"),
    ("reverse_charge_input_account", "Reverse charge: calculated input VAT"),
    ("reverse_charge_services_output_account", "Reverse charge: output VAT, services from abroad"),
    ("reverse_charge_goods_output_account", "Reverse charge: output VAT, goods from the EU"),
)
PAIR_FIELDS = (
    ("eu_services_account", "EU services (box 21)"),
    ("non_eu_services_account", "Non-EU services (box 22)"),
    ("eu_goods_account", "EU goods (box 20)"),
    ("contra_account", "Contra account"),
)


#: The VAT section (issue 12): each a list of account numbers (or account:percent), where the value lives, and
#: how many accounts it takes (None: any number).
VAT_LIST_FIELDS: tuple[tuple[str, str, tuple[str, ...], int | None], ...] = (
    ("rc_rates", "Reverse charge: output VAT 12 % / 6 %",
     ("reverse_charge_output_12_account", "reverse_charge_output_6_account"), 2),
    ("import_rates", "Import of goods: output VAT 25 / 12 / 6 %",
     ("import_output_account", "import_output_12_account", "import_output_6_account"), 3),
    ("pair_eu_services_rates", "Reporting pair: EU services 12 / 6 %",
     ("pair.eu_services_12_account", "pair.eu_services_6_account"), 2),
    ("pair_non_eu_services_rates", "Reporting pair: non-EU services 12 / 6 %",
     ("pair.non_eu_services_12_account", "pair.non_eu_services_6_account"), 2),
    ("pair_eu_goods_rates", "Reporting pair: EU goods 12 / 6 %",
     ("pair.eu_goods_12_account", "pair.eu_goods_6_account"), 2),
    ("pair_import", "Reporting pair: import 25 / 12 / 6 % and contra",
     ("pair.import_account", "pair.import_12_account", "pair.import_6_account", "pair.import_contra_account"), 4),
    ("representation_accounts", "Representation accounts (participants asked)", ("representation_accounts",),
     None),
    ("allowed_balance_accounts", "Balance accounts allowed as a cost", ("allowed_balance_accounts",), None),
    ("twelve_percent_accounts", "Accounts where 12 % VAT is expected", ("twelve_percent_accounts",), None),
)
SHARES_HINT = "account:percent, e.g. 5615:50 5820:50"


def _numbers(settings: Any, names: tuple[str, ...]) -> str:
    values = [getattr(settings.reporting_pair, n[5:]) if n.startswith("pair.") else getattr(settings, n)
              for n in names]
    flat = [v for value in values for v in (value if isinstance(value, tuple) else (value,))]
    return " ".join(str(v) for v in flat)


def parse_accounts(text: str, label: str, count: int | None, errors: list[str]) -> list[int] | None:
    """Account numbers separated by spaces or commas; ``count`` of them when the field takes a fixed number."""
    words = text.replace(",", " ").split()
    if not all(w.isdigit() and len(w) == 4 for w in words) or (count is not None and len(words) != count):
        want = f"{count} four-digit account numbers" if count else "four-digit account numbers"
        errors.append(f"{label}: {want}, separated by spaces")
        return None
    return [int(w) for w in words]


def parse_shares(text: str, errors: list[str]) -> dict[int, Decimal] | None:
    """``5615:50 5820:50`` → {5615: 50, 5820: 50}: the deductible VAT share by account."""
    out: dict[int, Decimal] = {}
    for word in text.replace(",", " ").split():
        account, _, share = word.partition(":")
        try:
            value = Decimal(share.replace("%", ""))
        except ArithmeticError:
            value = Decimal(-1)
        if not (account.isdigit() and len(account) == 4) or not 0 <= value <= 100:
            errors.append(f"Deductible VAT share: {word!r} is not account:percent ({SHARES_HINT})")
            return None
        out[int(account)] = value
    return out


class SettingsScreen(ReportsWorkerErrors, Screen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("f5", "sync", "Sync with Fortnox"),
        Binding("f6", "connect", "Connect Fortnox"),
    ]
    DEFAULT_CSS = """
    SettingsScreen VerticalScroll { padding: 0 2; }
    SettingsScreen .section { text-style: bold underline; margin-top: 1; }
    SettingsScreen Horizontal { height: auto; }
    SettingsScreen .field { width: 1fr; max-width: 56; min-width: 20; padding-top: 1; }
    SettingsScreen Input { width: 30; }
    SettingsScreen Input.-invalid { border: tall $error; }
    SettingsScreen Select { width: 40; }
    SettingsScreen #connection { margin: 1 0; }
    SettingsScreen #error { color: $error; }
    SettingsScreen Button { margin-right: 2; }
    """

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        settings = self.store.settings
        yield NavTabs("settings")
        with VerticalScroll():
            yield SafeLabel("Fortnox", classes="section")
            yield SafeStatic(id="connection")
            with Horizontal():
                yield Button("Sync now (F5)", id="sync")
                yield Button("Connect… (F6)", id="connect")
            yield SafeLabel("Bookkeeping", classes="section")
            for name, label in ACCOUNT_FIELDS:
                with Horizontal():
                    yield SafeLabel(label, classes="field")
                    yield Input(str(getattr(settings, name)), id=name, restrict=r"[0-9]*", max_length=4)
            with Horizontal():
                yield SafeLabel("Default voucher series", classes="field")
                series = sorted((s for s in self.store.voucher_series.values() if s.manual), key=lambda s: s.code)
                yield Select([(plain(f"{s.code} {s.description}", multiline=False), s.code) for s in series], id="default_series",
                             value=settings.default_series if settings.default_series in {s.code for s in series}
                             else Select.NULL, allow_blank=True)
            yield SafeLabel("Reverse charge: reporting pair for the VAT return", classes="section")
            with Horizontal():
                yield SafeLabel("Add the reporting pair rows", classes="field")
                yield Switch(settings.reporting_pair.enabled, id="pair_enabled")
            for name, label in PAIR_FIELDS:
                with Horizontal():
                    yield SafeLabel(label, classes="field")
                    yield Input(str(getattr(settings.reporting_pair, name)), id=f"pair_{name}", restrict=r"[0-9]*",
                                max_length=4)
            yield SafeLabel("VAT: other rates, import, representation, checks", classes="section")
            for field_id, label, names, _count in VAT_LIST_FIELDS:
                with Horizontal():
                    yield SafeLabel(label, classes="field")
                    yield Input(_numbers(settings, names), id=field_id, restrict=r"[0-9 ,]*")
            with Horizontal():
                yield SafeLabel("Deductible VAT share by account", classes="field")
                yield Input(" ".join(f"{a}:{s.normalize():f}" for a, s in sorted(settings.deductible_shares.items())),
                            id="deductible_shares", placeholder=SHARES_HINT, restrict=r"[0-9 ,:.%]*")
            yield SafeLabel("Receipts", classes="section")
            with Horizontal():
                yield SafeLabel("Receipt inbox folder", classes="field")
                yield Input(settings.inbox_dir or str(self.store.home.default_inbox), id="inbox_dir")
            yield SafeLabel("Display", classes="section")
            with Horizontal():
                yield SafeLabel("Characters (from the next start; --ascii forces ASCII)", classes="field")
                yield Select([("follow the terminal's locale", "auto"), ("Unicode (✔ ✘ …)", "unicode"),
                              ("ASCII only ([x] [ ] ...)", "ascii")], id="display", value=settings.display,
                             allow_blank=False)
            yield SafeStatic(id="error")
            with Horizontal():
                yield Button("Save (ctrl+s)", id="save", variant="primary")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.show_connection()

    def on_screen_resume(self) -> None:
        self.show_connection()
        self.query_one(NavTabs).update_counts()

    def apply_changes(self, changed: set[str]) -> None:
        self.query_one(NavTabs).update_counts()
        self.show_connection()

    def show_connection(self) -> None:
        settings = self.store.settings
        fx = settings.fortnox
        lines = []
        try:
            auth.resolve_connection(self.store.home, fx)
        except FortnoxError as exc:
            lines.append(f"Not connected. {exc}")
        else:
            mode = {"service": "service account", "oauth": "authorization (rotating refresh token)"}.get(
                fx.mode or "", "service account from the environment")
            lines.append(f"Connected to {fx.api_url} with a {mode}.")
            if settings.company_name:
                lines.append(f"Company: {settings.company_name}, org number {settings.org_number or '—'}")
            lines.append(f"Chart of accounts: {len(self.store.accounts)} accounts; "
                         f"{len(self.store.voucher_series)} voucher series; {len(self.store.cost_centers)} cost "
                         f"centers; {len(self.store.projects)} projects.")
        error = getattr(self.app, "connection_error", None)
        if error:
            lines.append(f"Last sync failed: {error}")
        self.query_one("#connection", SafeStatic).update("\n".join(lines))

    # --- saving ---

    def _number(self, widget_id: str, label: str, errors: list[tuple[str, str]]) -> int | None:
        box = self.query_one(f"#{widget_id}", Input)
        value = box.value.strip()
        box.remove_class("-invalid")
        if not value.isdigit() or len(value) != 4:
            errors.append((widget_id, f"{label}: a four-digit account number"))
            box.add_class("-invalid")
            return None
        number = int(value)
        try:
            workflow.check_account(self.store, number)
        except workflow.WorkflowError as exc:
            errors.append((widget_id, f"{label}: {exc}"))
            box.add_class("-invalid")
        return number

    def _inbox_dir(self) -> str | None:
        """The inbox as typed; the default folder shown for an unset one stays unset (it follows the home)."""
        value = self.query_one("#inbox_dir", Input).value.strip()
        if not value or (self.store.settings.inbox_dir is None and value == str(self.store.home.default_inbox)):
            return None
        return value

    def _default_series(self) -> str | None:
        """The series chosen; a default the list does not show (not synced yet) stays as it is."""
        series = self.query_one("#default_series", Select).value
        if series is Select.NULL:
            current = self.store.settings.default_series
            listed = {s.code for s in self.store.voucher_series.values() if s.manual}
            return current if current not in listed else None
        return str(series)

    def action_save(self) -> None:
        errors: list[tuple[str, str]] = []
        update: dict[str, Any] = {}
        for name, label in ACCOUNT_FIELDS:
            update[name] = self._number(name, label, errors)
        pair = {name: self._number(f"pair_{name}", label, errors) for name, label in PAIR_FIELDS}
        vat = self._vat_values(errors)
        update["default_series"] = self._default_series()
        update["inbox_dir"] = self._inbox_dir()
        update["display"] = self.query_one("#display", Select).value
        if errors:
            # where the user is looking: the first bad field gets the focus, marked, with the reasons just below it
            # in a toast and above the Save button
            self.query_one("#error", SafeStatic).update("Not saved:\n" + "\n".join(e for _, e in errors))
            self.query_one(f"#{errors[0][0]}", Input).focus()
            self.notify("Not saved: " + "; ".join(e for _, e in errors), severity="error", timeout=10)
            return
        settings = self.store.settings
        pair.update({k[5:]: v for k, v in vat.items() if k.startswith("pair.")})
        update.update({k: v for k, v in vat.items() if not k.startswith("pair.")})
        update["reporting_pair"] = ReportingPair(enabled=self.query_one("#pair_enabled", Switch).value, **pair)
        new = settings.model_copy(update=update)
        if new != settings:
            changed = sorted(k for k in update if getattr(new, k) != getattr(settings, k))
            self.store.save_settings(new, what="changed " + ", ".join(changed))
        self.query_one("#error", SafeStatic).update("")
        self.notify("Settings saved")

    def _vat_values(self, errors: list[tuple[str, str]]) -> dict[str, Any]:
        """The VAT section's values by settings field (``pair.`` for the reporting pair's)."""
        out: dict[str, Any] = {}
        for field_id, label, names, count in VAT_LIST_FIELDS:
            found: list[str] = []
            numbers = parse_accounts(self.query_one(f"#{field_id}", Input).value, label, count, found)
            if numbers is not None and count is None:
                out[names[0]] = tuple(numbers)
            elif numbers is not None:
                for number in numbers:
                    try:
                        workflow.check_account(self.store, number)
                    except workflow.WorkflowError as exc:
                        found.append(f"{label}: {exc}")
                out.update(zip(names, numbers, strict=True))
            errors.extend(self._marked(field_id, found))
        found = []
        shares = parse_shares(self.query_one("#deductible_shares", Input).value, found)
        if shares is not None:
            out["deductible_shares"] = shares
        errors.extend(self._marked("deductible_shares", found))
        return out

    def _marked(self, field_id: str, found: list[str]) -> list[tuple[str, str]]:
        """A field's problems, for the error line; the field is marked when it has any."""
        self.query_one(f"#{field_id}", Input).set_class(bool(found), "-invalid")
        return [(field_id, problem) for problem in found]

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    # --- Fortnox ---

    @on(Button.Pressed, "#sync")
    def action_sync(self) -> None:
        self.app.reset_client()  # type: ignore[attr-defined]
        self.app.startup()  # type: ignore[attr-defined]
        self.notify("Syncing with Fortnox…")

    @on(Button.Pressed, "#connect")
    def action_connect(self) -> None:
        def done(connected: bool | None) -> None:
            if connected:
                self.app.reset_client()  # type: ignore[attr-defined]
                self.app.startup()  # type: ignore[attr-defined]
                self.show_connection()

        self.app.push_screen(ConnectDialog(self.store), done)


class ConnectDialog(Dialog[bool]):
    """The authorization-code flow inside the TUI: open the address, approve, and the code comes back by the
    loopback redirect, or is pasted (SSH)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConnectDialog") + """
    ConnectDialog Input { margin-bottom: 1; }
    ConnectDialog #url { margin: 1 0; }
    """

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.state = auth.new_state()

    def compose(self) -> ComposeResult:
        fx = self.store.settings.fortnox
        with Vertical():
            yield SafeLabel("Connect Fortnox", classes="title")
            yield Input(fx.client_id or "", placeholder="client id", id="client_id")
            yield Input("", placeholder="client secret (stored 0600, never shown)", password=True, id="secret")
            yield Input(fx.redirect_uri, placeholder="redirect URI registered for the app", id="redirect")
            yield Button("Show the address to open", id="start", variant="primary")
            yield SafeStatic("", id="url")
            yield Input("", placeholder="paste the whole address the browser ended on", id="code")
            yield SafeStatic("", classes="error", id="error")

    @on(Button.Pressed, "#start")
    def _start(self) -> None:
        client_id = self.query_one("#client_id", Input).value.strip()
        redirect = self.query_one("#redirect", Input).value.strip()
        if not client_id or not self.query_one("#secret", Input).value:
            self.query_one("#error", SafeStatic).update("The client id and secret come from the Fortnox developer portal.")
            return
        url = auth.authorize_url(self.store.settings.fortnox.auth_url, client_id, redirect, self.state)
        self.query_one("#url", SafeStatic).update(f"Open this address and approve juni-tui:\n{url}")
        if is_loopback(redirect):
            self.listen(redirect)

    @work(exclusive=True, group="redirect", exit_on_error=False)
    async def listen(self, redirect: str) -> None:
        try:
            code = await wait_for_redirect(redirect, self.state)
        except (TimeoutError, OSError):
            return  # pasting still works
        await self.finish(code)

    @on(Input.Submitted, "#code")
    async def _pasted(self, event: Input.Submitted) -> None:
        try:
            code = code_from_pasted(event.value, self.state)
        except FortnoxError as exc:
            self.query_one("#error", SafeStatic).update(str(exc))
            return
        await self.finish(code)

    async def finish(self, code: str) -> None:
        fx = self.store.settings.fortnox.model_copy(update={
            "client_id": self.query_one("#client_id", Input).value.strip(),
            "redirect_uri": self.query_one("#redirect", Input).value.strip(),
        })
        try:
            async with httpx.AsyncClient(timeout=DEFAULT_TIMEOUT) as http:
                tokens = await auth.complete_oauth(self.store, fx, self.query_one("#secret", Input).value, code, http)
        except FortnoxError as exc:
            self.query_one("#error", SafeStatic).update(str(exc))
            return
        expires = datetime.fromtimestamp(tokens.refresh_expires_at or 0).strftime("%Y-%m-%d")
        self.notify(f"Connected to Fortnox; the authorization runs until {expires} unless renewed.")
        self.dismiss(True)
