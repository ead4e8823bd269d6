"""Shared test helpers: ready transactions with receipts, a fast client, and exactly-once checks."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import httpx

from juni_tui.domain.transactions import Status, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.services import receipts, workflow
from juni_tui.services.demo.receipt_pdf import ReceiptSpec, render_receipt_pdf
from juni_tui.services.fortnox import oauth
from juni_tui.services.fortnox.client import FortnoxClient, RateLimiter, RetryPolicy
from juni_tui.services.store import Store

MERCHANTS = ["Adobe", "Clas Ohlson", "Espresso House", "SJ", "Kjell & Company", "Telia"]


def seed_ready(store: Store, n: int, *, receipts_every: int = 2, start: date = date(2026, 9, 1)) -> list[str]:
    """``n`` complete transactions marked ready; every ``receipts_every``-th has a real PDF receipt."""
    txs = []
    for i in range(n):
        txs.append(Transaction(
            id=f"tx-{i:04d}", date=start + timedelta(days=i % 60), merchant=MERCHANTS[i % len(MERCHANTS)],
            amount=-(Decimal("100.00") + Decimal(i) + Decimal(i % 7) / 100), account=5410, vat_code=VatCode.VAT25,
            no_receipt_reason=None if receipts_every and i % receipts_every == 0 else "test: no receipt needed",
        ))
    store.commit(txs)
    for tx in txs:
        if tx.no_receipt_reason is None:
            pdf = render_receipt_pdf(ReceiptSpec(tx.merchant, tx.date, -tx.amount, vat_rate=Decimal("0.25"),
                                                 reference=tx.id))
            added = receipts.add_receipt(store, pdf, f"kvitto-{tx.id}.pdf", origin="manual")
            receipts.attach_existing(store, added.receipt.id, tx.id)
    outcome = workflow.mark_ready(store, [tx.id for tx in txs])
    assert not outcome.refused, outcome.refused
    return [tx.id for tx in txs]


def fast_client(store: Store, *, limit: int = 1000, window: float = 5.0, timeout: float = 3.0,
                rate_limit_delay: float = 0.3) -> FortnoxClient:
    """A client for tests: a roomy limiter (unless the test is about the limit) and short waits."""
    conn = oauth.resolve_connection(store.home, store.settings.fortnox, env={})
    http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=timeout))
    client = FortnoxClient(conn.api_url, oauth.token_provider(conn, http, store.home), http=http,
                           limiter=RateLimiter(limit=limit, window=window),
                           retry=RetryPolicy(attempts=8, base_delay=0.01, max_delay=0.1, rate_limit_delay=rate_limit_delay))
    client.owns_http = True
    return client


def booked(sandbox) -> dict:
    return httpx.get(f"{sandbox.admin_url}/state").json()


def assert_exactly_once(sandbox, store: Store, ids: list[str]) -> None:
    """Every transaction exported once, as exactly one voucher, with each receipt uploaded and connected once."""
    state = booked(sandbox)
    tags = Counter()
    for voucher in state["vouchers"]:
        for tx_id in ids:
            if f"(juni {tx_id})" in voucher["Description"]:
                tags[tx_id] += 1
    assert {tx_id: n for tx_id, n in tags.items() if n != 1} == {}, "duplicate vouchers"
    assert set(tags) == set(ids), f"missing vouchers: {set(ids) - set(tags)}"
    assert len(state["vouchers"]) == len(ids)
    for tx_id in ids:
        tx = store.get_transaction(tx_id)
        assert tx is not None and tx.status == Status.EXPORTED, (tx_id, tx and tx.status)
    file_ids = Counter(c["FileId"] for c in state["connections"])
    assert all(n == 1 for n in file_ids.values()), "a file connected twice"
    expected_files = sum(len(store.get_transaction(tx_id).receipts) for tx_id in ids)
    assert len(state["connections"]) == expected_files
    assert len(state["files"]) == expected_files, "a receipt uploaded twice"
    names = Counter(f["Name"] for f in state["files"])
    assert all(n == 1 for n in names.values())


def text_of(static) -> str:
    """The plain text a Static shows (its Rich renderable rendered without styles)."""
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))
    console.print(static.content)
    return console.export_text()


async def flushed(app, pilot) -> None:
    """Until the store changes made so far have been streamed to the screen: the app's flush timer has fired (it is
    set when a change comes in, cleared when the flush runs), and the messages that flush sent are handled."""
    await pilot.pause()
    while app._flush_timer is not None:
        await pilot.pause(0.005)
    await pilot.pause()


# --- sandbox servers stop in the background -------------------------------------------------------------------

_stopping: list[threading.Thread] = []


def stop_in_background(server) -> None:
    """Stop a sandbox server without waiting for it. A stop takes ~0.2 s (uvicorn sees ``should_exit`` on its 0.1 s
    tick, then waits a tick for connections), a second if a request hangs on purpose; no test looks at a server
    after its test, so the next test runs meanwhile. ``join_stopped_servers`` waits for them all at the end."""
    thread = threading.Thread(target=server.stop, name=f"stop-sandbox-{server.port}", daemon=True)
    thread.start()
    _stopping.append(thread)


def join_stopped_servers() -> None:
    while _stopping:
        _stopping.pop().join(timeout=15)
