"""Exactly-once export against the sandbox over real HTTP, with the faults that create duplicates turned on.

Fault tests lift the sandbox's rate limit so they run in seconds; the 429 test keeps it and adds bursts."""

from __future__ import annotations

from datetime import date

import httpx

from juni_tui.commands.demo import connect_to_sandbox
from juni_tui.domain.transactions import AttachmentExport, Status
from juni_tui.services import workflow
from juni_tui.services.export import Exporter
from tests.helpers import assert_exactly_once, booked, fast_client, seed_ready


def set_faults(sandbox, **faults) -> None:
    httpx.put(f"{sandbox.admin_url}/faults", json=faults).raise_for_status()


async def export_all(store, ids, *, series="K", rounds: int = 30, **client_kw) -> None:
    async with fast_client(store, **client_kw) as client:
        exporter = Exporter(store, client, lookup_grace=0.05, round_delay=0.05, max_rounds=rounds)
        outcome = await exporter.queue(ids, series)
        assert not outcome.refused, outcome.refused
        await exporter.run()


async def test_a_clean_export_books_one_voucher_per_transaction_with_its_receipts(connected, sandbox):
    ids = seed_ready(connected, 8)
    await export_all(connected, ids)
    assert_exactly_once(sandbox, connected, ids)
    tx = connected.get_transaction(ids[0])
    assert tx.export.voucher_number is not None and tx.export.attachments[0].connected


async def test_vouchers_are_numbered_in_date_order(connected, sandbox):
    ids = seed_ready(connected, 6, receipts_every=0)
    await export_all(connected, ids)
    numbers = [connected.get_transaction(i).export.voucher_number for i in sorted(ids, key=lambda i: connected.get_transaction(i).date)]
    assert numbers == sorted(numbers)


async def test_dropped_answers_after_commit_never_create_duplicates(sandbox_factory, store):
    sandbox = sandbox_factory(seed=3, rate_limit_requests=10_000)
    connect_to_sandbox(store, sandbox)
    ids = seed_ready(store, 20)
    set_faults(sandbox, drop_after_commit_rate=0.2)
    await export_all(store, ids)
    assert_exactly_once(sandbox, store, ids)
    stats = httpx.get(f"{sandbox.admin_url}/stats").json()
    assert stats["faults"].get("drop_after_commit", 0) > 0  # the fault really fired
    assert any(store.get_transaction(i).export.found_by_lookup for i in ids)


async def test_server_errors_before_and_after_commit_never_create_duplicates(sandbox_factory, store):
    sandbox = sandbox_factory(seed=5, rate_limit_requests=10_000)
    connect_to_sandbox(store, sandbox)
    ids = seed_ready(store, 16)
    set_faults(sandbox, error_rate=0.1, error_after_commit_rate=0.1)
    await export_all(store, ids)
    assert_exactly_once(sandbox, store, ids)


async def test_bursts_of_429_are_waited_out(sandbox_factory, store):
    sandbox = sandbox_factory(seed=7, rate_limit_window=1.0)  # Fortnox's 25 requests, in 1 s instead of 5
    connect_to_sandbox(store, sandbox)
    ids = seed_ready(store, 6)
    set_faults(sandbox, rate_limit_burst=4, rate_limit_burst_rate=0.1)
    # the client keeps the sandbox's limit, so the 429s are the faults'; it waits 0.05 s (+ its jitter) after each
    await export_all(store, ids, limit=25, window=1.0, rate_limit_delay=0.05)
    assert_exactly_once(sandbox, store, ids)
    assert httpx.get(f"{sandbox.admin_url}/stats").json()["faults"]["rate_limit_burst"] >= 4


async def test_tokens_expiring_mid_export_are_renewed(sandbox_factory, store):
    sandbox = sandbox_factory(access_token_ttl=1, rate_limit_requests=10_000)
    connect_to_sandbox(store, sandbox)
    ids = seed_ready(store, 8)
    set_faults(sandbox, latency_ms=120)  # the export outlives several tokens
    await export_all(store, ids)
    assert_exactly_once(sandbox, store, ids)


async def test_a_hung_answer_is_looked_up_not_resent(sandbox_factory, store):
    sandbox = sandbox_factory(seed=1, rate_limit_requests=10_000)
    connect_to_sandbox(store, sandbox)
    ids = seed_ready(store, 4, receipts_every=0)
    set_faults(sandbox, hang_after_commit_rate=0.5, hang_seconds=1.5, paths=["vouchers"])
    await export_all(store, ids, timeout=0.5)
    assert_exactly_once(sandbox, store, ids)


