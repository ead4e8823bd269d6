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
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from juni_tui.models import (
    IN_FLIGHT_STATUSES,
    Account,
    AttachmentExport,
    CostCenter,
    ExportError,
    FinancialYear,
    Project,
    Receipt,
    Status,
    Transaction,
    VoucherSeries,
    utcnow,
)
from juni_tui.services import bookkeeping, fortnox_spec, receipts, workflow
from juni_tui.services.fortnox import (
    AuthError,
    FortnoxClient,
    FortnoxError,
    FortnoxRejected,
    UnknownOutcome,
)
from juni_tui.services.store import Store

log = logging.getLogger(__name__)


# --- reference data -------------------------------------------------------------------------------------------


@dataclass
class ReferenceData:
    """What the checks before queueing need from Fortnox, fetched once per export."""

    financial_years: list[FinancialYear]
    locked_until: date | None
    series: dict[int, dict[str, VoucherSeries]] = field(default_factory=dict)  # per financial year
    accounts: dict[int, dict[int, Account]] = field(default_factory=dict)  # per financial year
    cost_centers: dict[str, CostCenter] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    company: dict[str, Any] = field(default_factory=dict)

    def year_of(self, day: date) -> FinancialYear | None:
        return next((fy for fy in self.financial_years if fy.covers(day)), None)


async def fetch_reference_data(client: FortnoxClient, days: Iterable[date] = ()) -> ReferenceData:
    """Financial years, locked period, cost centers and projects; series and chart for the years ``days`` fall in
    (and the current one)."""
    ref = ReferenceData(financial_years=await client.financial_years(), locked_until=await client.locked_until())
    ref.cost_centers = {c.code: c for c in await client.cost_centers()}
    ref.projects = {p.number: p for p in await client.projects()}
    years = {fy.id for day in [*days, date.today()] if (fy := ref.year_of(day))}
    for year in sorted(years):
        ref.series[year] = {s.code: s for s in await client.voucher_series(financial_year=year)}
        ref.accounts[year] = {a.number: a for a in await client.accounts(financial_year=year)}
    return ref


async def sync_reference_data(store: Store, client: FortnoxClient) -> ReferenceData:
    """Fetch the company's chart of accounts, dimensions, years and series, and keep a copy in the store, so that
    completion and checks work offline. One commit."""
    ref = await fetch_reference_data(client)
    ref.company = await client.company_information()
    current = ref.year_of(date.today()) or (ref.financial_years[-1] if ref.financial_years else None)
    puts: list[Any] = list(ref.financial_years)
    if current is not None:
        puts += list(ref.accounts.get(current.id, {}).values())
        puts += list(ref.series.get(current.id, {}).values())
    puts += list(ref.cost_centers.values()) + list(ref.projects.values())
    settings = store.settings
    name, org = ref.company.get("CompanyName"), ref.company.get("OrganizationNumber")
    if (name, org) != (settings.company_name, settings.org_number):
        puts.append(settings.model_copy(update={"company_name": name, "org_number": org}))
    store.commit(puts, audit={"action": "sync-fortnox", "accounts": len(store.accounts)})
    return ref


# --- checks before anything is queued -------------------------------------------------------------------------


def receipt_problems(store: Store, receipt: Receipt) -> list[str]:
    problems = []
    if receipt.content_type not in fortnox_spec.ACCEPTED_TYPES:
        problems.append(f"receipt {receipt.filename} is {receipt.content_type}; Fortnox takes PDF, JPEG or TIFF")
    if receipt.size > fortnox_spec.MAX_ATTACHMENT_BYTES:
        problems.append(
            f"receipt {receipt.filename} is {receipt.size / 1e6:.1f} MB; Fortnox takes at most "
            f"{fortnox_spec.MAX_ATTACHMENT_BYTES / 1e6:.1f} MB"
        )
    if not (store.home.root / receipt.path).exists():
        problems.append(f"receipt {receipt.filename} is missing from {store.home.receipts}")
    return problems


