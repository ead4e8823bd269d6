"""Exactly-once against the user's own actions: texts that look like tags, sending back an item Fortnox may already
have booked, re-exporting into another series, and reports that tell the truth about resumed runs.

Every test ends with one voucher per transaction in the sandbox."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx

from juni_tui.cli import main
from juni_tui.commands.demo import connect_to_sandbox
from juni_tui.domain.transactions import Status, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.services import vouchers as bookkeeping
from juni_tui.services import workflow
from juni_tui.services.export import Exporter
from tests.helpers import assert_exactly_once, booked, fast_client, seed_ready


def set_faults(sandbox, **faults) -> None:
    httpx.put(f"{sandbox.admin_url}/faults", json=faults).raise_for_status()


def exporter_for(store, client, **kw) -> Exporter:
    return Exporter(store, client, lookup_grace=0.01, round_delay=0.01, **kw)


async def export_all(store, ids, *, series="K", rounds: int = 30) -> None:
    async with fast_client(store) as client:
        exporter = exporter_for(store, client, max_rounds=rounds)
        outcome = await exporter.queue(ids, series)
        assert not outcome.refused, outcome.refused
        await exporter.run()


def twins(store, n: int) -> list[str]:
    """``n`` purchases on one day with the same amount and account, so only the tag tells their vouchers apart,
    and each one's description holds the next one's tag (as if copied from Fortnox)."""
    txs = [
        Transaction(id=f"AA-{i}", date=date(2026, 9, 3), merchant="Adobe", amount=Decimal("-100.00"), account=5410,
                    vat_code=VatCode.VAT25, no_receipt_reason="test: no receipt needed",
                    description=f"copied from Fortnox (juni AA-{(i + 1) % n})")
        for i in range(n)
    ]
    store.commit(txs)
    assert not workflow.mark_ready(store, [tx.id for tx in txs]).refused
    return [tx.id for tx in txs]


# --- 1. a tag in the user's own text ------------------------------------------------------------------------


def test_a_tag_in_the_users_text_never_reaches_the_voucher_description(store):
    (tx_id,) = twins(store, 1)
    tx = store.transactions[tx_id]
    description = bookkeeping.build_voucher(tx, store.settings, "K").to_fortnox()["Voucher"]["Description"]
    assert description.count("(juni") == 1
    assert description.endswith(f"({workflow.export_tag(tx_id)})")


async def test_a_voucher_whose_text_holds_another_transactions_tag_is_never_taken_for_it(sandbox_factory, store):
    sandbox = sandbox_factory(seed=11, rate_limit_requests=10_000)
    connect_to_sandbox(store, sandbox)
    ids = twins(store, 12)
    set_faults(sandbox, error_rate=0.3, error_statuses=[503], paths=["vouchers"])
    await export_all(store, ids)
    assert_exactly_once(sandbox, store, ids)
    numbers = {store.get_transaction(i).export.voucher_number for i in ids}
    assert len(numbers) == 12  # no two transactions claim the same voucher


async def test_a_tagged_voucher_already_in_fortnox_is_found_by_the_sweep_not_posted_again(connected, sandbox):
    """Fortnox is the ledger: a voucher with the transaction's tag is there (booked by an earlier, forgotten run),
    so the run records it and posts nothing for it."""
    ids = seed_ready(connected, 3, receipts_every=0)
    tx = connected.transactions[ids[1]]
    body = bookkeeping.build_voucher(tx, connected.settings, "K").to_fortnox()
    async with fast_client(connected) as client:
        await client.create_voucher(body, 2)
    await export_all(connected, ids)
    assert_exactly_once(connected and sandbox, connected, ids)
    assert connected.get_transaction(ids[1]).export.found_by_lookup


async def test_a_voucher_already_claimed_by_another_transaction_is_not_taken_again(connected, sandbox):
    ids = seed_ready(connected, 2, receipts_every=0)
    await export_all(connected, ids[:1])
    first = connected.get_transaction(ids[0])
    # A second transaction that, by a bug or a hand-edited home, carries the first one's tag.
    clone = Transaction(id="clone", date=first.date, merchant=first.merchant, amount=first.amount,
                        account=first.account, vat_code=first.vat_code, no_receipt_reason="test")
    connected.commit([clone])
    workflow.mark_ready(connected, ["clone"])
    async with fast_client(connected) as client:
        exporter = exporter_for(connected, client)
        await exporter.queue(["clone"], "K")
        queued = connected.transactions["clone"]
        connected.commit([queued.model_copy(update={"export": queued.export.model_copy(
            update={"tag": first.export.tag})})])
        await exporter.run()
    clone = connected.get_transaction("clone")
    assert clone.status == Status.FAILED
    assert f"K {first.export.voucher_number}" in clone.export.error.message
    assert len(booked(sandbox)["vouchers"]) == 1


# --- 2. sending back an item whose voucher may be booked ----------------------------------------------------


async def lost_answer_then_unreachable(store, sandbox, monkeypatch, n: int = 1) -> list[str]:
    """Fortnox books the voucher but the answer is lost, and from then on cannot be reached: the item fails."""
    from juni_tui.services.fortnox.errors import Unavailable

    ids = seed_ready(store, n, receipts_every=0)
    set_faults(sandbox, drop_after_commit_rate=1.0, paths=["vouchers"])
    async with fast_client(store) as client:
        exporter = exporter_for(store, client, max_rounds=2)
        assert not (await exporter.queue(ids, "K")).refused
        real_create = client.create_voucher

        async def create_then_unreachable(*args, **kw):
            async def unreachable(*args, **kw):
                raise Unavailable("Service Unavailable", status=503)

            monkeypatch.setattr(client, "list_vouchers", unreachable)
            monkeypatch.setattr(client, "get_voucher", unreachable)
            return await real_create(*args, **kw)

        monkeypatch.setattr(client, "create_voucher", create_then_unreachable)
        await exporter.run()
    set_faults(sandbox)
    assert all(store.transactions[i].status == Status.FAILED for i in ids)
    assert len(booked(sandbox)["vouchers"]) == n
    return ids


async def test_a_failed_item_fortnox_may_have_booked_cannot_be_sent_back_without_asking_fortnox(
        sandbox_factory, store, monkeypatch):
    sandbox = sandbox_factory(rate_limit_requests=10_000)
    connect_to_sandbox(store, sandbox)
    ids = await lost_answer_then_unreachable(store, sandbox, monkeypatch)
    outcome = workflow.back_to_prepare(store, ids)
    assert outcome.done == []
    assert "may already have booked" in outcome.refused[ids[0]][0]
    assert store.transactions[ids[0]].status == Status.FAILED


async def test_send_back_asks_fortnox_first_and_a_booked_voucher_is_kept_not_booked_again(sandbox_factory, store,
                                                                                          monkeypatch):
    sandbox = sandbox_factory(rate_limit_requests=10_000)
    connect_to_sandbox(store, sandbox)
    ids = await lost_answer_then_unreachable(store, sandbox, monkeypatch)
    async with fast_client(store) as client:
        exporter = exporter_for(store, client)
        set_faults(sandbox, error_rate=1.0, paths=["vouchers"])
        refused = await exporter.send_back(ids)  # Fortnox still unreachable: refused, with the reason
        assert "could not ask Fortnox" in refused.refused[ids[0]][0]
        assert store.transactions[ids[0]].status == Status.FAILED
        set_faults(sandbox)
        settled = await exporter.send_back(ids)  # Fortnox answers: the voucher is there, so it stays exported
        assert settled.done == []
        assert "already booked" in settled.refused[ids[0]][0]
        await exporter.run()
    assert_exactly_once(sandbox, store, ids)


async def test_send_back_after_fortnox_refused_the_voucher_goes_through_and_the_attempt_is_kept(connected, sandbox):
    ids = seed_ready(connected, 1, receipts_every=0)
    connected.commit([connected.transactions[ids[0]].model_copy(update={"account": 5460})])  # inactive in Fortnox
    workflow.queue(connected, ids, "K")  # as if the checks had passed before Fortnox changed
    async with fast_client(connected) as client:
        await exporter_for(connected, client).run()
        assert connected.transactions[ids[0]].status == Status.FAILED
        outcome = await exporter_for(connected, client).send_back(ids)
    assert outcome.done == ids
    tx = connected.transactions[ids[0]]
    assert tx.status == Status.PREPARE and tx.export is None
    assert [(a.series, a.outcome) for a in tx.send_attempts] == [("K", "refused")]  # remembered all the same
    workflow.set_values(connected, ids, account=5410)
    workflow.mark_ready(connected, ids)
    await export_all(connected, ids)
    assert_exactly_once(sandbox, connected, ids)


async def test_an_attempt_in_one_series_is_found_when_the_item_is_exported_again_into_another(
        sandbox_factory, store, monkeypatch):
    """Fortnox's list lagged behind when the user sent the item back, so juni-tui was told the voucher was not
    there. Exporting again, into another series, still looks where the first attempt may have landed."""
    sandbox = sandbox_factory(rate_limit_requests=10_000)
    connect_to_sandbox(store, sandbox)
    ids = await lost_answer_then_unreachable(store, sandbox, monkeypatch)
    async with fast_client(store) as client:
        async def lagging(*args, **kw):
            return []

        monkeypatch.setattr(client, "list_vouchers", lagging)
        assert (await exporter_for(store, client).send_back(ids)).done == ids
    assert store.transactions[ids[0]].status == Status.PREPARE
    workflow.mark_ready(store, ids)
    await export_all(store, ids, series="A")
    assert_exactly_once(sandbox, store, ids)
    tx = store.get_transaction(ids[0])
    assert tx.export.voucher_label.startswith("K ") and tx.export.found_by_lookup


# --- 7. truthful reports ----------------------------------------------------------------------------------


def test_a_resumed_export_reports_its_failures_and_exits_non_zero(connected, sandbox, capsys):
    """Three items were left in the queue by an interrupted run; Fortnox refuses them when they are resumed."""
    ids = seed_ready(connected, 3, receipts_every=0)
    for tx_id in ids:
        connected.commit([connected.transactions[tx_id].model_copy(update={"account": 5460})])  # inactive in Fortnox
    workflow.queue(connected, ids, "K")
    connected.close()
    code = main(["--home", str(connected.home.root), "export", "--yes", "--json"])
    out = capsys.readouterr()
    assert code == 1
    assert "failed 3" in out.err
    import json

    assert sorted(json.loads(out.out)["failed"]) == ids


def test_a_resumed_export_that_succeeds_reports_what_it_exported(connected, sandbox, capsys):
    ids = seed_ready(connected, 2, receipts_every=0)
    workflow.queue(connected, ids, "K")
    connected.close()
    code = main(["--home", str(connected.home.root), "export", "--yes"])
    assert code == 0
    assert "Exported 2" in capsys.readouterr().err


def test_every_tag_reads_back_exactly_from_the_description_it_ends():
    for tx_id in ["tx-1", "a b", "x(1)", "ÅÄÖ-7", "id)", "(juni x)", "é" * 50, "tab\there"]:
        tag = workflow.export_tag(tx_id)
        assert bookkeeping.tag_in(f"Kortköp Adobe 2026-09-03 ({tag})") == tag


async def test_u_in_the_queue_asks_fortnox_first_and_finishes_a_voucher_it_had_booked(connected, sandbox):
    """The TUI: a failed item whose voucher Fortnox booked without answering; u finds it, and it goes to the
    history with its one voucher instead of back to Prepare."""
    from juni_tui.domain.transactions import ExportError
    from juni_tui.screens.queue import QueueScreen
    from tests.test_tui_flow import make_app, settle

    ids = seed_ready(connected, 1, receipts_every=0)
    workflow.queue(connected, ids, "K")
    tx = connected.transactions[ids[0]]
    body = bookkeeping.build_voucher(tx, connected.settings, "K").to_fortnox()
    tx = workflow.begin_voucher(connected, tx, body, 2)
    async with fast_client(connected) as client:
        await client.create_voucher(body, 2)  # booked; the answer "never came"
    workflow.mark_failed(connected, tx, ExportError(message="Fortnox did not answer", retryable=True))
    app = make_app(connected)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("u", "y")  # y: yes, send it back
        await settle(app, pilot)
        await settle(app, pilot)
    assert connected.get_transaction(ids[0]).status == Status.EXPORTED
    assert_exactly_once(sandbox, connected, ids)


# --- an import never brings back what this home has known ------------------------------------------------------


def test_an_id_named_in_the_audit_log_is_not_imported_again_after_the_home_lost_it(store, tmp_path, capsys):
    """The home was repaired by hand with an older database: the audit log still says tx-0000 was exported."""
    from juni_tui.services import importing

    ids = seed_ready(store, 2, receipts_every=0)
    store.audit({"action": "exported", "ids": ["gone-1"], "voucher": {"series": "K", "number": 9, "year": 2}})
    path = tmp_path / "again.csv"
    path.write_text("id,date,merchant,amount\ngone-1,2026-09-01,Adobe,-100.00\nnew-1,2026-09-02,SJ,-50.00\n")
    result = importing.import_file(store, path)
    assert result.added == ["new-1"]
    assert result.seen_before == ["gone-1"]
    assert "gone-1" not in store.transactions
    assert "known to this home before" in result.summary and "juni-tui doctor" in result.summary
    assert ids  # the rest of the home is untouched


def test_an_id_in_a_history_archive_but_missing_from_the_index_is_not_imported_again(connected, sandbox, tmp_path):
    import asyncio

    from juni_tui.services import importing

    ids = seed_ready(connected, 1, receipts_every=0)
    asyncio.run(export_all(connected, ids))
    connected.checkpoint()
    # the index loses the entry (a hand-edited juni.json); the month's archive still holds the transaction
    connected.commit(deletes=[("history_index", ids[0])])
    path = tmp_path / "again.csv"
    tx = connected.history.get(ids[0]) if ids[0] in connected.history else None
    path.write_text(f"id,date,merchant,amount\n{ids[0]},2026-09-01,Adobe,-100.00\n")
    result = importing.import_file(connected, path)
    assert result.added == [] and result.seen_before == ids, tx
    assert len(booked(sandbox)["vouchers"]) == 1


def test_the_cli_says_what_it_did_not_import_again_and_exits_non_zero(store, tmp_path, capsys):
    store.audit({"action": "exported", "ids": ["gone-1"], "voucher": {"series": "K", "number": 9, "year": 2}})
    store.close()
    path = tmp_path / "again.csv"
    path.write_text("id,date,merchant,amount\ngone-1,2026-09-01,Adobe,-100.00\n")
    assert main(["--home", str(store.home.root), "import", str(path)]) == 1
    assert "known to this home before" in capsys.readouterr().out


def test_a_damaged_history_archive_stops_the_export_before_anything_is_booked(connected, sandbox, capsys):
    seed_ready(connected, 2, receipts_every=0)
    archive = connected.home.root / "history" / "2026-09.json"
    archive.parent.mkdir(exist_ok=True)
    archive.write_text('{"transactions": {"1": ["not", "a", "transaction"]}}')
    connected.close()
    code = main(["--home", str(connected.home.root), "export", "--yes", "--series", "K"])
    assert code == 1
    assert "2026-09.json" in capsys.readouterr().err
    assert booked(sandbox)["vouchers"] == []
    assert archive.read_text() == '{"transactions": {"1": ["not", "a", "transaction"]}}'  # left as it was
