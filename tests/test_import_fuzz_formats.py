"""Fuzzing the other formats: whatever a bank file holds, the answer is a reading or ``ImportFileError`` with
sentences (a mapping to accept is one), never a traceback, and amounts are what they look like."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juni_tui.services.importing import Choice, ImportFileError, Mapping, preview, read_statement
from tests.import_samples import REVOLUT_HEADER, camt, camt_entry

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
FOLDER = Path(tempfile.mkdtemp(prefix="juni-fuzz-formats-"))
BANK = Mapping(columns={"date": "Datum", "amount": "Belopp", "merchant": "Text"}, decimal=",")


def answer(data: bytes, name: str, choice: Choice | None = None) -> None:
    path = FOLDER / name
    path.write_bytes(data)
    for read in (lambda: read_statement(path, choice=choice), lambda: preview(path, choice=choice)):
        try:
            result = read()
        except ImportFileError as exc:
            assert exc.problems and all(isinstance(line, int) and line >= 0 and reason for line, reason in exc.problems)
            continue
        txs = result.transactions if hasattr(result, "transactions") else result.reading.transactions
        for tx in txs:
            assert tx.amount == tx.amount.quantize(Decimal("0.01")) and abs(tx.amount) < Decimal(10) ** 12


cells = st.text(alphabet=st.sampled_from("0123456789-,.; \"\n\tåäöÅ€abcSEKUSD/:"), max_size=12)


@FUZZ
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=5), max_size=6), encoding=st.sampled_from(["utf-8", "cp1252"]))
def test_any_bank_csv_through_a_mapping_or_a_proposal_is_an_answer(rows, encoding):
    text = "Datum;Text;Belopp\n" + "\n".join(";".join(row) for row in rows)
    data = text.encode(encoding, errors="replace")
    answer(data, "bank.csv", Choice(mapping=BANK))
    answer(data, "auto.csv", Choice(accept=True))


@FUZZ
@given(rows=st.lists(st.lists(cells, min_size=1, max_size=16), max_size=5))
def test_any_revolut_like_csv_is_an_answer(rows):
    answer(("\n".join([REVOLUT_HEADER, *(",".join(row) for row in rows)]) + "\n").encode(), "revolut.csv")


@FUZZ
@given(amount=cells, day=cells, status=st.sampled_from(["BOOK", "PDNG", "INFO", ""]), name=cells,
       cut=st.integers(min_value=0, max_value=2000))
def test_any_camt_entry_and_any_cut_of_the_file_is_an_answer(amount, day, status, name, cut):
    def xml_safe(text: str) -> str:
        return text.replace("&", "").replace("<", "").replace(">", "")

    path = camt(FOLDER / "s.xml", 8, [camt_entry(8, ref="R1", amount=xml_safe(amount), day=xml_safe(day),
                                                 status=status, name=xml_safe(name))])
    data = path.read_bytes()
    answer(data, "whole.xml")
    answer(data[:cut], "cut.xml")
