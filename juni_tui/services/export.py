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
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from juni_tui.domain.clock import utcnow
from juni_tui.domain.receipts import Receipt
from juni_tui.domain.reference import Account, CostCenter, FinancialYear, Project, VoucherSeries
from juni_tui.domain.transactions import AttachmentExport, ExportError, IN_FLIGHT_STATUSES, Status, Transaction
from juni_tui.services import receipts, vouchers as bookkeeping, workflow
from juni_tui.services.fortnox import spec
from juni_tui.services.fortnox.client import (
    AuthError,
    FortnoxClient,
    FortnoxError,
    FortnoxRejected,
    NotFound,
    NotSent,
    RateLimited,
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
    if receipt.content_type not in spec.ACCEPTED_TYPES:
        problems.append(f"receipt {receipt.filename} is {receipt.content_type}; Fortnox takes PDF, JPEG or TIFF")
    if receipt.size > spec.MAX_ATTACHMENT_BYTES:
        problems.append(
            f"receipt {receipt.filename} is {receipt.size / 1e6:.1f} MB; Fortnox takes at most "
            f"{spec.MAX_ATTACHMENT_BYTES / 1e6:.1f} MB"
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

    def add(self, other: "RunReport") -> None:
        """Fold a later run into this one (a resumed run, then the new one): each item counts once, as it ended."""
        for tx_id in other.exported:
            if tx_id in self.failed:
                self.failed.remove(tx_id)
            if tx_id not in self.exported:
                self.exported.append(tx_id)
        self.failed += [tx_id for tx_id in other.failed if tx_id not in self.failed and tx_id not in self.exported]


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


def _rows_signature(rows: Iterable[dict[str, Any]]) -> list[tuple[int, Decimal, Decimal, str, str]]:
    return sorted(
        (int(r["Account"]), _amount(r.get("Debit", 0) or 0), _amount(r.get("Credit", 0) or 0),
         str(r.get("CostCenter") or ""), str(r.get("Project") or ""))
        for r in rows
        if not r.get("Removed")
    )


def _differences(found: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """How a voucher in Fortnox differs from the one this transaction would be booked as (series aside: an earlier
    attempt may have gone to another series). Empty means it is the same voucher."""
    out = []
    if str(found.get("TransactionDate")) != expected["TransactionDate"]:
        out.append(f"date {found.get('TransactionDate')}, not {expected['TransactionDate']}")
    if (found.get("Description") or "") != expected["Description"]:
        out.append("another description")
    if _rows_signature(found.get("VoucherRows") or []) != _rows_signature(expected["VoucherRows"]):
        out.append("other rows")
    return out


def _exact_amounts(body: dict[str, Any]) -> dict[str, Any]:
    voucher = dict(body["Voucher"])
    voucher["VoucherRows"] = [
        {**row, "Debit": _amount(row.get("Debit", 0) or 0), "Credit": _amount(row.get("Credit", 0) or 0)}
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

    async def check(self, ids: Iterable[str], series: str) -> dict[str, list[str]]:
        """The problems per transaction, against Fortnox's current settings; no entry means it can go."""
        txs = [tx for tx_id in ids if (tx := self.store.transactions.get(tx_id)) is not None]
        self._ref = None  # fresh data: the user may have just fixed something in Fortnox
        ref = await self.reference(tx.date for tx in txs)
        return {tx.id: problems for tx in txs if (problems := precheck(self.store, ref, tx, series))}

    async def queue(self, ids: Iterable[str], series: str) -> workflow.Outcome:
        """Check each chosen transaction and queue the ones Fortnox will accept; list every problem of the rest.
        The series becomes the default offered next time (the one place that remembers it)."""
        ids = list(ids)
        problems = await self.check(ids, series)
        outcome = workflow.queue(self.store, [i for i in ids if i not in problems], series)
        outcome.refused.update(problems)
        if problems:
            self.store.audit({"action": "queue-refused", "series": series, "problems": problems})
        settings = self.store.settings
        if outcome.done and settings.default_series != series:  # the series last exported to is offered next time
            self.store.save_settings(settings.model_copy(update={"default_series": series}),
                                     what=f"default series {series}")
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
                found = await self._look_up(tx, body, [(tx.export.series, year, tx.date, tx.date)])
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

    # --- what Fortnox already has ---

    def _places(self, tx: Transaction) -> dict[tuple[str, int], tuple[date, date]]:
        """(series, financial year) → the date range where this transaction's voucher may be: where it is going
        now, and wherever any earlier attempt may have landed."""
        places: dict[tuple[str, int], tuple[date, date]] = {}

        def add(series: str, year: int, day: date) -> None:
            lo, hi = places.get((series, year), (day, day))
            places[(series, year)] = (min(lo, day), max(hi, day))

        assert tx.export is not None
        if self._ref is not None and (fy := self._ref.year_of(tx.date)) is not None:
            add(tx.export.series, fy.id, tx.date)
        for attempt in tx.send_attempts:
            add(attempt.series, attempt.financial_year_id, attempt.date)
        return places

    async def _list_tagged(self, places: dict[tuple[str, int], tuple[date, date]]) -> dict[str, list[dict[str, Any]]]:
        """Vouchers by tag, one paged listing per series and year over the whole date range."""
        tagged: dict[str, list[dict[str, Any]]] = {}
        for (series, year), (lo, hi) in sorted(places.items()):
            try:
                listed = await self.client.list_vouchers(series, year, lo, hi)
            except NotFound:
                continue  # no such series in that year: nothing can have landed there
            for item in listed:
                tag = bookkeeping.tag_in(item.get("Description"))
                if tag is not None:
                    tagged.setdefault(tag, []).append({**item, "Year": item.get("Year", year)})
        return tagged

    async def _sweep(self, tx: Transaction) -> None:
        """Before the first POST for a transaction: list, once for every waiting item of the run, the series and
        dates their vouchers may be in, and remember which tags Fortnox already has."""
        if tx.id in self._swept:
            return
        batch = [tx] + [t for i in self.pending_ids() if i not in self._swept and i != tx.id
                        and (t := self.store.transactions.get(i)) is not None and t.export is not None
                        and t.export.voucher_number is None]
        places: dict[tuple[str, int], tuple[date, date]] = {}
        for item in batch:
            for key, (lo, hi) in self._places(item).items():
                old = places.get(key, (lo, hi))
                places[key] = (min(old[0], lo), max(old[1], hi))
        self._tagged.update(await self._list_tagged(places))
        swept_at = utcnow()
        for item in batch:
            self._swept[item.id] = swept_at

    async def _known_voucher(self, tx: Transaction, body: dict[str, Any]) -> dict[str, Any] | None:
        """The voucher Fortnox has for this transaction: from the sweep, or looked up afresh where an attempt
        made since the sweep may have landed."""
        assert tx.export is not None
        found = await self._pick(tx, body, self._tagged.get(tx.export.tag, []))
        if found is not None:
            return found
        since = self._swept.get(tx.id)
        recent = [a for a in tx.send_attempts if a.outcome == "unknown" and since is not None and a.at >= since]
        if recent:
            return await self._look_up(tx, body, [(a.series, a.financial_year_id, a.date, a.date) for a in recent])
        return None

    async def _look_up(self, tx: Transaction, body: dict[str, Any],
                       where: Iterable[tuple[str, int, date, date]]) -> dict[str, Any] | None:
        places: dict[tuple[str, int], tuple[date, date]] = {}
        for series, year, lo, hi in where:
            old = places.get((series, year), (lo, hi))
            places[(series, year)] = (min(old[0], lo), max(old[1], hi))
        assert tx.export is not None
        tagged = await self._list_tagged(places)
        return await self._pick(tx, body, tagged.get(tx.export.tag, []))

    async def _pick(self, tx: Transaction, body: dict[str, Any], candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Of the vouchers carrying this transaction's tag, the one that is exactly the voucher it would be booked
        as, and not already another transaction's. Anything else with its tag stops the transaction: juni-tui
        never books it again on its own."""
        if not candidates:
            return None
        expected = body["Voucher"]
        mismatched: list[str] = []
        for item in candidates:
            series, number, year = str(item["VoucherSeries"]), int(item["VoucherNumber"]), int(item["Year"])
            owner = self._claimed_by().get((series, year, number))
            if owner is not None and owner != tx.id:
                raise FortnoxRejected(
                    f"Fortnox's voucher {series} {number} carries this transaction's tag, but juni-tui has already "
                    f"recorded it as the voucher of transaction {owner}",
                    meaning="Two transactions cannot share one voucher. Check both in Fortnox; juni-tui will not "
                    "book this transaction on its own.",
                )
            full = await self.client.get_voucher(series, number, year)
            differences = _differences(full, expected)
            if not differences:
                return {**full, "VoucherSeries": series, "VoucherNumber": number, "Year": year}
            mismatched.append(f"{series} {number} ({', '.join(differences)})")
        raise FortnoxRejected(
            f"Fortnox has a voucher with this transaction's tag ({'; '.join(mismatched)}) that differs from the one "
            "juni-tui would book",
            meaning="It was booked earlier with other values, changed in Fortnox, or booked by hand. Check it in "
            "Fortnox and correct it there with a new voucher if needed; juni-tui will not book the transaction "
            "again on its own.",
        )

    def _claimed_by(self) -> dict[tuple[str, int, int], str]:
        """(series, year, number) → the transaction whose voucher it is, for every voucher juni-tui recorded."""
        if self._claims is None:
            claims: dict[tuple[str, int, int], str] = {}
            for key in self.store.history_index.keys():
                entry = self.store.history_index.raw(key) or {}
                claims[(str(entry.get("series")), int(entry.get("year", 0)), int(entry.get("number", 0)))] = key
            for status in (Status.SENDING, Status.ATTACHING, Status.FAILED, Status.QUEUED):
                for tx_id in self.store.ids(status):
                    export = self.store.transactions[tx_id].export
                    if export is not None and export.voucher_number is not None and export.voucher_year is not None:
                        claims[(export.series, export.voucher_year, export.voucher_number)] = tx_id
            self._claims = claims
        return self._claims

    def _record_voucher(self, tx: Transaction, voucher: dict[str, Any], *, found_by_lookup: bool) -> Transaction:
        attachments = [
            AttachmentExport(receipt_id=rid, file_name=upload_name(tx, receipt))
            for rid in tx.receipts
            if (receipt := self.store.receipts.get(rid)) is not None
        ]
        series, number, year = str(voucher["VoucherSeries"]), int(voucher["VoucherNumber"]), int(voucher["Year"])
        tx = workflow.record_voucher(self.store, tx, number, year, attachments, found=found_by_lookup, series=series)
        self._claimed_by()[(series, year, number)] = tx.id
        self._emit(tx, f"voucher {tx.export.voucher_label}" + (" (found in Fortnox)" if found_by_lookup else ""))
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
                body = bookkeeping.build_voucher(tx, self.store.settings, tx.export.series).to_fortnox() \
                    if tx.export is not None and tx.export.voucher_body is None else _exact_amounts(tx.export.voucher_body)
                found = await self._look_up(tx, body, [(a.series, a.financial_year_id, a.date, a.date)
                                                       for a in tx.send_attempts])
            except FortnoxRejected as exc:
                refused[tx.id] = [f"{exc}. {exc.meaning}"]
                continue
            except FortnoxError as exc:
                refused[tx.id] = [_unreachable(exc)]
                continue
            if found is not None:
                tx = self._record_voucher(tx, found, found_by_lookup=True)
                refused[tx.id] = [f"Fortnox had already booked it as voucher {tx.export.voucher_label}: it stays in "
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
