"""The import's new optional columns (issue 12): participants, purpose, attendees, vat_deductible, vat_amount, in CSV
and JSON; bad values refused with a sentence; the demo's file writes and reads them back."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from juni_tui.services.importing import ImportFileError, read_transactions, write_csv

HEADER = "id,date,merchant,amount,account,vat_code,participants,purpose,attendees,vat_deductible,vat_amount\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_new_columns_are_read_from_csv_and_json(tmp_path):
    csv = _write(tmp_path, "t.csv", HEADER +
                 'l1,2026-10-05,Restaurang Prinsen,-1120.00,6072,12,2,Avtalsförhandling,"Anna Ek (Kund AB), Erik",,\n'
                 "h1,2026-10-06,Hertz,-1250.00,5820,25,,,,50 %,249.80\n")
    lunch, hire = read_transactions(csv, None)
    assert (lunch.participants, lunch.purpose, lunch.attendees) == (2, "Avtalsförhandling", "Anna Ek (Kund AB), Erik")
    assert (hire.vat_deductible, hire.vat_amount) == (Decimal("50"), Decimal("249.80"))
    assert hire.sources["vat_deductible"].origin.value == "import"
    json = _write(tmp_path, "t.json", '[{"id": "j1", "date": "2026-10-05", "merchant": "Prinsen", "amount": -560, '
                                      '"account": 6072, "vat_code": "12", "participants": 3, "vat_deductible": 0}]')
    (tx,) = read_transactions(json, None)
    assert (tx.participants, tx.vat_deductible) == (3, Decimal("0"))


@pytest.mark.parametrize("cells, message", [
    (",,,,,,0,,,,", "participants '0' is not a whole number from 1 to 10000"),
    (",,,,,,two,,,,", "participants 'two' is not a whole number from 1 to 10000"),
    (",,,,,,1" + "0" * 5000 + ",,,,", "is not a whole number from 1 to 10000"),
    (",,,,,,,,,150,", "vat_deductible '150' is not a percentage from 0 to 100"),
    (",,,,,,,,,,-10.00", "vat_amount '-10.00' is negative"),
    (",,,,,,,,,,2000.00", "vat_amount '2000.00' is not less than the amount"),
])
def test_a_bad_value_in_a_new_column_refuses_the_file_with_a_sentence(tmp_path, cells, message):
    row = "x1,2026-10-05,Prinsen,-1120.00," + ",".join(cells.split(",")[4:]) + "\n"
    with pytest.raises(ImportFileError) as caught:
        read_transactions(_write(tmp_path, "t.csv", HEADER + row), None)
    assert any(message in reason for _line, reason in caught.value.problems), caught.value.problems


def test_write_csv_writes_the_new_columns_and_reads_them_back(tmp_path):
    source = _write(tmp_path, "in.csv", HEADER +
                    "l1,2026-10-05,Prinsen,-1120.00,6072,12,2,Kundmöte,Anna Ek,,\n"
                    "h1,2026-10-06,Hertz,-1250.00,5820,25,,,,50,249.80\n")
    txs = read_transactions(source, None)
    out = tmp_path / "out.csv"
    write_csv(txs, out)
    again = read_transactions(out, None)
    assert [(t.participants, t.purpose, t.attendees, t.vat_deductible, t.vat_amount) for t in again] == [
        (t.participants, t.purpose, t.attendees, t.vat_deductible, t.vat_amount) for t in txs]