def precheck(store: Store, ref: ReferenceData, tx: Transaction, series: str) -> list[str]:
    """Every reason Fortnox would refuse this transaction's voucher, in words. Empty means it can go."""
    problems: list[str] = []
    fy = ref.year_of(tx.date)
    if fy is None:
        problems.append(f"no financial year in Fortnox covers {tx.date}; create it in Fortnox first")
    if ref.locked_until is not None and tx.date <= ref.locked_until:
        problems.append(f"{tx.date} is in the period Fortnox has locked (up to {ref.locked_until})")
    if fy is not None:
        known = ref.series.get(fy.id, {})
        if series not in known:
            problems.append(f"voucher series {series} does not exist in Fortnox for {fy.from_date.year}")
        elif not known[series].manual:
            problems.append(f"voucher series {series} is not set to manual bookkeeping in Fortnox")
    try:
        voucher = bookkeeping.build_voucher(tx, store.settings, series)
    except bookkeeping.BookkeepingError as exc:
        problems.append(str(exc))
    else:
        if fy is not None:
            problems.extend(bookkeeping.check_voucher(voucher, ref.accounts.get(fy.id, {}), ref.cost_centers, ref.projects))
    for receipt_id in tx.receipts:
        receipt = store.receipts.get(receipt_id)
        if receipt is None:
            problems.append(f"receipt {receipt_id[:12]} is missing")
        else:
            problems.extend(receipt_problems(store, receipt))
    return problems


# --- the worker -----------------------------------------------------------------------------------------------


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


class RetryLater(Exception):
    """Fortnox could not be reached or did not answer; the item stays in the queue."""

    def __init__(self, error: FortnoxError) -> None:
        super().__init__(str(error))
        self.error = error


def _error(exc: FortnoxError) -> ExportError:
    return ExportError(message=exc.message, meaning=exc.meaning, code=exc.code, http_status=exc.status,
                       retryable=exc.retryable)


