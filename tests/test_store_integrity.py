"""A home is never emptied, never half-written and never silently shortened (issue 10, store side).

Damaged homes are refused with a sentence and left as they are; a write that fails is undone on disk before the
error is shown; the audit record travels in the same durable write as the change.
"""

from __future__ import annotations

import errno
import json
import os
from datetime import UTC, date, datetime

import pytest

from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import ExportState, Status
from juni_tui.services.store import CorruptDataError, Store, StoreError, files
from juni_tui.services.store.home import Home
from tests.conftest import make_tx


def exported(tx, number=1):
    return tx.model_copy(update={"status": Status.EXPORTED, "export": ExportState(
        series="K", tag=f"juni {tx.id}", voucher_number=number, voucher_year=2,
        exported_at=datetime(2026, 11, 1, 12, tzinfo=UTC))})


def snapshot(home: Home) -> dict[str, bytes]:
    """Every file of the home with its bytes (the lock and owner files aside)."""
    out = {}
    for path in sorted(home.root.rglob("*")):
        if path.is_file() and not path.name.startswith(".juni-tui"):
            out[str(path.relative_to(home.root))] = path.read_bytes()
    return out


def crash(store: Store) -> None:
    """Leave the store as a killed process would: no checkpoint, no close."""
    store._journal.close()
    store._closed = True
    store._release_lock()


def busy_home(home: Home) -> None:
    """A home with exported work (history), a rule of settings, an audit log and changes in the journal."""
    with Store.open(home) as store:
        store.commit([make_tx("a", date=date(2026, 9, 3)), make_tx("b")], audit={"action": "import", "ids": ["a", "b"]})
        store.commit([exported(store.transactions["a"])], audit={"action": "exported", "ids": ["a"]})
        store.save_settings(Settings(default_series="K"))
    with Store.open(home) as store:
        store.commit([make_tx("c")], audit={"action": "import", "ids": ["c"]})
        crash(store)


# --- 1. an emptied juni.json is a damaged home, not an empty company -----------------------------------------


@pytest.mark.parametrize("content", [b"", b"  \n\t", None], ids=["0 bytes", "whitespace", "missing"])
def test_an_emptied_database_beside_other_data_is_refused_and_every_file_left_alone(home, content):
    busy_home(home)
    if content is None:
        home.db.unlink()
    else:
        home.db.write_bytes(content)
    before = snapshot(home)
    with pytest.raises(StoreError) as excinfo:
        Store.open(home)
    message = str(excinfo.value)
    assert "damaged" in message and "juni-tui doctor" in message
    assert "move it away" not in message
    assert snapshot(home) == before
    assert ".bak" not in message or "intact" in message


@pytest.mark.parametrize("other", ["journal", "history", "receipts", "audit"])
def test_each_kind_of_other_data_makes_an_empty_database_a_damaged_home(home, other):
    if other == "journal":
        home.journal.write_text(json.dumps({"seq": 5, "at": "x", "ops": []}) + "\n")
    elif other == "history":
        (home.root / "history").mkdir()
        (home.root / "history" / "2026-10.json").write_text('{"transactions": {}}')
    elif other == "receipts":
        (home.receipts / "r1.pdf").write_bytes(b"%PDF-1.4")
    else:
        home.audit.write_text('{"at": "x", "action": "import"}\n')
    home.db.write_bytes(b"")
    with pytest.raises(StoreError, match="damaged"):
        Store.open(home)


def test_a_truly_new_home_still_opens_empty(home):
    with Store.open(home) as store:
        assert len(store.transactions) == 0
    with Store.open(Home(home.root.parent / "never-seen")) as store:
        assert store.count(*Status) == 0


def test_a_valid_backup_is_named_in_the_advice_only_when_it_is_intact(home):
    busy_home(home)
    with Store.open(home) as store:
        store.commit([make_tx("d")])
    bak = home.db.with_name("juni.json.bak")
    assert bak.exists()
    home.db.write_bytes(b"")
    with pytest.raises(StoreError) as excinfo:
        Store.open(home)
    assert "juni.json.bak" in str(excinfo.value) and "intact" in str(excinfo.value)
    bak.write_bytes(b"")
    with pytest.raises(StoreError) as excinfo:
        Store.open(home)
    assert "juni.json.bak" not in str(excinfo.value)