async def test_a_voucher_booked_before_a_crash_is_found_on_restart_not_booked_again(connected, sandbox):
    """The intent was recorded and the POST reached Fortnox, then the process died before recording the number."""
    ids = seed_ready(connected, 2, receipts_every=0)
    async with fast_client(connected) as client:
        exporter = Exporter(connected, client, lookup_grace=0.01)
        await exporter.queue(ids, "K")
        tx = connected.transactions[ids[0]]
        from juni_tui.services import vouchers as bookkeeping

        body = bookkeeping.build_voucher(tx, connected.settings, "K").to_fortnox()
        workflow.begin_voucher(connected, tx, body, 2)
        await client.create_voucher(body, 2)  # Fortnox books it; we "crash" before recording the answer
        assert connected.transactions[ids[0]].status == Status.SENDING
        await Exporter(connected, client, lookup_grace=0.01).run()  # the next start
    assert_exactly_once(sandbox, connected, ids)
    assert connected.get_transaction(ids[0]).export.found_by_lookup


async def test_a_receipt_upload_interrupted_by_a_crash_is_found_by_name(connected, sandbox):
    ids = seed_ready(connected, 1)
    async with fast_client(connected) as client:
        exporter = Exporter(connected, client, lookup_grace=0.01)
        await exporter.queue(ids, "K")
        tx = connected.transactions[ids[0]]
        from juni_tui.services import vouchers as bookkeeping
        from juni_tui.services.export import upload_name

        body = bookkeeping.build_voucher(tx, connected.settings, "K").to_fortnox()
        tx = workflow.begin_voucher(connected, tx, body, 2)
        created = await client.create_voucher(body, 2)
        receipt = connected.receipts[tx.receipts[0]]
        tx = workflow.record_voucher(connected, tx, created["VoucherNumber"], created["Year"],
                                     [AttachmentExport(receipt_id=receipt.id, file_name=upload_name(tx, receipt))])
        att = tx.export.attachments[0].model_copy(update={"upload_started_at": tx.updated_at})
        tx = workflow.record_attachment(connected, tx, 0, att, "upload-intent")
        data = (connected.home.root / receipt.path).read_bytes()
        await client.upload(att.file_name, data, receipt.content_type)  # uploaded; crash before the id is kept
        await Exporter(connected, client, lookup_grace=0.01).run()
    assert_exactly_once(sandbox, connected, ids)


async def test_a_voucher_fortnox_refuses_fails_with_fortnox_message_and_what_it_means(connected, sandbox):
    """Account 5410 was fine when the item was queued; by the time it is sent, the voucher uses an account that
    Fortnox has inactivated (5460). The item fails, nothing is booked, and the queue says why."""
    ids = seed_ready(connected, 2, receipts_every=0)
    bad = connected.transactions[ids[0]].model_copy(update={"account": 5460})
    connected.commit([bad])
    workflow.queue(connected, ids, "K")  # as if the checks had passed before Fortnox changed
    async with fast_client(connected) as client:
        report = await Exporter(connected, client).run()
    failed = connected.transactions[ids[0]]
    assert report.failed == [ids[0]] and report.exported == [ids[1]]
    assert failed.status == Status.FAILED
    assert "inaktiv" in failed.export.error.message.lower()
    assert "inactive" in failed.export.error.meaning
    assert len(booked(sandbox)["vouchers"]) == 1
    # u sends it back to Prepare to be fixed; r would retry as is
    assert workflow.back_to_prepare(connected, [ids[0]]).done == [ids[0]]


async def test_checks_before_queueing_keep_out_what_fortnox_would_refuse(connected):
    ids = seed_ready(connected, 3, receipts_every=0, start=date(2025, 3, 1))  # in the locked period
    async with fast_client(connected) as client:
        outcome = await Exporter(connected, client).queue(ids, "B")  # B is not a manual series
    assert outcome.done == []
    reasons = outcome.refused[ids[0]]
    assert any("locked" in r for r in reasons)
    assert any("not set to manual" in r for r in reasons)
    assert all(connected.transactions[i].status == Status.READY for i in ids)