def _amount(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _rows_signature(rows: Iterable[dict[str, Any]]) -> list[tuple[int, Decimal, Decimal]]:
    return sorted(
        (int(r["Account"]), _amount(r.get("Debit", 0) or 0), _amount(r.get("Credit", 0) or 0))
        for r in rows
        if not r.get("Removed")
    )


def _exact_amounts(body: dict[str, Any]) -> dict[str, Any]:
    voucher = dict(body["Voucher"])
    voucher["VoucherRows"] = [
        {**row, "Debit": _amount(row.get("Debit", 0) or 0), "Credit": _amount(row.get("Credit", 0) or 0)}
        for row in voucher["VoucherRows"]
    ]
    return {"Voucher": voucher}


def upload_name(tx: Transaction, receipt: Receipt) -> str:
    """The name a receipt gets in Fortnox's inbox: tied to the transaction, so it can be found again."""
    tag = workflow.export_tag(tx.id).replace(" ", "-")
    ext = Path(receipt.filename).suffix.lower() or {"application/pdf": ".pdf", "image/jpeg": ".jpg",
                                                    "image/tiff": ".tif"}.get(receipt.content_type, "")
    return f"{tag}-{receipt.id[:8]}{ext}"


class Exporter:
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

    async def check(self, ids: Iterable[str], series: str) -> dict[str, list[str]]:
        """The problems per transaction, against Fortnox's current settings; no entry means it can go."""
        txs = [tx for tx_id in ids if (tx := self.store.transactions.get(tx_id)) is not None]
        self._ref = None  # fresh data: the user may have just fixed something in Fortnox
        ref = await self.reference(tx.date for tx in txs)
        return {tx.id: problems for tx in txs if (problems := precheck(self.store, ref, tx, series))}

    async def queue(self, ids: Iterable[str], series: str) -> workflow.Outcome:
        """Check each chosen transaction and queue the ones Fortnox will accept; list every problem of the rest."""
        ids = list(ids)
        problems = await self.check(ids, series)
        outcome = workflow.queue(self.store, [i for i in ids if i not in problems], series)
        outcome.refused.update(problems)
        if problems:
            self.store.audit({"action": "queue-refused", "series": series, "problems": problems})
        return outcome

    # --- running ---

    def pending_ids(self) -> list[str]:
        """In-flight items first (their outcome must be settled), then the waiting ones, each in date order."""
        return self.store.ids(*IN_FLIGHT_STATUSES) + self.store.ids(Status.QUEUED)

    async def run(self) -> RunReport:
        """Drain the queue. Returns when every item is exported or failed (or after ``max_rounds`` passes in which
        Fortnox could not be reached)."""
        report = RunReport()
        idle_rounds = 0
        self.store.audit({"action": "export-run", "pending": len(self.pending_ids())})
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
                        workflow.set_waiting(self.store, current, _error(exc.error))
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
                    workflow.mark_failed(self.store, tx, error.model_copy(update={
                        "meaning": "Fortnox could not be reached. Nothing was booked twice; press r to retry later."}))
                    report.failed.append(tx_id)
                break
            await asyncio.sleep(self.round_delay * idle_rounds)
        return report

    async def export_one(self, tx: Transaction) -> Transaction:
        """One transaction, as far as it can go now. Returns it exported or failed; raises RetryLater."""
        assert tx.export is not None
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
            for index in range(len(tx.export.attachments)):
                tx = await self._attachment(tx, index)
            tx = workflow.mark_exported(self.store, tx)
            self._emit(tx, f"exported as {tx.export.voucher_label}")
            return tx
        except FortnoxRejected as exc:
            return self._fail(tx, exc)
        except receipts.ReceiptError as exc:
            return self._fail(tx, FortnoxRejected(str(exc), meaning="The receipt could not be sent; nothing was "
                                                  "uploaded. Fix the receipt, then retry."))
        except AuthError:
            raise
        except FortnoxError as exc:
            raise RetryLater(exc) from exc

    def _fail(self, tx: Transaction, exc: FortnoxError) -> Transaction:
        current = self.store.transactions[tx.id]
        failed = workflow.mark_failed(self.store, current, _error(exc))
        self._emit(failed, f"failed: {exc}")
        return failed

    # --- the voucher ---

    async def _voucher(self, tx: Transaction, year: int) -> Transaction:
        assert tx.export is not None
        body = tx.export.voucher_body
        if body is None:
            body = bookkeeping.build_voucher(tx, self.store.settings, tx.export.series).to_fortnox()
        else:
            body = _exact_amounts(body)  # stored bodies carry amounts as text; Fortnox gets numbers
        if tx.export.voucher_intent_at is not None:
            # A previous attempt may have booked it: settle that before sending anything.
            found = await self._find_voucher(tx, body, tx.export.financial_year_id or year)
            if found is not None:
                return self._record_voucher(tx, found, found_by_lookup=True)
        for _ in range(4):
            tx = workflow.begin_voucher(self.store, tx, body, year)
            self._emit(tx, "sending voucher")
            try:
                created = await self.client.create_voucher(body, year)
            except UnknownOutcome:
                await asyncio.sleep(self.lookup_grace)
                found = await self._find_voucher(tx, body, year)
                if found is not None:
                    return self._record_voucher(tx, found, found_by_lookup=True)
                continue  # certainly not booked: send again
            return self._record_voucher(tx, created, found_by_lookup=False)
        raise RetryLater(UnknownOutcome("Fortnox kept failing to answer the voucher request"))

    async def _find_voucher(self, tx: Transaction, body: dict[str, Any], year: int) -> dict[str, Any] | None:
        """The voucher this transaction's tag points at, if Fortnox has it (series, date range, tag, then rows)."""
        voucher = body["Voucher"]
        tag = f"({tx.export.tag})" if tx.export else ""
        day = date.fromisoformat(voucher["TransactionDate"])
        listed = await self.client.list_vouchers(voucher["VoucherSeries"], year, day, day)
        candidates = [v for v in listed if tag and tag in (v.get("Description") or "")]
        wanted = _rows_signature(voucher["VoucherRows"])
        for item in candidates:
            full = await self.client.get_voucher(item["VoucherSeries"], int(item["VoucherNumber"]), year)
            if _rows_signature(full.get("VoucherRows") or []) == wanted:
                return full
        if candidates:
            numbers = ", ".join(f"{c['VoucherSeries']} {c['VoucherNumber']}" for c in candidates)
            raise FortnoxRejected(
                f"Fortnox has a voucher with this transaction's tag ({numbers}) but different rows",
                meaning="Someone changed it in Fortnox, or it was booked by hand. Check it in Fortnox; juni-tui "
                "will not book the transaction again on its own.",
            )
        return None

    def _record_voucher(self, tx: Transaction, voucher: dict[str, Any], *, found_by_lookup: bool) -> Transaction:
        attachments = [
            AttachmentExport(receipt_id=rid, file_name=upload_name(tx, receipt))
            for rid in tx.receipts
            if (receipt := self.store.receipts.get(rid)) is not None
        ]
        tx = workflow.record_voucher(
            self.store, tx, int(voucher["VoucherNumber"]), int(voucher["Year"]), attachments, found=found_by_lookup
        )
        self._emit(tx, f"voucher {tx.export.voucher_label}" + (" (found in Fortnox)" if found_by_lookup else ""))
        return tx

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
                        continue
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
                await self.client.connect_file(att.file_id, tx.export.series, tx.export.voucher_number, year)
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
            if str(conn.get("VoucherSeries")) == tx.export.series and int(conn.get("VoucherNumber")) == tx.export.voucher_number:
                return True
            raise FortnoxRejected(
                f"Receipt {att.file_name} is connected to voucher {conn.get('VoucherSeries')} {conn.get('VoucherNumber')} "
                f"in Fortnox, not to {tx.export.voucher_label}",
                meaning="Disconnect it in Fortnox and retry.",
            )
        return False