@pytest.mark.parametrize("current", [b"", b"{not json", b"[1, 2]", b'{"transactions": []}'])
def test_a_save_never_replaces_the_backup_with_a_worse_file(home, current):
    from juni_tui.services.store.storage import AtomicJSONStorage

    storage = AtomicJSONStorage(home.db)
    storage.write({"transactions": {"1": {"id": "a"}}})
    storage.write({"transactions": {"1": {"id": "a"}, "2": {"id": "b"}}})
    bak = home.db.with_name("juni.json.bak")
    good = bak.read_bytes()
    home.db.write_bytes(current)
    AtomicJSONStorage(home.db).write({"transactions": {}})
    assert bak.read_bytes() == good


# --- 2. the audit record is part of the change ------------------------------------------------------------------


def test_the_audit_record_is_in_the_same_journal_entry_as_the_change(home):
    with Store.open(home) as store:
        store.commit([make_tx("a")], audit={"action": "import", "ids": ["a"]})
        entries = [json.loads(line) for line in home.journal.read_text().splitlines()]
    assert len(entries) == 1
    assert entries[0]["ops"] and entries[0]["audit"][0]["action"] == "import"
    assert entries[0]["audit"][0]["user"]


def test_an_unwritable_audit_log_does_not_fail_the_change_and_is_caught_up_later(home):
    home.audit.mkdir()  # a folder where audit.jsonl should be: every append to it fails
    with Store.open(home) as store:
        store.commit([make_tx("a")], audit={"action": "import", "ids": ["a"]})
        store.audit({"action": "export-run"})
        journal = [json.loads(line) for line in home.journal.read_text().splitlines()]
        assert [e["audit"][0]["action"] for e in journal] == ["import", "export-run"]
        crash(store)
    home.audit.rmdir()
    with Store.open(home) as store:
        assert [r["action"] for r in store.audit_log()] == ["import", "export-run"]
        assert "a" in store.transactions
    lines = [json.loads(line) for line in home.audit.read_text().splitlines()]
    assert [(r["seq"], r["action"]) for r in lines] == [(1, "import"), (2, "export-run")]


def test_a_crash_between_the_change_and_the_audit_line_loses_no_audit_record(home, monkeypatch):
    with Store.open(home) as store:
        # the process dies before audit.jsonl
        monkeypatch.setattr("juni_tui.services.store.audit.AuditLog.sync", lambda self: False)
        store.commit([make_tx("a")], audit={"action": "import", "ids": ["a"]})
        crash(store)
        monkeypatch.undo()
    assert not home.audit.exists() or home.audit.read_text() == ""
    with Store.open(home) as store:
        assert [r["action"] for r in store.audit_log()] == ["import"]


def test_bringing_the_audit_log_up_to_date_twice_adds_nothing_twice(home):
    with Store.open(home) as store:
        with store.batch():
            store.commit([make_tx("a")], audit={"action": "one"})
            store.commit([make_tx("b")], audit={"action": "two"})
        crash(store)
    for _ in range(2):
        with Store.open(home) as store:
            crash(store)  # opening syncs; the journal is kept, so the next open sees the same entries again
    with Store.open(home) as store:
        assert [r["action"] for r in store.audit_log()] == ["one", "two"]
    assert len(home.audit.read_text().splitlines()) == 2


def test_a_half_written_batch_of_audit_lines_is_completed_not_repeated(home):
    with Store.open(home) as store:
        with store.batch():
            store.commit([make_tx("a")], audit={"action": "one"})
            store.commit([make_tx("b")], audit={"action": "two"})
            store.commit([make_tx("c")], audit={"action": "three"})
        crash(store)
    lines = home.audit.read_bytes().splitlines(keepends=True)
    home.audit.write_bytes(lines[0] + lines[1][:10])  # the second line was cut off by a crash
    with Store.open(home) as store:
        assert [r["action"] for r in store.audit_log()] == ["one", "two", "three"]


def test_the_journal_is_not_emptied_while_the_audit_log_cannot_be_brought_up_to_date(home):
    home.audit.mkdir()
    with Store.open(home) as store:
        store.commit([make_tx("a")], audit={"action": "import"})
        store.checkpoint()
        assert home.journal.stat().st_size > 0
    home.audit.rmdir()
    with Store.open(home) as store:
        assert [r["action"] for r in store.audit_log()] == ["import"]
        store.checkpoint()
    assert home.journal.stat().st_size == 0
    assert [json.loads(line)["action"] for line in home.audit.read_text().splitlines()] == ["import"]


