"""The export queue worker: every transaction becomes exactly one voucher in Fortnox, with its receipts.

Fortnox has no idempotency key, so the worker follows GUIDE §3 for every write:

1. record the intent durably before the request (``workflow.begin_voucher``, ``upload_started_at``,
   ``connect_started_at``);
2. tag the voucher with the transaction (``workflow.export_tag`` in its Description) and name uploaded files after
   it;
3. when a write's outcome is unknown (timeout, dropped connection, 5xx) or a previous run stopped mid-write, look
   it up in Fortnox first — the voucher by series, date and tag, then its rows; the file in the inbox by name;
   the connection in the financial year's connections — and send again only if it is not there;
4. record Fortnox's answer (voucher number, file id) durably before doing anything else.

Transactions go in date order, one at a time, so voucher numbers follow the calendar. A second process cannot
export the same transactions: the store's lock keeps it out of the home altogether.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from juni_tui.domain.clock import utcnow
from juni_tui.domain.receipts import Receipt
from juni_tui.domain.transactions import (
    IN_FLIGHT_STATUSES,
    AttachmentExport,
    ExportError,
    ExportState,
    Status,
    Transaction,
)
from juni_tui.services import receipts, workflow
from juni_tui.services import vouchers as bookkeeping
from juni_tui.services.export.checks import precheck
from juni_tui.services.export.lookup import FortnoxLedger, as_amount
from juni_tui.services.fortnox.client import FortnoxClient
from juni_tui.services.fortnox.errors import (
    AuthError,
    FortnoxError,
    FortnoxRejected,
    NotSent,
    RateLimited,
    UnknownOutcome,
    failure_text,
)
from juni_tui.services.fortnox.reference import ReferenceData, fetch_reference_data, sync_reference_data
from juni_tui.services.store import Store

# --- the worker -----------------------------------------------------------------------------------------------

#: Uploads of one receipt that Fortnox failed to answer (and that are not in its inbox) before the item waits.
UPLOAD_TRIES = 3


def _state(tx: Transaction) -> ExportState:
    """A transaction on its way to Fortnox always has its export state."""
    assert tx.export is not None, tx.id
    return tx.export


@dataclass(frozen=True)
class ExportEvent:
    tx_id: str
    status: Status
    text: str


@dataclass
class RunReport:
    """A run ends with every item exported or failed: nothing is left waiting."""

    exported: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def add(self, other: RunReport) -> None:
        """Fold a later run into this one (a resumed run, then the new one): each item counts once, as it ended."""
        for tx_id in other.exported:
            if tx_id in self.failed:
                self.failed.remove(tx_id)
            if tx_id not in self.exported:
                self.exported.append(tx_id)
        self.failed += [tx_id for tx_id in other.failed if tx_id not in self.failed and tx_id not in self.exported]


class RetryLater(Exception):
    """Fortnox could not be reached or did not answer; the item stays in the queue. ``step`` names what was being
    sent when it is not the voucher ("Receipt kvitto.pdf: ")."""

    def __init__(self, error: FortnoxError, step: str = "") -> None:
        super().__init__(step + str(error))
        self.error = error
        self.step = step


def _error(exc: FortnoxError, step: str = "") -> ExportError:
    return ExportError(message=step + exc.message, meaning=exc.meaning, code=exc.code, http_status=exc.status,
                       retryable=exc.retryable)


def _exact_amounts(body: dict[str, Any]) -> dict[str, Any]:
    voucher = dict(body["Voucher"])
    voucher["VoucherRows"] = [
        {**row, "Debit": as_amount(row.get("Debit", 0) or 0), "Credit": as_amount(row.get("Credit", 0) or 0)}
        for row in voucher["VoucherRows"]
    ]
    return {"Voucher": voucher}


def _unreachable(exc: FortnoxError) -> str:
    return (f"juni-tui could not ask Fortnox whether it already booked it ({exc}). It stays where it is; try again "
            "when Fortnox can be reached.")


def upload_name(tx: Transaction, receipt: Receipt) -> str:
    """The name a receipt gets in Fortnox's inbox: tied to the transaction, so it can be found again."""
    tag = workflow.export_tag(tx.id).replace(" ", "-")
    ext = Path(receipt.filename).suffix.lower() or {"application/pdf": ".pdf", "image/jpeg": ".jpg",
                                                    "image/tiff": ".tif"}.get(receipt.content_type, "")
    return f"{tag}-{receipt.id[:8]}{ext}"


