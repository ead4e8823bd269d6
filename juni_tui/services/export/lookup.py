"""What Fortnox already has: the sweep before the first POST, the lookups after an unknown outcome, and the checks
that a voucher found by its tag is exactly the one juni-tui would book and is no other transaction's.

``FortnoxLedger`` is the exporter's side that asks (the worker, ``worker.Exporter``, is one): it lists the series and
dates where a transaction's voucher may be (``_places``), remembers the tags found (``_sweep``), picks the voucher
that is exactly this transaction's (``_pick``) and knows which vouchers juni-tui has recorded (``_claimed_by``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from juni_tui.domain.clock import utcnow
from juni_tui.domain.transactions import Status, Transaction
from juni_tui.services import vouchers as bookkeeping
from juni_tui.services.fortnox.client import FortnoxClient
from juni_tui.services.fortnox.errors import FortnoxRejected, NotFound
from juni_tui.services.fortnox.reference import ReferenceData
from juni_tui.services.store import Store


def as_amount(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _rows_signature(rows: Iterable[dict[str, Any]]) -> list[tuple[int, Decimal, Decimal, str, str]]:
    return sorted(
        (int(r["Account"]), as_amount(r.get("Debit", 0) or 0), as_amount(r.get("Credit", 0) or 0),
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


class FortnoxLedger:
    """The lookups in Fortnox, for the worker that holds the store, the client and the state declared here."""

    store: Store
    client: FortnoxClient
    _ref: ReferenceData | None
    _swept: dict[str, datetime]
    _tagged: dict[str, list[dict[str, Any]]]
    _claims: dict[tuple[str, int, int], str] | None

    def pending_ids(self) -> list[str]:  # the worker's queue
        raise NotImplementedError

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

    async def _pick(self, tx: Transaction, body: dict[str, Any],
                    candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
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
            view_of = self.store.history_views.get
            for key in self.store.history_index.keys():
                entry = view_of(key)
                if entry is not None:
                    claims[(entry.series, entry.year, entry.number)] = key
            for status in (Status.SENDING, Status.ATTACHING, Status.FAILED, Status.QUEUED):
                for tx_id in self.store.ids(status):
                    export = self.store.transactions[tx_id].export
                    if export is not None and export.voucher_number is not None and export.voucher_year is not None:
                        claims[(export.series, export.voucher_year, export.voucher_number)] = tx_id
            self._claims = claims
        return self._claims