def test_an_audit_only_record_is_durable_in_the_journal(home):
    with Store.open(home) as store:
        store.audit({"action": "export-run", "pending": 3})
        crash(store)
    home.audit.unlink()
    with Store.open(home) as store:
        assert store.audit_log()[-1]["pending"] == 3


def test_audit_records_from_an_older_version_are_kept_and_listed_first(home):
    home.audit.write_text('{"at": "2025-01-01T00:00:00+00:00", "user": "u", "action": "old"}\n')
    home.db.write_text('{"_meta": {"1": {"schema": 1, "journal_seq": 7}}, "transactions": {}}')
    with Store.open(home) as store:
        store.commit([make_tx("a")], audit={"action": "new"})
        assert [r["action"] for r in store.audit_log()] == ["old", "new"]


# --- 3./4. a failed write is undone on disk; a cut-off append never blocks the next open --------------------


def failing_once(real, *, partial: bool, error=errno.ENOSPC):
    state = {"failed": False}

    def write(fd, data):
        if not state["failed"]:
            state["failed"] = True
            if partial:
                real(fd, bytes(data[: len(data) // 2]))
            raise OSError(error, os.strerror(error))
        return real(fd, data)

    return write


@pytest.mark.parametrize("how", ["short write", "fdatasync"])
def test_a_full_disk_during_a_commit_is_undone_and_the_home_still_opens(home, monkeypatch, how):
    with Store.open(home) as store:
        store.commit([make_tx("a")], audit={"action": "import", "ids": ["a"]})
        size = home.journal.stat().st_size
        if how == "short write":
            monkeypatch.setattr(os, "write", failing_once(os.write, partial=True))
        else:
            real = os.fdatasync
            calls = {"n": 0}

            def fdatasync(fd):
                calls["n"] += 1
                if calls["n"] == 1:
                    raise OSError(errno.ENOSPC, "No space left on device")
                return real(fd)

            monkeypatch.setattr(os, "fdatasync", fdatasync)
        with pytest.raises(StoreError) as excinfo:
            store.commit([make_tx("b")], audit={"action": "import", "ids": ["b"]})
        assert "the disk is full" in str(excinfo.value) and "Nothing was changed" in str(excinfo.value)
        assert "b" not in store.transactions and store.ids(Status.PREPARE) == ["a"]
        assert home.journal.stat().st_size == size
        monkeypatch.undo()
        store.commit([make_tx("c")], audit={"action": "import", "ids": ["c"]})
        crash(store)
    with Store.open(home) as store:
        assert sorted(store.transactions.keys()) == ["a", "c"]
        assert [r["ids"] for r in store.audit_log()] == [["a"], ["c"]]


def test_a_failed_batch_write_undoes_the_batch_in_memory(home, monkeypatch):
    with Store.open(home) as store:
        store.commit([make_tx("a")])
        monkeypatch.setattr(os, "write", failing_once(os.write, partial=True))
        with pytest.raises(StoreError, match="disk is full"):
            with store.batch():
                store.commit([make_tx("a", merchant="Changed"), make_tx("b")])
        assert store.transactions["a"].merchant == "Adobe" and "b" not in store.transactions
    with Store.open(home) as store:
        assert sorted(store.transactions.keys()) == ["a"]


@pytest.mark.parametrize(("error", "words"), [(errno.EACCES, "not allowed"), (errno.EIO, "input/output")])
def test_other_write_errors_are_a_sentence(home, monkeypatch, error, words):
    with Store.open(home) as store:
        monkeypatch.setattr(os, "write", failing_once(os.write, partial=False, error=error))
        with pytest.raises(StoreError, match=words):
            store.commit([make_tx("a")])


def test_when_the_undo_fails_too_the_store_refuses_further_writes(home, monkeypatch):
    with Store.open(home) as store:
        store.commit([make_tx("a")])
        monkeypatch.setattr(os, "write", failing_once(os.write, partial=True))
        monkeypatch.setattr(os, "ftruncate", lambda fd, n: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
        with pytest.raises(StoreError, match="will not write anything more"):
            store.commit([make_tx("b")])
        monkeypatch.undo()
        with pytest.raises(StoreError, match="will not write"):
            store.commit([make_tx("c")])
        crash(store)
    with Store.open(home) as store:  # the half line is the last one: cut off at the next start
        assert sorted(store.transactions.keys()) == ["a"]


def test_a_checkpoint_that_fails_keeps_the_old_files_and_the_journal(home, monkeypatch):
    with Store.open(home) as store:
        store.commit([make_tx("a")])
        store.checkpoint()
        store.commit([make_tx("b")], audit={"action": "import"})
        db_before = home.db.read_bytes()

        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr("juni_tui.services.store.storage.atomic_write", full)
        with pytest.raises(StoreError, match="disk is full"):
            store.checkpoint()
        assert home.db.read_bytes() == db_before and home.journal.stat().st_size > 0
        monkeypatch.undo()
        crash(store)
    with Store.open(home) as store:
        assert sorted(store.transactions.keys()) == ["a", "b"]


def test_a_cut_off_append_followed_by_a_good_one_opens(home):
    """What a full disk did before the fix: a half line, then a later complete one. Now the half line is never
    left behind; a home that already has one is still refused at the damaged line, with advice that keeps it."""
    with Store.open(home) as store:
        store.commit([make_tx("a")])
        crash(store)
    with open(home.journal, "ab") as handle:
        handle.write(b'{"seq": 2, "at": "x", "ops": [["put", "transactions", "id", {"id": "b"')
        handle.write(json.dumps({"seq": 2, "at": "x", "ops": []}).encode() + b"\n")
    with pytest.raises(CorruptDataError) as excinfo:
        Store.open(home)
    message = str(excinfo.value)
    assert "line 2" in message and "juni-tui doctor" in message
    assert "move it away" not in message and "delete" not in message.replace("do not delete", "")
    assert "restore" not in message.lower()


def test_the_store_works_where_fdatasync_does_not_exist(home, monkeypatch):
    monkeypatch.delattr(os, "fdatasync", raising=False)
    with Store.open(home) as store:
        store.commit([make_tx("a")], audit={"action": "import"})
        crash(store)
    with Store.open(home) as store:
        assert "a" in store.transactions and store.audit_log()[-1]["action"] == "import"


def test_files_sync_uses_fsync_without_fdatasync(monkeypatch, tmp_path):
    monkeypatch.delattr(os, "fdatasync", raising=False)
    calls = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real(fd))[1])
    monkeypatch.setattr(files, "fcntl", None)
    fd = os.open(tmp_path / "log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        files.append_durably(fd, b"x\n")
    finally:
        os.close(fd)
    assert calls and (tmp_path / "log").read_bytes() == b"x\n"


# --- 5. history archives and _meta are validated, never rewritten ----------------------------------------------


BAD_ARCHIVES = {
    "garbage": b"\x00\xffnot json",
    "empty": b"",
    "a list": b"[]",
    "wrong table": b'{"_default": {"1": {"id": "a", "date": "2026-09-03"}}}',
    "documents without id": b'{"transactions": {"1": {"date": "2026-09-03"}}}',
    "documents without date": b'{"transactions": {"1": {"id": "a"}}}',
    "a document that is a list": b'{"transactions": {"1": ["a"]}}',
}


@pytest.mark.parametrize("content", BAD_ARCHIVES.values(), ids=BAD_ARCHIVES.keys())
def test_a_history_archive_of_the_wrong_shape_is_refused_and_never_rewritten(home, content):
    with Store.open(home) as store:
        store.commit([make_tx("a", date=date(2026, 9, 3)), make_tx("b", date=date(2026, 9, 4))])
        store.commit([exported(store.transactions["a"])])
    archive = home.root / "history" / "2026-09.json"
    archive.write_bytes(content)
    backup = archive.with_name("2026-09.json.bak")
    backup_before = backup.read_bytes() if backup.exists() else None
    with Store.open(home) as store:
        with pytest.raises(CorruptDataError):
            store.check_history([date(2026, 9, 4)])
        with pytest.raises(CorruptDataError):
            store.get_transaction("a")
        store.commit([exported(store.transactions["b"], 2)])  # a month with a damaged file: checkpoint refuses
        with pytest.raises(StoreError):
            store.checkpoint()
        store._closed = True
        store._journal.close()
        store._release_lock()
    assert archive.read_bytes() == content
    assert (backup.read_bytes() if backup.exists() else None) == backup_before
    assert home.journal.stat().st_size > 0  # the export of b is still in the journal


def test_a_history_archive_damaged_while_the_store_is_open_is_not_written_over(home):
    with Store.open(home) as store:
        store.commit([make_tx("a", date=date(2026, 9, 3)), make_tx("b", date=date(2026, 9, 4))])
        store.commit([exported(store.transactions["a"])])
        store.checkpoint()
        assert store.get_transaction("a") is not None  # the month is read and kept in memory
        archive = home.root / "history" / "2026-09.json"
        archive.write_bytes(b"[]")
        store.commit([exported(store.transactions["b"], 2)])
        with pytest.raises(CorruptDataError):
            store.checkpoint()
        assert archive.read_bytes() == b"[]"
        crash(store)


def test_check_history_passes_for_intact_archives_and_months_without_a_file(home):
    with Store.open(home) as store:
        store.commit([make_tx("a", date=date(2026, 9, 3))])
        store.commit([exported(store.transactions["a"])])
        store.checkpoint()
        store.check_history()
        store.check_history(["2026-09", date(2026, 12, 1)])


def test_check_history_names_an_exported_transaction_missing_from_its_archive(home):
    with Store.open(home) as store:
        store.commit([make_tx("a", date=date(2026, 9, 3)), make_tx("b", date=date(2026, 9, 4))])
        store.commit([exported(store.transactions["a"]), exported(store.transactions["b"], 2)])
    archive = home.root / "history" / "2026-09.json"
    data = json.loads(archive.read_text())
    data["transactions"] = {k: v for k, v in data["transactions"].items() if v["id"] != "b"}
    archive.write_text(json.dumps(data))
    with Store.open(home) as store:
        with pytest.raises(CorruptDataError, match="b"):
            store.check_history()


META = {
    "not a table": '"x"',
    "not a document": '{"1": 5}',
    "seq not a number": '{"1": {"schema": 1, "journal_seq": "7"}}',
    "negative seq": '{"1": {"schema": 1, "journal_seq": -1}}',
    "schema not a number": '{"1": {"schema": "1", "journal_seq": 0}}',
    "seq a boolean": '{"1": {"schema": 1, "journal_seq": true}}',
}


@pytest.mark.parametrize("meta", META.values(), ids=META.keys())
def test_damaged_metadata_is_a_sentence(home, meta):
    home.db.write_text('{"_meta": ' + meta + ', "transactions": {}}')
    with pytest.raises(StoreError, match="juni.json"):
        Store.open(home)


def test_a_saved_position_beyond_the_journal_is_refused_not_skipped(home):
    with Store.open(home) as store:
        store.commit([make_tx("a")])
        store.checkpoint()
        store.commit([make_tx("b")])
        crash(store)
    data = json.loads(home.db.read_text())
    data["_meta"]["1"]["journal_seq"] = 99
    home.db.write_text(json.dumps(data))
    before = snapshot(home)
    with pytest.raises(StoreError, match="journal"):
        Store.open(home)
    assert snapshot(home) == before


def test_a_gap_in_the_journal_is_refused(home):
    with Store.open(home) as store:
        store.commit([make_tx("a")])
        store.commit([make_tx("b")])
        crash(store)
    lines = home.journal.read_text().splitlines()
    entry = json.loads(lines[1])
    entry["seq"] = 5
    home.journal.write_text(lines[0] + "\n" + json.dumps(entry) + "\n")
    with pytest.raises(StoreError, match="missing"):
        Store.open(home)


def test_a_journal_that_starts_after_the_saved_position_is_refused(home):
    home.db.write_text('{"_meta": {"1": {"schema": 1, "journal_seq": 3}}, "transactions": {}}')
    home.journal.write_text(json.dumps({"seq": 9, "at": "x", "ops": []}) + "\n")
    with pytest.raises(StoreError, match="missing"):
        Store.open(home)


# --- 6. no tracebacks from a damaged home ------------------------------------------------------------------------


DAMAGED_DATABASES = {
    "table is a list": '{"transactions": []}',
    "document is a list": '{"transactions": {"1": ["a"]}}',
    "document is a string": '{"transactions": {"1": "a"}}',
    "transaction without id": '{"transactions": {"1": {"date": "2026-10-01", "merchant": "X", "amount": "1"}}}',
    "status not a status": '{"transactions": {"1": {"id": "a", "date": "2026-10-01", "status": "lost"}}}',
    "date not a date": '{"transactions": {"1": {"id": "a", "date": 20261001}}}',
    "date not a real day": '{"transactions": {"1": {"id": "a", "date": "2026-13-45"}}}',
    "document id not a number": '{"transactions": {"x": {"id": "a", "date": "2026-10-01"}}}',
    "history entry without number": '{"history_index": {"1": {"id": "a", "date": "2026-10-01", "part": "2026-10"}}}',
    "settings not a document": '{"settings": {"1": 3}}',
    "unknown table with a bad document": '{"extra": {"1": 3}}',
    "100 000 nested brackets": "[" * 100_000 + "]" * 100_000,
    "5 000-digit integer": '{"_meta": {"1": {"journal_seq": ' + "9" * 5000 + "}}}",
    "top level is a list": "[]",
    "not UTF-8": b"\xff\xfe\x00{".decode("latin-1"),
}


@pytest.mark.parametrize("content", DAMAGED_DATABASES.values(), ids=DAMAGED_DATABASES.keys())
def test_a_database_with_the_right_container_but_wrong_documents_is_a_sentence(home, content):
    home.db.write_bytes(content.encode("latin-1") if content.startswith("\xff") else content.encode())
    before = home.db.read_bytes()
    with pytest.raises(StoreError) as excinfo:
        with Store.open(home) as store:
            store.settings  # noqa: B018 - every table a service opens at start
    assert "juni.json" in str(excinfo.value)
    assert "Traceback" not in str(excinfo.value)
    assert home.db.read_bytes() == before


DAMAGED_JOURNALS = {
    "an op that is not a list": {"seq": 1, "at": "x", "ops": ["put"]},
    "an unknown op": {"seq": 1, "at": "x", "ops": [["drop", "transactions", "id", "a"]]},
    "a put without a document": {"seq": 1, "at": "x", "ops": [["put", "transactions", "id", "a"]]},
    "a transaction without date": {"seq": 1, "at": "x", "ops": [["put", "transactions", "id", {"id": "a"}]]},
    "an archive document without date": {"seq": 1, "at": "x", "ops": [["put", "history", "id", {"id": "a"}]]},
    "seq not a number": {"seq": "1", "at": "x", "ops": []},
    "audit not a list": {"seq": 1, "at": "x", "ops": [], "audit": "x"},
}


@pytest.mark.parametrize("entry", DAMAGED_JOURNALS.values(), ids=DAMAGED_JOURNALS.keys())
def test_a_journal_entry_of_the_wrong_shape_is_a_sentence(home, entry):
    home.journal.write_text(json.dumps(entry) + "\n" + json.dumps({"seq": 2, "at": "x", "ops": []}) + "\n")
    with pytest.raises(StoreError, match="journal.jsonl"):
        Store.open(home)


@pytest.mark.parametrize("where", ["db", "journal", "audit"])
def test_a_folder_where_a_file_should_be_is_a_sentence(home, where):
    getattr(home, where).mkdir()
    if where == "audit":  # audit.jsonl is written best-effort; the store opens, and the record stays in the journal
        with Store.open(home) as store:
            store.commit([make_tx("a")], audit={"action": "x"})
        return
    with pytest.raises(StoreError, match="folder"):
        Store.open(home)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_home_is_a_sentence(home):
    Store.open(home).close()
    home.lock.chmod(0o400)
    try:
        with pytest.raises(StoreError, match="lock"):
            Store.open(home)
    finally:
        home.lock.chmod(0o600)
    home.root.chmod(0o500)
    try:
        with pytest.raises(StoreError):
            with Store.open(home) as store:
                store.commit([make_tx("a")])
    finally:
        home.root.chmod(0o700)


def test_a_lock_file_that_cannot_be_opened_is_a_sentence(home, monkeypatch):
    """What a read-only lock file or home gives (simulated, so that it holds when the tests run as root)."""
    import filelock

    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(home.lock))

    monkeypatch.setattr(filelock.FileLock, "acquire", refuse)
    with pytest.raises(StoreError, match="cannot lock") as excinfo:
        Store.open(home)
    assert "may write" in str(excinfo.value)


def test_an_owner_file_that_cannot_be_written_does_not_stop_the_store(home, monkeypatch):
    from pathlib import Path

    real = Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name == home.owner.name:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    with Store.open(home) as store:
        store.commit([make_tx("a")])


def test_a_journal_that_cannot_be_created_is_a_sentence(home, monkeypatch):
    real = os.open

    def refuse(path, *args, **kwargs):
        if str(path) == str(home.journal):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    with Store.open(home) as store:
        monkeypatch.setattr(os, "open", refuse)
        with pytest.raises(StoreError, match="not allowed to write") as excinfo:
            store.commit([make_tx("a")])
        assert "Nothing was changed" in str(excinfo.value)
        assert "a" not in store.transactions
        monkeypatch.undo()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_home_folder_that_cannot_be_created_is_a_sentence(tmp_path):
    tmp_path.chmod(0o500)  # see the simulated case below for root
    try:
        with pytest.raises(StoreError, match="cannot"):
            Store.open(Home(tmp_path / "new"))
    finally:
        tmp_path.chmod(0o700)


# --- 7. every id the home has known ----------------------------------------------------------------------------


def test_seen_transaction_ids_cover_active_history_archives_and_the_audit_log(home):
    with Store.open(home) as store:
        store.commit([make_tx("active"), make_tx("done", date=date(2026, 9, 3))])
        store.commit([exported(store.transactions["done"])])
    (home.root / "history" / "2026-08.json").write_text(json.dumps(
        {"transactions": {"1": {"id": "only-archived", "date": "2026-08-01"}}}))
    with open(home.audit, "a") as handle:
        handle.write(json.dumps({"at": "x", "user": "u", "action": "import", "ids": ["only-audited"]}) + "\n")
    with Store.open(home) as store:
        seen = store.seen_transaction_ids()
    assert {"active", "done", "only-archived", "only-audited"} <= seen


def test_a_home_folder_that_cannot_be_created_is_a_sentence_simulated(tmp_path, monkeypatch):
    from pathlib import Path

    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(StoreError, match="cannot use"):
        Store.open(Home(tmp_path / "new"))


# --- from the user's side: the commands ----------------------------------------------------------------------------

CSV = """id,date,merchant,amount
a1,2026-10-01,Adobe Systems,-1250.00
a2,2026-10-02,GitHub,-220.50
"""


def cli(home: Home, *args: str) -> int:
    from juni_tui.cli import main

    return main(["--home", str(home.root), *args])


def test_an_emptied_database_stops_import_and_list_with_a_sentence_and_changes_nothing(home, tmp_path, capsys):
    csv = tmp_path / "oktober.csv"
    csv.write_text(CSV)
    assert cli(home, "import", str(csv)) == 0
    Store.open(home).close()
    home.db.write_bytes(b"")
    before = snapshot(home)
    capsys.readouterr()
    assert cli(home, "list") == 1
    assert cli(home, "import", str(csv)) == 1
    err = capsys.readouterr().err
    assert "damaged home" in err and "Traceback" not in err
    assert snapshot(home) == before


def test_a_full_disk_during_import_is_a_sentence_and_the_next_import_works(home, tmp_path, capsys, monkeypatch):
    csv = tmp_path / "oktober.csv"
    csv.write_text(CSV)
    Store.open(home).close()
    monkeypatch.setattr(os, "write", failing_once(os.write, partial=True))
    assert cli(home, "import", str(csv)) == 1
    err = capsys.readouterr().err
    assert "the disk is full" in err and "Traceback" not in err
    monkeypatch.undo()
    assert cli(home, "import", str(csv)) == 0
    capsys.readouterr()
    assert cli(home, "list", "--json") == 0
    assert [t["id"] for t in json.loads(capsys.readouterr().out)] == ["a1", "a2"]
    with Store.open(home) as store:
        assert [r["action"] for r in store.audit_log()].count("import") == 1


def test_a_file_where_a_folder_should_be_is_a_sentence(home):
    import shutil

    shutil.rmtree(home.receipts)
    home.receipts.write_text("not a folder")
    with pytest.raises(StoreError, match="a file where juni-tui needs a folder"):
        Store.open(home)
