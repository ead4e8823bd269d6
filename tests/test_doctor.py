"""``juni-tui doctor``: a healthy home is called healthy; each kind of damage is named, with what to do; nothing
is ever changed by the check."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from juni_tui.cli import main
from juni_tui.domain.transactions import ExportState, Status
from juni_tui.services import receipts
from juni_tui.services.demo.receipt_pdf import ReceiptSpec, render_receipt_pdf
from juni_tui.services.fortnox import oauth
from juni_tui.services.store import Store
from juni_tui.services.store.doctor import NOTE, PROBLEM, check_home
from juni_tui.services.store.home import Home
from tests.conftest import make_tx


def exported(tx, number):
    return tx.model_copy(update={"status": Status.EXPORTED, "export": ExportState(
        series="K", tag=f"juni {tx.id}", voucher_number=number, voucher_year=2,
        exported_at=datetime(2026, 11, 1, 12, tzinfo=UTC))})


def files_of(home: Home) -> dict[str, tuple[bytes, int]]:
    out = {}
    for path in sorted(home.root.rglob("*")):
        if path.is_file():
            out[str(path.relative_to(home.root))] = (path.read_bytes(), path.stat().st_mode)
    return out


@pytest.fixture(scope="module")
def healthy(tmp_path_factory) -> Home:
    """A home built through the real services: imports with audit, two exports in two months, a receipt, the
    Fortnox tokens, a checkpoint, and changes still in the journal (as after a crash)."""
    home = Home(tmp_path_factory.mktemp("doctor") / "home")
    with Store.open(home) as store:
        store.commit([make_tx("a", date=date(2026, 9, 3)), make_tx("b"), make_tx("c")],
                     audit={"action": "import", "ids": ["a", "b", "c"]})
        pdf = render_receipt_pdf(ReceiptSpec("Adobe", date(2026, 10, 5), Decimal("1250.00"), reference="b"))
        receipts.add_receipt(store, pdf, "kvitto.pdf")
        store.commit([exported(store.transactions["a"], 1)], audit={"action": "exported", "ids": ["a"]})
    with Store.open(home) as store:  # a second save: juni.json.bak is the first
        store.commit([make_tx("c", merchant="Clas Ohlson")], audit={"action": "edit", "ids": ["c"]})
    with Store.open(home) as store:
        store.commit([exported(store.transactions["b"], 2)], audit={"action": "exported", "ids": ["b"]})
        store.audit({"action": "export-run"})
        store._journal.close()  # no checkpoint: the journal holds the last changes
        store._closed = True
        store._release_lock()
    oauth.write_secret(home.tokens, {"access_token": "x", "refresh_token": "y"})
    return home


@pytest.fixture
def home_copy(healthy, tmp_path) -> Home:
    root = tmp_path / "home"
    shutil.copytree(healthy.root, root)
    return Home(root)


def named(report, severity, file, *words):
    hits = [f for f in report.findings if f.severity == severity and f.file == file
            and all(w in f"{f.problem} {f.advice}" for w in words)]
    assert hits, "\n".join(f.line for f in report.findings) or "no findings"
    return hits[0]


def test_a_healthy_home_is_reported_healthy_and_left_untouched(healthy, capsys):
    before = files_of(healthy)
    report = check_home(healthy)
    assert report.healthy, [f.line for f in report.findings]
    assert report.findings == []
    assert main(["--home", str(healthy.root), "doctor"]) == 0
    assert "healthy" in capsys.readouterr().out
    assert main(["--home", str(healthy.root), "doctor", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"home": str(healthy.root), "healthy": True, "findings": []}
    assert files_of(healthy) == before
    with Store.open(healthy) as store:  # and the store agrees
        assert store.count(Status.EXPORTED) == 2
        store._closed = True
        store._journal.close()
        store._release_lock()


def test_a_brand_new_home_is_healthy(tmp_path):
    home = Home(tmp_path / "new").ensure()
    assert check_home(home).healthy


def test_an_empty_database_beside_other_data_is_a_damaged_home(home_copy, capsys):
    home_copy.db.write_bytes(b"")
    before = files_of(home_copy)
    report = check_home(home_copy)
    finding = named(report, PROBLEM, "juni.json", "damaged home", "journal.jsonl")
    assert "juni.json.bak is intact" in finding.advice
    assert files_of(home_copy) == before
    assert main(["--home", str(home_copy.root), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "problem: juni.json:" in out and "not healthy" in out


def test_an_unreadable_database_is_named(home_copy):
    home_copy.db.write_bytes(b'{"transactions": {"1": ')
    named(check_home(home_copy), PROBLEM, "juni.json", "cannot be read", "not valid JSON")


@pytest.mark.parametrize(("meta", "words"), [
    ('{"1": {"schema": 1, "journal_seq": "x"}}', "journal_seq"),
    ('{"1": {"schema": 1, "journal_seq": 99}}', "ends at change"),
])
def test_damaged_or_inconsistent_metadata_is_named(home_copy, meta, words):
    data = json.loads(home_copy.db.read_text())
    data["_meta"] = json.loads(meta)
    home_copy.db.write_text(json.dumps(data))
    report = check_home(home_copy)
    assert not report.healthy
    assert any(words in f.problem for f in report.findings), [f.line for f in report.findings]


def test_a_damaged_backup_is_a_note(home_copy):
    home_copy.db.with_name("juni.json.bak").write_bytes(b"")
    report = check_home(home_copy)
    named(report, NOTE, "juni.json.bak", "not a readable database")
    assert report.healthy


def test_a_damaged_journal_line_is_named_and_not_to_be_deleted(home_copy):
    lines = home_copy.journal.read_bytes().splitlines(keepends=True)
    home_copy.journal.write_bytes(lines[0][:20] + b"\n" + b"".join(lines[1:]))
    finding = named(check_home(home_copy), PROBLEM, "journal.jsonl", "line 1 is damaged")
    assert "do not delete" in finding.advice


def test_a_gap_in_the_journal_is_named(home_copy):
    lines = home_copy.journal.read_text().splitlines()
    home_copy.journal.write_text(lines[-1] + "\n")  # the first change after the save is gone
    named(check_home(home_copy), PROBLEM, "journal.jsonl", "missing")


def test_an_unfinished_last_journal_line_is_a_note(home_copy):
    with open(home_copy.journal, "ab") as handle:
        handle.write(b'{"seq": 99, "ops": [')
    report = check_home(home_copy)
    named(report, NOTE, "journal.jsonl", "unfinished")
    assert report.healthy


def test_a_history_archive_of_the_wrong_shape_is_named(home_copy):
    (home_copy.root / "history" / "2026-09.json").write_text('{"_default": {}}')
    named(check_home(home_copy), PROBLEM, "history/2026-09.json", "not a history archive", "will not rewrite")


def test_an_indexed_transaction_missing_from_its_archive_is_named(home_copy):
    (home_copy.root / "history" / "2026-09.json").write_text('{"transactions": {}}')
    named(check_home(home_copy), PROBLEM, "history/2026-09.json", "'a'", "missing from this archive")


def test_an_archived_transaction_missing_from_the_index_is_named(home_copy):
    path = home_copy.root / "history" / "2026-09.json"
    data = json.loads(path.read_text())
    data["transactions"]["9"] = {"id": "stray", "date": "2026-09-30", "merchant": "X", "amount": "-1.00"}
    path.write_text(json.dumps(data))
    named(check_home(home_copy), PROBLEM, "history/2026-09.json", "'stray'", "does not list")


def test_a_damaged_audit_line_is_named(home_copy):
    lines = home_copy.audit.read_bytes().splitlines(keepends=True)
    home_copy.audit.write_bytes(b"garbage\n" + b"".join(lines))
    named(check_home(home_copy), PROBLEM, "audit.jsonl", "line 1 is damaged")


def test_an_audit_log_out_of_order_is_named(home_copy):
    lines = home_copy.audit.read_text().splitlines()
    home_copy.audit.write_text("\n".join(reversed(lines)) + "\n")
    named(check_home(home_copy), PROBLEM, "audit.jsonl", "not in order")


def test_an_audit_log_ahead_of_the_data_is_named(home_copy):
    with open(home_copy.audit, "a") as handle:
        handle.write(json.dumps({"seq": 500, "at": "x", "user": "u", "action": "import"}) + "\n")
    named(check_home(home_copy), PROBLEM, "audit.jsonl", "older copy")


def test_an_audit_log_behind_the_journal_is_a_note(home_copy):
    lines = home_copy.audit.read_text().splitlines()
    home_copy.audit.write_text("\n".join(lines[:-1]) + "\n")
    report = check_home(home_copy)
    named(report, NOTE, "audit.jsonl", "1 audit record(s)", "nothing is lost")
    assert report.healthy


def test_secrets_readable_by_others_are_named(home_copy):
    home_copy.tokens.chmod(0o644)
    named(check_home(home_copy), PROBLEM, "fortnox-tokens.json", "chmod 600")


def test_doctor_on_a_missing_home_says_so(tmp_path, capsys):
    assert main(["--home", str(tmp_path / "nowhere"), "doctor"]) == 1
    assert "no home folder" in capsys.readouterr().out


def test_a_file_where_the_history_folder_should_be_is_named(tmp_path):
    home = Home(tmp_path / "home").ensure()
    (home.root / "history").write_text("x")
    named(check_home(home), PROBLEM, "history", "is a file")
