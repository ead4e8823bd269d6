"""A file from outside is hostile: lossy numbers, things that are not files, files too big, too deep or too long.

Each is refused with a sentence (and the line, where there is one), never a traceback, a hang or all the memory.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from juni_tui.cli import main
from juni_tui.commands import importing as import_command
from juni_tui.services import importing
from juni_tui.services.importing import ImportFileError, read_transactions, source
from juni_tui.services.store import Store

HEADER = "id,date,merchant,amount\n"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def problems_of(path: Path, **kwargs) -> list[tuple[int, str]]:
    with pytest.raises(ImportFileError) as caught:
        read_transactions(path, **kwargs)
    return caught.value.problems


def json_file(tmp_path: Path, amount_text: str, name: str = "t.json") -> Path:
    """A JSON file whose one item has the amount written exactly as given (a number, not a string)."""
    return write(tmp_path, name, '{"transactions": [\n  {"id": "a", "date": "2026-10-01", "merchant": "Adobe",\n'
                                 f'   "amount": {amount_text}}}\n]}}\n')


# --- lossy numbers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "says"), [
    ("-1.23457E+11", "is written with an exponent"),
    ("1e3", "is written with an exponent"),
    ("1_000", "has an underscore"),
    ("١٢٣", "has digits other than 0-9"),
    ("１２３", "has digits other than 0-9"),
    ("Infinity", "is not a finite number"),
    ("NaN", "is not a finite number"),
    ("-1,2345", "has more than two decimals"),
    ("-1234567890123,00", "has more than 12 digits before the decimal point"),
    ("123456789012345678901234567890123", "has more than 12 digits before the decimal point"),
])  # fmt: skip
def test_a_lossy_amount_in_a_csv_is_refused_with_its_line(tmp_path, amount, says):
    path = write(tmp_path, "t.csv", HEADER + "a,2026-10-01,Adobe,-10\n" + f'b,2026-10-01,Adobe,"{amount}"\n')
    ((line, reason),) = problems_of(path)
    assert line == 3 and reason.startswith(f"amount {amount!r} {says}")


def test_the_excel_artefact_never_becomes_a_voucher_of_123_billion(tmp_path):
    path = write(tmp_path, "t.csv", 'id;date;merchant;amount\nx;2026-10-01;SJ;-1.23457E+11\n')
    ((line, reason),) = problems_of(path)
    assert line == 2 and "exponent" in reason and "Number" in reason


def test_an_original_amount_is_held_to_the_same_rules(tmp_path):
    path = write(tmp_path, "t.csv", "id,date,merchant,amount,original_amount,original_currency\n"
                                    "a,2026-10-01,Adobe,-10,1e3,USD\n")
    ((line, reason),) = problems_of(path)
    assert line == 2 and reason.startswith("original_amount '1e3' is written with an exponent")


@pytest.mark.parametrize(("number", "says"), [
    ("1e3", "is written with an exponent"),
    ("-1.5E2", "is written with an exponent"),
    ("1e999999", "is written with an exponent"),
    ("123456789012345678901234567890123", "has more than 12 digits before the decimal point"),
    ("-1234567890123.50", "has more than 12 digits before the decimal point"),
    ("9" * 5000, "has more than 12 digits before the decimal point"),
    ("NaN", "is not a finite number"),
    ("-Infinity", "is not a finite number"),
])  # fmt: skip
def test_a_lossy_json_number_is_refused_with_its_line(tmp_path, number, says):
    ((line, reason),) = problems_of(json_file(tmp_path, number))
    assert line == 2 and reason.startswith("item 1: amount ") and says in reason
    assert len(reason) < 400  # a 5 000-digit number is not repeated whole


def test_json_numbers_that_look_right_are_read_exactly(tmp_path):
    (tx,) = read_transactions(json_file(tmp_path, "-999999999999.99"))
    assert tx.amount == Decimal("-999999999999.99")
    (tx,) = read_transactions(json_file(tmp_path, "-12"))
    assert tx.amount == Decimal("-12.00")


def test_a_five_thousand_digit_integer_anywhere_in_json_is_a_sentence(tmp_path):
    digits = "7" * 5000
    path = write(tmp_path, "t.json", f'[{{"id": {digits}, "date": "2026-10-01", "merchant": "A", "amount": -1,\n'
                                     f'  "account": {digits}, "project": {digits}, "card": [{digits}]}}]')
    problems = problems_of(path)
    assert [line for line, _ in problems] == [1] * len(problems) and len(problems) >= 3
    assert all(len(reason) < 400 for _, reason in problems)


# --- things that are not regular files ------------------------------------------------------------------------


def test_a_device_named_like_a_csv_is_refused_without_reading_it(tmp_path):
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    ((line, reason),) = problems_of(link)
    assert line == 0 and "not a regular file" in reason and "device" in reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_fifo_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result: list = []
    thread = threading.Thread(target=lambda: result.append(problems_of(fifo)), daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():  # unblock the reader so that the test run can end
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    ((line, reason),) = result[0]
    assert line == 0 and "not a regular file" in reason and "pipe" in reason


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="unix sockets")
def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s.csv"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
    except OSError:  # the path is too long for a socket's address here
        pytest.skip("socket path too long")
    try:
        ((line, reason),) = problems_of(path)
    finally:
        server.close()
    assert line == 0 and "not a regular file" in reason


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    assert problems_of(tmp_path / "dir.csv") == [(0, f"{tmp_path / 'dir.csv'} is a folder, not a file")]


def test_the_cli_refuses_a_fifo_and_releases_the_home(home, tmp_path, capsys):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert main(["--home", str(home.root), "import", str(fifo)]) == 1
    assert "not a regular file" in capsys.readouterr().err
    with Store.open(home) as store:  # the lock is free again
        assert len(store.transactions) == 0


# --- limits ---------------------------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "wb") as f:  # sparse: no disk used
        f.truncate(source.MAX_FILE_BYTES + 1)
    ((line, reason),) = problems_of(path)
    assert line == 0 and f"{source.MAX_FILE_BYTES // 1_000_000} MB" in reason and "split" in reason


@pytest.mark.parametrize("name", ["t.csv", "t.json"])
def test_a_file_over_the_size_limit_is_refused_whatever_its_kind(tmp_path, monkeypatch, name):
    monkeypatch.setattr(source, "MAX_FILE_BYTES", 1000)
    rows = [{"id": f"a{i}", "date": "2026-10-01", "merchant": "Adobe", "amount": "-1"} for i in range(40)]
    text = json.dumps(rows) if name.endswith(".json") else HEADER + "".join(
        f"a{i},2026-10-01,Adobe,-1\n" for i in range(60))
    ((line, reason),) = problems_of(write(tmp_path, name, text))
    assert line == 0 and "split" in reason


def rows_csv(n: int) -> str:
    return HEADER + "".join(f"a{i},2026-10-01,Adobe,-1\n" for i in range(n))


def rows_json(n: int) -> str:
    return json.dumps([{"id": f"a{i}", "date": "2026-10-01", "merchant": "Adobe", "amount": "-1"}
                       for i in range(n)], indent=1)


@pytest.mark.parametrize(("name", "content"), [("t.csv", rows_csv), ("t.json", rows_json)])
def test_more_rows_than_the_limit_are_refused_with_what_to_do(tmp_path, monkeypatch, name, content):
    monkeypatch.setattr(source, "MAX_ROWS", 10)
    assert len(read_transactions(write(tmp_path, name, content(10)))) == 10
    problems = problems_of(write(tmp_path, name, content(11)))
    assert len(problems) == 1
    assert "more than 10 transactions" in problems[0][1] and "split" in problems[0][1]


def test_a_line_longer_than_the_limit_is_refused_without_splitting_it_into_fields(tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_LINE_CHARS", 10_000)
    path = write(tmp_path, "t.csv", HEADER + "a,2026-10-01,Adobe,-1\n" + "," * 20_000 + "\n")
    ((line, reason),) = problems_of(path)
    assert line == 3 and "longer than" in reason


def test_100000_nested_brackets_are_a_sentence(tmp_path):
    for text in ("[" * 100_000 + "]" * 100_000, '{"transactions": ' + "[" * 100_000,
                 '[{"id": "a", "card": ' + "[" * 100_000 + "]" * 100_000 + "}]"):
        ((line, reason),) = problems_of(write(tmp_path, "deep.json", text))
        assert line == 1 and "nested too deeply" in reason


def test_nested_values_in_an_item_are_named_briefly(tmp_path):
    path = write(tmp_path, "t.json", '[{"id": "a", "date": "2026-10-01", "merchant": ' + "[" * 500 + "]" * 500
                 + ', "amount": -1}]')
    assert problems_of(path) == [(1, "item 1: merchant must be text, not a list")]


def test_trailing_text_after_the_json_is_refused_as_before(tmp_path):
    assert problems_of(write(tmp_path, "t.json", '[{"id": "a"}]\nx')) == [
        (2, "the file is not valid JSON: Extra data (column 1)")]
    assert problems_of(write(tmp_path, "t.json", '[{"id": "a"},\n]')) == [
        (2, "the file is not valid JSON: Expecting value (column 1)")]


# --- decoding ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["t.csv", "t.json"])
def test_invalid_utf8_far_into_a_file_is_refused_with_its_line(tmp_path, name):
    good = rows_csv(30_000) if name.endswith(".csv") else rows_json(5_000)
    lines = good.encode().split(b"\n")
    lines[20_000] = lines[20_000][:3] + b"\xf6" + lines[20_000][3:]  # cp1252's ö
    problems = problems_of(write(tmp_path, name, b"\n".join(lines)))
    assert problems == [(20_001, "the file is not UTF-8 text (from Excel: save it as 'CSV UTF-8')")]


# --- streaming and progress -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content"), [("t.csv", rows_csv), ("t.json", rows_json)])
def test_progress_is_reported_in_bytes_up_to_the_whole_file(tmp_path, name, content):
    path = write(tmp_path, name, content(5_000))
    calls: list[tuple[int, int]] = []
    assert len(read_transactions(path, on_progress=lambda done, total: calls.append((done, total)))) == 5_000
    size = path.stat().st_size
    assert len(calls) >= 3 and calls[-1] == (size, size)
    assert all(total == size for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_import_file_passes_progress_on(home, tmp_path):
    path = write(tmp_path, "t.csv", rows_csv(3))
    calls: list[tuple[int, int]] = []
    with Store.open(home) as store:
        importing.import_file(store, path, on_progress=lambda done, total: calls.append((done, total)))
        assert len(store.transactions) == 3
    assert calls[-1] == (path.stat().st_size,) * 2


def test_the_cli_shows_progress_on_stderr_for_a_long_import(home, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(import_command, "PROGRESS_EVERY", 0.0)
    path = write(tmp_path, "t.csv", rows_csv(3_000))
    assert main(["--home", str(home.root), "import", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"Imported 3000 transactions from {path}.\n"
    assert "Reading t.csv: " in captured.err and "%" in captured.err


def test_the_cli_is_quiet_for_a_quick_import(home, tmp_path, capsys):
    path = write(tmp_path, "t.csv", rows_csv(3))
    assert main(["--home", str(home.root), "import", str(path)]) == 0
    assert capsys.readouterr().err == ""


def test_a_csv_is_read_as_a_stream_not_held_whole(tmp_path, monkeypatch):
    """Rows are checked while the file is being read (it used to be read whole, decoded whole and split into a
    list of lines: three copies of a 200 MB file before the first row was checked)."""
    path = write(tmp_path, "t.csv", rows_csv(20_000))
    size = path.stat().st_size
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read whole"))
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: pytest.fail("the file was read whole"))
    positions: list[int] = []
    assert len(read_transactions(path, on_progress=lambda done, total: positions.append(done))) == 20_000
    assert len([done for done in positions if 0 < done < size]) >= 5


def test_a_file_of_empty_lines_is_refused_without_reading_all_of_it(tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_ROWS", 100)
    for text in ("\n" * 500, HEADER + "\n" * 500, HEADER + ",,,\n" * 500):
        ((line, reason),) = problems_of(write(tmp_path, "t.csv", text))
        assert line == 0 and "more than 100 empty lines" in reason


def test_a_json_file_of_something_else_is_refused_before_it_is_decoded(tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_JSON_VALUES", 1000)
    monkeypatch.setattr(json.JSONDecoder, "raw_decode", lambda *a: pytest.fail("decoded"))
    ((line, reason),) = problems_of(write(tmp_path, "t.json", json.dumps({"numbers": [1.5] * 2000})))
    assert line == 0 and "more than 1 000 values" in reason


def test_a_header_line_longer_than_the_limit_is_named_by_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_LINE_CHARS", 1000)
    ((line, reason),) = problems_of(write(tmp_path, "t.csv", "\n\n" + "x" * 5000 + "\n"))
    assert line == 3 and "longer than 1 000 characters" in reason
