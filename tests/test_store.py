"""The repository: durable commits, crash recovery, one writer, immutable exports, never overwriting bad files."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tinydb import TinyDB

from juni_tui.domain.transactions import ExportState, Status
from juni_tui.services.store import CorruptDataError, ImmutableError, Store, StoreLockedError
from tests.conftest import make_tx


def exported(tx, number=1):
    return tx.model_copy(
        update={
            "status": Status.EXPORTED,
            "export": ExportState(
                series="K", tag=f"juni {tx.id}", voucher_number=number, voucher_year=2,
                exported_at=datetime(2026, 11, 1, 12, tzinfo=UTC),
            ),
        }
    )


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)


def test_commit_survives_a_crash_before_any_checkpoint(home):
    result = run_python(
        f"""
        import os
        from juni_tui.services.store.home import Home
        from juni_tui.services.store import Store
        from tests.conftest import make_tx
        store = Store.open(Home({str(home.root)!r}))
        store.commit([make_tx("a"), make_tx("b", merchant="SAS")])
        os._exit(0)  # no close, no checkpoint: as if the process were killed
        """
    )
    assert result.returncode == 0, result.stderr
    assert not home.db.exists()
    with Store.open(home) as store:
        assert store.transactions["b"].merchant == "SAS"
        assert store.ids(Status.PREPARE) == ["a", "b"]


def test_a_torn_last_journal_line_is_dropped_and_the_rest_kept(home):
    with Store.open(home) as store:
        store.commit([make_tx("a")])
        store.checkpoint()
        store.commit([make_tx("b")])
        store._journal.close()
        store._closed = True
        store._release_lock()
    with open(home.journal, "ab") as handle:
        handle.write(b'{"seq": 99, "ops": [["put", "transactions", "id", {"id": "c"')  # the crash cut it here
    with Store.open(home) as store:
        assert sorted(store.transactions.keys()) == ["a", "b"]


def test_a_damaged_journal_line_in_the_middle_is_refused_and_left_alone(home):
    with Store.open(home) as store:
        store.commit([make_tx("a")])
        store._journal.close()
        store._closed = True
        store._release_lock()
    with open(home.journal, "ab") as handle:
        handle.write(b"garbage\n" + json.dumps({"seq": 5, "ops": []}).encode() + b"\n")
    before = home.journal.read_bytes()
    with pytest.raises(CorruptDataError, match="line 2 is damaged"):
        Store.open(home)
    assert home.journal.read_bytes() == before


def test_an_unparseable_data_file_is_never_overwritten(home):
    home.db.write_text('{"transactions": {"1": {"id": "a", "date": "2026-10-')
    before = home.db.read_bytes()
    with pytest.raises(CorruptDataError) as excinfo:
        Store.open(home)
    assert "has not changed it" in str(excinfo.value)
    assert home.db.read_bytes() == before
    # and the lock was released, so the user can retry after fixing the file
    home.db.write_text("{}")
    Store.open(home).close()


def test_a_document_that_is_not_a_transaction_is_reported_with_its_table_and_key(home):
    home.db.write_text(json.dumps(
        {"transactions": {"1": {"id": "a", "date": "2026-10-01", "merchant": "X", "amount": "lots"}}}))
    with Store.open(home) as store:
        with pytest.raises(CorruptDataError, match="'transactions', a: amount"):
            store.transactions.get("a")
    home.db.write_text(json.dumps(
        {"transactions": {"1": {"id": "a", "date": "yesterday", "merchant": "X", "amount": "1.00"}}}))
    # dates order the tabs: checked at once
    with pytest.raises(CorruptDataError, match="'transactions', 'a': date 'yesterday'"):
        Store.open(home)
    assert "yesterday" in home.db.read_text()  # the bad document is kept as it was


def test_a_second_instance_gets_a_clear_message(home):
    with Store.open(home):
        result = run_python(
            f"""
            from juni_tui.services.store.home import Home
            from juni_tui.services.store import Store, StoreLockedError
            try:
                Store.open(Home({str(home.root)!r}))
            except StoreLockedError as exc:
                print(exc)
            """
        )
    assert "Another juni-tui is already using" in result.stdout
    assert "pid " in result.stdout


def test_the_lock_is_released_on_close(home):
    Store.open(home).close()
    with Store.open(home) as store:
        assert len(store.transactions) == 0
    with pytest.raises(StoreLockedError):
        with Store.open(home):
            Store.open(home)


def test_an_exported_transaction_cannot_be_changed_or_deleted(home):
    with Store.open(home) as store:
        store.commit([make_tx("a")])
        store.commit([exported(store.transactions["a"])])
        with pytest.raises(ImmutableError, match="exported to Fortnox as voucher K 1"):
            store.commit([make_tx("a", merchant="Changed")])
        with pytest.raises(ImmutableError):
            store.commit(deletes=[("transactions", "a")])
    with Store.open(home) as store:  # and after a restart too
        with pytest.raises(ImmutableError):
            store.commit([make_tx("a", amount=Decimal("-1.00"))])
        assert store.get_transaction("a").merchant == "Adobe"


def test_exported_transactions_move_to_monthly_history_files(home):
    with Store.open(home) as store:
        store.commit([make_tx("a", date=date(2026, 9, 30)), make_tx("b", date=date(2026, 10, 1))])
        store.commit([exported(store.transactions["a"], 1), exported(store.transactions["b"], 2)])
        assert store.count(Status.EXPORTED) == 2 and len(store.transactions) == 0
    assert sorted(p.name for p in (home.root / "history").iterdir()) == ["2026-09.json", "2026-10.json"]
    with Store.open(home) as store:
        assert store.get_transaction("b").export.voucher_number == 2
        assert store.ids(Status.EXPORTED) == ["a", "b"]


def test_the_data_file_is_a_plain_tinydb_database(home):
    with Store.open(home) as store:
        store.commit([make_tx("a", merchant="Clas Ohlson")])
    db = TinyDB(home.db)
    assert [doc["merchant"] for doc in db.table("transactions").all()] == ["Clas Ohlson"]
    db.close()


def test_a_table_no_one_opened_this_session_is_kept_through_a_checkpoint(home):
    from juni_tui.domain.reference import CostCenter

    with Store.open(home) as store:
        store.table("extra", CostCenter, "code")
        store.commit([CostCenter(code="SALJ", description="Sälj")])
    with Store.open(home) as store:  # "extra" is not opened: its documents are carried over untouched
        store.commit([make_tx("a")])
        store.checkpoint()
    with Store.open(home) as store:
        assert store.table("extra", CostCenter, "code")["SALJ"].description == "Sälj"


def test_commits_notify_listeners_with_the_changed_keys(home):
    seen = []
    with Store.open(home) as store:
        store.subscribe(seen.append)
        store.commit([make_tx("a"), make_tx("b")])
    assert seen[0].transactions == {"a", "b"}


def test_every_commit_with_an_audit_record_is_logged_with_time_and_user(home):
    with Store.open(home) as store:
        store.commit([make_tx("a")], audit={"action": "import", "ids": ["a"]})
        log = store.audit_log()
    assert log[-1]["action"] == "import" and log[-1]["user"] and log[-1]["at"].startswith("20")


def test_files_are_private_to_the_user(home):
    with Store.open(home) as store:
        store.commit([make_tx("a")], audit={"action": "x"})
    assert home.journal.stat().st_mode & 0o077 == 0
    assert home.audit.stat().st_mode & 0o077 == 0


def test_timestamps_survive_a_restart_even_when_written_in_the_second_they_were_set(home):
    from juni_tui.domain.transactions import ExportError

    tx = make_tx("a")
    failed = tx.model_copy(update={"status": Status.FAILED, "export": ExportState(
        series="K", tag="juni a", error=ExportError(message="nej"))})
    with Store.open(home) as store:
        store.commit([failed])
    while datetime.now(UTC).replace(microsecond=0) == tx.created_at:
        time.sleep(0.05)  # reopen in a later second: a lost timestamp would come back as "now"
    with Store.open(home) as store:
        again = store.transactions["a"]
    assert again.created_at == tx.created_at
    assert again.export.queued_at == failed.export.queued_at
    assert again.export.error.at == failed.export.error.at


def test_a_batch_of_commits_is_one_durable_write_and_reads_see_it_at_once(home):
    seen = []
    with Store.open(home) as store:
        store.subscribe(seen.append)
        with store.batch():
            store.commit([make_tx("a")], audit={"action": "one"})
            assert store.transactions["a"].merchant == "Adobe"  # visible inside the batch
            store.commit([make_tx("a", merchant="Changed"), make_tx("b")], audit={"action": "two"})
            assert seen == []  # listeners hear once, at the end
        lines = [line for line in home.journal.read_text().splitlines() if line]
        assert len(lines) == 1
        assert seen[0].transactions == {"a", "b"}
        assert [r["action"] for r in store.audit_log()] == ["one", "two"]
    with Store.open(home) as store:
        assert store.transactions["a"].merchant == "Changed"


def test_a_failed_batch_undoes_everything_and_writes_nothing(home):
    with Store.open(home) as store:
        store.commit([make_tx("a")])
        with pytest.raises(RuntimeError):
            with store.batch():
                store.commit([make_tx("a", merchant="Changed"), make_tx("b")])
                store.commit(deletes=[("transactions", "a")])
                raise RuntimeError("something went wrong half-way")
        assert store.transactions["a"].merchant == "Adobe" and "b" not in store.transactions
        assert store.ids(Status.PREPARE) == ["a"]
    with Store.open(home) as store:
        assert sorted(store.transactions.keys()) == ["a"]