class Exporter(FortnoxLedger):
    def __init__(
        self,
        store: Store,
        client: FortnoxClient,
        *,
        on_event: Callable[[ExportEvent], None] | None = None,
        lookup_grace: float = 2.0,
        max_rounds: int = 8,
        round_delay: float = 2.0,
    ) -> None:
        self.store = store
        self.client = client
        self.on_event = on_event
        self.lookup_grace = lookup_grace  # wait this long after an unknown outcome before looking it up
        self.max_rounds = max_rounds  # passes over the queue without progress before items are marked failed
        self.round_delay = round_delay
        self._ref: ReferenceData | None = None
        self._swept: dict[str, datetime] = {}  # transaction id → when its places were listed
        self._tagged: dict[str, list[dict[str, Any]]] = {}  # tag → vouchers Fortnox had with it at the sweep
        self._claims: dict[tuple[str, int, int], str] | None = None

    def _emit(self, tx: Transaction, text: str) -> None:
        if self.on_event is not None:
            self.on_event(ExportEvent(tx.id, tx.status, text))

    async def reference(self, days: Iterable[date] = ()) -> ReferenceData:
        days = list(days)
        ref = self._ref
        if ref is None or any((fy := ref.year_of(d)) is None or fy.id not in ref.series for d in days):
            ref = self._ref = await fetch_reference_data(self.client, days)
        return ref

    # --- queueing ---

    async def sync(self, days: Iterable[date] = ()) -> ReferenceData:
        """Fortnox's lists afresh (the user may have just fixed something in Fortnox), with the years ``days`` fall
        in, and a copy kept in the home: every export teaches the home the company and its chart."""
        self._ref = await sync_reference_data(self.store, self.client, days)
        return self._ref

    async def check(self, ids: Iterable[str], series: str, *, fresh: bool = True) -> dict[str, list[str]]:
        """The problems per transaction, against Fortnox's current settings; no entry means it can go. Reads
        Fortnox and writes nothing (``export --dry-run`` is this)."""
        txs = [tx for tx_id in ids if (tx := self.store.transactions.get(tx_id)) is not None]
        if fresh:
            self._ref = None
        ref = await self.reference(tx.date for tx in txs)
        return {tx.id: problems for tx in txs if (problems := precheck(self.store, ref, tx, series))}

    async def queue(self, ids: Iterable[str], series: str, *, remember: bool = False) -> workflow.Outcome:
        """Check each chosen transaction and queue the ones Fortnox will accept; list every problem of the rest.
        With ``remember`` the series becomes the default offered next time; never without (an explicit choice), and
        never a series Fortnox does not take manual vouchers in (a typo would be every later export's default)."""
        ids = list(ids)
        await self.sync(tx.date for i in ids if (tx := self.store.transactions.get(i)) is not None)
        problems = await self.check(ids, series, fresh=False)
        outcome = workflow.queue(self.store, [i for i in ids if i not in problems], series)
        outcome.refused.update(problems)
        if problems:
            self.store.audit({"action": "queue-refused", "series": series, "problems": problems})
        settings = self.store.settings
        if remember and settings.default_series != series and self.series_usable(series):
            self.store.save_settings(settings.model_copy(update={"default_series": series}),
                                     what=f"default series {series}")
        return outcome

    def series_usable(self, series: str) -> bool:
        """Whether Fortnox has ``series``, for manual vouchers, in a financial year of the last check."""
        known = self._ref.series.values() if self._ref is not None else ()
        return any(series in year and year[series].manual for year in known)

    # --- running ---

    def pending_ids(self) -> list[str]:
        """In-flight items first (their outcome must be settled), then the waiting ones, each in date order."""
        return self.store.ids(*IN_FLIGHT_STATUSES) + self.store.ids(Status.QUEUED)

    async def run(self) -> RunReport:
        """Drain the queue. Returns when every item is exported or failed (or after ``max_rounds`` passes in which
        Fortnox could not be reached)."""
        report = RunReport()
        idle_rounds = 0
        pending = [tx for i in self.pending_ids() if (tx := self.store.transactions.get(i)) is not None]
        # The months' history archives the run will write to are read and checked before anything is booked:
        # a damaged one stops the run now, not at the checkpoint after a voucher was created.
        self.store.check_history(tx.date for tx in pending)
        self.store.audit({"action": "export-run", "pending": len(pending)})
        while True:
            ids = self.pending_ids()
            if not ids:
                break
            progressed = False
            for tx_id in ids:
                tx = self.store.transactions.get(tx_id)
                if tx is None or tx.status not in (Status.QUEUED, *IN_FLIGHT_STATUSES):
                    continue
                try:
                    done = await self.export_one(tx)
                except RetryLater as exc:
                    current = self.store.transactions[tx_id]
                    if current.status != Status.FAILED:
                        workflow.set_waiting(self.store, current, _error(exc.error, exc.step))
                        self._emit(current, f"waiting: {exc}")
                    continue
                except AuthError:
                    raise  # the user must reconnect; everything stays safely in the queue
                progressed = True
                if done.status == Status.EXPORTED:
                    report.exported.append(tx_id)
                else:
                    report.failed.append(tx_id)
            if progressed:
                idle_rounds = 0
                continue
            idle_rounds += 1
            if idle_rounds >= self.max_rounds:
                for tx_id in self.pending_ids():
                    tx = self.store.transactions[tx_id]
                    error = tx.export.error if tx.export and tx.export.error else ExportError(
                        message="Fortnox did not answer", retryable=True)
                    meaning = error.meaning or "Fortnox could not be reached. Nothing was booked twice."
                    workflow.mark_failed(self.store, tx, error.model_copy(update={"meaning": (
                        f"{meaning} (juni-tui kept trying and has stopped for now: retry with r in the Export "
                        "queue, or `juni-tui retry`.)")}))
                    report.failed.append(tx_id)
                break
            await asyncio.sleep(self.round_delay * idle_rounds)
        return report

    async def export_one(self, tx: Transaction) -> Transaction:
        """One transaction, as far as it can go now. Returns it exported or failed; raises RetryLater."""
        assert tx.export is not None
        step = ""  # what is being sent, when it is not the voucher
        try:
            ref = await self.reference([tx.date])
            fy = ref.year_of(tx.date)
            if fy is None:
                return self._fail(tx, FortnoxRejected(f"No financial year in Fortnox covers {tx.date}",
                                                      meaning="Create the financial year in Fortnox, then retry."))
            if tx.export.voucher_number is None:
                tx = await self._voucher(tx, fy.id)
                if tx.status == Status.FAILED:
                    return tx
            for index, att in enumerate(_state(tx).attachments):
                receipt = self.store.receipts.get(att.receipt_id)
                step = f"Receipt {receipt.filename if receipt else att.file_name}: "
                tx = await self._attachment(tx, index)
            step = ""
            tx = workflow.mark_exported(self.store, tx)
            self._emit(tx, f"exported as {_state(tx).voucher_label}")
            return tx
        except FortnoxRejected as exc:
            return self._fail(tx, exc, step)
        except receipts.ReceiptError as exc:
            return self._fail(tx, FortnoxRejected(str(exc), meaning="The receipt could not be sent; nothing was "
                                                  "uploaded. Fix the receipt, then retry."))
        except AuthError:
            raise
        except FortnoxError as exc:
            raise RetryLater(exc, step) from exc

    def _fail(self, tx: Transaction, exc: FortnoxError, step: str = "") -> Transaction:
        current = self.store.transactions[tx.id]
        failed = workflow.mark_failed(self.store, current, _error(exc, step))
        self._emit(failed, f"failed: {step}{exc}")
        return failed

    # --- the voucher ---

    async def _voucher(self, tx: Transaction, year: int) -> Transaction:
        assert tx.export is not None
        body = tx.export.voucher_body
        if body is None:
            body = bookkeeping.build_voucher(tx, self.store.settings, tx.export.series).to_fortnox()
        else:
            body = _exact_amounts(body)  # stored bodies carry amounts as text; Fortnox gets numbers
        # Fortnox is the ledger: whatever it already has with this transaction's tag, wherever an earlier attempt
        # may have landed, is found before anything is sent.
        await self._sweep(tx)
        found = await self._known_voucher(tx, body)
        if found is not None:
            return self._record_voucher(tx, found, found_by_lookup=True)
        for _ in range(4):
            tx = workflow.begin_voucher(self.store, tx, body, year)
            self._emit(tx, "sending voucher")
            try:
                created = await self.client.create_voucher(body, year)
            except UnknownOutcome:
                await asyncio.sleep(self.lookup_grace)
                found = await self._look_up(tx, body, [(_state(tx).series, year, tx.date, tx.date)])
                if found is not None:
                    return self._record_voucher(tx, found, found_by_lookup=True)
                tx = workflow.settle_attempts(self.store, tx, "absent", why="looked up after no answer")
                continue  # certainly not booked: send again
            except (NotSent, RateLimited, AuthError) as exc:
                workflow.settle_attempts(self.store, tx, "absent", why=f"not sent: {exc}")
                raise
            except FortnoxRejected as exc:
                workflow.settle_attempts(self.store, tx, "refused", why=str(exc))
                raise
            return self._record_voucher(tx, created, found_by_lookup=False)
        raise RetryLater(UnknownOutcome("Fortnox kept failing to answer the voucher request"))

    def _record_voucher(self, tx: Transaction, voucher: dict[str, Any], *, found_by_lookup: bool) -> Transaction:
        attachments = [
            AttachmentExport(receipt_id=rid, file_name=upload_name(tx, receipt))
            for rid in tx.receipts
            if (receipt := self.store.receipts.get(rid)) is not None
        ]
        series, number, year = str(voucher["VoucherSeries"]), int(voucher["VoucherNumber"]), int(voucher["Year"])
        tx = workflow.record_voucher(self.store, tx, number, year, attachments, found=found_by_lookup, series=series)
        self._claimed_by()[(series, year, number)] = tx.id
        self._emit(tx, f"voucher {_state(tx).voucher_label}" + (" (found in Fortnox)" if found_by_lookup else ""))
        return tx

    # --- sending back ---

    async def send_back(self, ids: Iterable[str]) -> workflow.Outcome:
        """Back to Prepare, as ``workflow.back_to_prepare``; but an item whose last send was never answered is
        first settled with Fortnox: found there, it stays on its way to the history (it is booked); not there, it
        goes back; Fortnox unreachable, it stays where it is, with the reason."""
        ids = list(ids)
        refused: dict[str, list[str]] = {}
        unsettled = [tx for i in ids if (tx := self.store.transactions.get(i)) is not None and tx.outcome_unknown]
        if unsettled:
            try:
                self._ref = None
                await self.reference(tx.date for tx in unsettled)
            except FortnoxError as exc:
                return workflow.Outcome(refused={tx.id: [_unreachable(exc)] for tx in unsettled})
        for tx in unsettled:
            try:
                export = _state(tx)
                body = (_exact_amounts(export.voucher_body) if export.voucher_body is not None
                        else bookkeeping.build_voucher(tx, self.store.settings, export.series).to_fortnox())
                found = await self._look_up(tx, body, [(a.series, a.financial_year_id, a.date, a.date)
                                                       for a in tx.send_attempts])
            except FortnoxRejected as exc:
                refused[tx.id] = [failure_text(str(exc), exc.meaning)]
                continue
            except FortnoxError as exc:
                refused[tx.id] = [_unreachable(exc)]
                continue
            if found is not None:
                tx = self._record_voucher(tx, found, found_by_lookup=True)
                refused[tx.id] = [f"Fortnox had already booked it as voucher {_state(tx).voucher_label}: it stays in "
                                  "the queue and is finished (receipts connected) by the next export run."]
            else:
                workflow.settle_attempts(self.store, tx, "absent", why="looked up before sending back")
        outcome = workflow.back_to_prepare(self.store, [i for i in ids if i not in refused])
        outcome.refused.update(refused)
        return outcome

    # --- the receipts ---

    async def _attachment(self, tx: Transaction, index: int) -> Transaction:
        assert tx.export is not None and tx.export.voucher_number is not None
        att = tx.export.attachments[index]
        year = tx.export.voucher_year
        assert year is not None
        if att.file_id is None:
            if att.upload_started_at is not None:
                file_id = await self._find_upload(att.file_name)
                if file_id is not None:
                    att = att.model_copy(update={"file_id": file_id})
                    tx = workflow.record_attachment(self.store, tx, index, att, "file-found")
            unanswered = 0
            while att.file_id is None:
                att = att.model_copy(update={"upload_started_at": utcnow()})
                tx = workflow.record_attachment(self.store, tx, index, att, "upload-intent")
                receipt = self.store.receipts[att.receipt_id]
                _, data, content_type = receipts.upload_payload(self.store, receipt)
                try:
                    uploaded = await self.client.upload(att.file_name, data, content_type)
                except UnknownOutcome:
                    await asyncio.sleep(self.lookup_grace)
                    file_id = await self._find_upload(att.file_name)
                    if file_id is None:
                        unanswered += 1
                        if unanswered < UPLOAD_TRIES:
                            continue  # certainly not there: send again
                        raise  # Fortnox keeps failing on this file: the item waits, and fails with the reason
                else:
                    file_id = str(uploaded["Id"])
                att = att.model_copy(update={"file_id": file_id})
                tx = workflow.record_attachment(self.store, tx, index, att, "file-uploaded")
                self._emit(tx, f"uploaded {receipt.filename}")
        if not att.connected:
            if att.connect_started_at is not None and await self._is_connected(tx, att, year):
                att = att.model_copy(update={"connected": True})
                return workflow.record_attachment(self.store, tx, index, att, "file-connected")
            att = att.model_copy(update={"connect_started_at": utcnow()})
            tx = workflow.record_attachment(self.store, tx, index, att, "connect-intent")
            try:
                await self.client.connect_file(att.file_id, _state(tx).series, _state(tx).voucher_number, year)
            except UnknownOutcome:
                await asyncio.sleep(self.lookup_grace)
                if not await self._is_connected(tx, att, year):
                    raise
            att = att.model_copy(update={"connected": True})
            tx = workflow.record_attachment(self.store, tx, index, att, "file-connected")
            self._emit(tx, "receipt connected")
        return tx

    async def _find_upload(self, name: str) -> str | None:
        for item in await self.client.inbox_files():
            if item.get("Name") == name:
                return str(item["Id"])
        return None

    async def _is_connected(self, tx: Transaction, att: AttachmentExport, year: int) -> bool:
        assert tx.export is not None
        for conn in await self.client.file_connections(year):
            if str(conn.get("FileId")) != att.file_id:
                continue
            if (str(conn.get("VoucherSeries")) == tx.export.series
                    and int(conn["VoucherNumber"]) == tx.export.voucher_number):
                return True
            raise FortnoxRejected(
                f"Receipt {att.file_name} is connected to voucher {conn.get('VoucherSeries')} "
                f"{conn.get('VoucherNumber')} "
                f"in Fortnox, not to {tx.export.voucher_label}",
                meaning="Disconnect it in Fortnox and retry.",
            )
        return False
