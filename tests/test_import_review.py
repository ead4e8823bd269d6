"""Review of the statement importers (issue 14): what a clumsy user or a hostile file does to them.

Each test is a row a user would notice: a voucher with the wrong amount or merchant, a traceback instead of a
sentence, a row lost without a word.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from juni_tui.services.importing import ImportFileError, Mapping, MappingError
from juni_tui.services.importing.formats import Choice, read_statement
from juni_tui.services.importing.values import parse_amount
from tests.import_samples import REVOLUT_HEADER

CAMT08 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, choice: Choice | None = None) -> list[tuple[int, str]]:
    with pytest.raises(ImportFileError) as caught:
        read_statement(path, None, choice)
    return caught.value.problems


# --- mapped CSVs ------------------------------------------------------------------------------------------------

SWEDISH = Mapping(columns={"date": "Datum", "amount": "Belopp", "merchant": "Text"}, delimiter=";", decimal=",")


@pytest.mark.parametrize(("text", "decimal", "expected"), [
    ("-10.000", ",", Decimal("-10000.00")), ("1.000", ",", Decimal("1000.00")), ("12,500", ".", Decimal("12500.00")),
    ("2960,000", ",", Decimal("2960.00")), ("-2960.000", ".", Decimal("-2960.00")),
])
def test_a_whole_amount_with_thousands_separators_is_read_as_thousands(text, decimal, expected):
    errors: list[str] = []
    assert parse_amount(text, decimal, errors) == expected, errors


def test_a_mapped_file_with_ten_thousand_written_swedish_style_imports(tmp_path):
    path = write(tmp_path, "bank.csv", "Datum;Belopp;Text\n2026-09-01;-10.000;Hyra\n")
    reading = read_statement(path, None, Choice(mapping=SWEDISH))
    assert [tx.amount for tx in reading.transactions] == [Decimal("-10000.00")]


def test_a_mapped_column_that_appears_twice_in_the_header_is_refused_not_guessed(tmp_path):
    path = write(tmp_path, "bank.csv", "Datum;Belopp;Text;Belopp\n2026-09-01;-100,00;Shop;-12,00\n")
    found = problems(path, Choice(mapping=SWEDISH))
    assert len(found) == 1 and found[0][0] == 1
    assert "'Belopp'" in found[0][1] and "more than once" in found[0][1]


@pytest.mark.parametrize("encoding", ["hex", "rot13", "base64", "zlib"])
def test_a_mapping_whose_encoding_is_no_text_encoding_is_refused_with_a_sentence(tmp_path, encoding):
    mapping_file = write(tmp_path, "m.toml", '[columns]\ndate = "Datum"\namount = "Belopp"\nmerchant = "Text"\n'
                                             f'[format]\nencoding = "{encoding}"\n')
    with pytest.raises(MappingError, match="encoding"):
        Mapping.load(mapping_file)
    path = write(tmp_path, "bank.csv", "Datum;Belopp;Text\n2026-09-01;-100,00;Shop\n")
    choice = Choice(mapping=Mapping(columns=SWEDISH.columns, encoding=encoding, decimal=","))
    assert "encoding" in problems(path, choice)[0][1]


# --- Revolut ----------------------------------------------------------------------------------------------------


def test_a_revolut_card_payment_without_an_amount_is_a_problem_not_a_zero(tmp_path):
    row = "2026-09-01,2026-09-02,r-1,CARD_PAYMENT,COMPLETED,GitHub,,Anna,4321,SEK,,SEK,,-1.50,1000,Main"
    path = write(tmp_path, "revolut.csv", f"{REVOLUT_HEADER}\n{row}\n")
    assert problems(path) == [(2, "Amount is missing")]


def test_a_revolut_header_with_a_column_twice_is_refused(tmp_path):
    row = "2026-09-01,2026-09-02,r-1,CARD_PAYMENT,COMPLETED,GitHub,,Anna,4321,SEK,,SEK,-105.20,0,1000,Main,-1.00"
    path = write(tmp_path, "revolut.csv", f"{REVOLUT_HEADER},Amount\n{row}\n")
    found = problems(path)
    assert found[0][0] == 1 and "'Amount'" in found[0][1] and "more than once" in found[0][1]


def revolut_row(*, completed: str = "2026-09-02", state: str = "COMPLETED", description: str = "GitHub") -> str:
    return (f"2026-09-01,{completed},r-1,CARD_PAYMENT,{state},{description},,Anna,4321,SEK,,SEK,-105.20,0,1000,"
            "Main")


def test_a_completed_revolut_row_without_its_completion_date_is_a_problem_not_skipped_as_not_completed(tmp_path):
    path = write(tmp_path, "revolut.csv", f"{REVOLUT_HEADER}\n{revolut_row(completed='')}\n")
    [(line, reason)] = problems(path)
    assert line == 2 and "Date completed" in reason


def test_a_revolut_card_row_without_a_description_is_a_problem_not_a_merchant_called_card_payment(tmp_path):
    path = write(tmp_path, "revolut.csv", f"{REVOLUT_HEADER}\n{revolut_row(description='')}\n")
    assert problems(path) == [(2, "Description (the merchant) is missing")]


def test_a_bad_revolut_date_does_not_send_the_user_to_a_mapping(tmp_path):
    path = write(tmp_path, "revolut.csv", f"{REVOLUT_HEADER}\n{revolut_row(completed='03/09/2026')}\n")
    [(_line, reason)] = problems(path)
    assert "03/09/2026" in reason and "mapping" not in reason


def test_a_revolut_card_row_without_a_payment_currency_is_a_problem_not_skipped_as_foreign(tmp_path):
    row = revolut_row().replace(",SEK,,SEK,", ",SEK,,,")
    path = write(tmp_path, "revolut.csv", f"{REVOLUT_HEADER}\n{row}\n")
    assert problems(path) == [(2, "GitHub: Payment currency is missing")]


def test_a_revolut_amount_with_a_decimal_comma_does_not_send_the_user_to_a_mapping(tmp_path):
    row = revolut_row().replace(",-105.20,", ',"-105,20",')
    path = write(tmp_path, "revolut.csv", f"{REVOLUT_HEADER}\n{row}\n")
    [(line, reason)] = problems(path)
    assert line == 2 and "'-105,20'" in reason and "mapping" not in reason


# --- camt.053 ---------------------------------------------------------------------------------------------------


def camt(entries: str, inner_ns: str = "") -> str:
    stmt = f'<BkToCstmrStmt{inner_ns}><Stmt><Id>1</Id>{entries}</Stmt></BkToCstmrStmt>'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{CAMT08}">{stmt}</Document>\n'


def details(name: str, amount: str | None = None, ref: str | None = None, party: str = "Cdtr") -> str:
    amt = f'<AmtDtls><TxAmt><Amt Ccy="SEK">{amount}</Amt></TxAmt></AmtDtls>' if amount else ""
    refs = f"<Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>" if ref else ""
    return f"<TxDtls>{refs}{amt}<RltdPties><{party}><Pty><Nm>{name}</Nm></Pty></{party}></RltdPties></TxDtls>"


def entry(body: str, amount: str | None = "100.00", indicator: str = "DBIT", extra: str = "") -> str:
    amt = f'<Amt Ccy="SEK">{amount}</Amt>' if amount is not None else ""
    return (f"<Ntry><NtryRef>1</NtryRef>{amt}<CdtDbtInd>{indicator}</CdtDbtInd>{extra}<Sts><Cd>BOOK</Cd></Sts>"
            f"<BookgDt><Dt>2026-09-02</Dt></BookgDt><AcctSvcrRef>E1</AcctSvcrRef><NtryDtls>{body}</NtryDtls></Ntry>")


def test_a_camt_entry_without_an_amount_is_a_problem_not_a_skip(tmp_path):
    path = write(tmp_path, "s.xml", camt(entry(details("ICA"), amount=None)))
    assert any("no amount" in reason for _, reason in problems(path))


def test_a_reversed_card_payment_names_the_merchant_and_comes_back_as_money_in(tmp_path):
    path = write(tmp_path, "s.xml", camt(entry(details("ICA Maxi"), indicator="CRDT", extra="<RvslInd>true</RvslInd>")))
    [tx] = read_statement(path).transactions
    assert (tx.merchant, tx.amount) == ("ICA Maxi", Decimal("100.00"))


def test_a_statement_in_another_version_inside_the_document_is_not_read_as_empty(tmp_path):
    other = ' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"'
    path = write(tmp_path, "s.xml", camt(entry(details("ICA")), inner_ns=other))
    with pytest.raises(ImportFileError) as caught:
        read_statement(path)
    assert "version" in str(caught.value)


def test_a_batch_entry_gives_one_transaction_per_purchase_with_its_own_merchant(tmp_path):
    body = details("Shop A", "30.00", ref="T1") + details("Shop B", "70.00", ref="T2")
    path = write(tmp_path, "s.xml", camt(entry(body)))
    txs = read_statement(path).transactions
    assert [(tx.id, tx.merchant, tx.amount) for tx in txs] == [
        ("T1", "Shop A", Decimal("-30.00")), ("T2", "Shop B", Decimal("-70.00"))]


def test_a_batch_entry_whose_purchases_do_not_add_up_is_refused(tmp_path):
    body = details("Shop A", "30.00") + details("Shop B", "60.00")
    path = write(tmp_path, "s.xml", camt(entry(body)))
    assert any("add up" in reason for _, reason in problems(path))


def test_a_batch_entry_without_amounts_per_purchase_is_refused_not_given_one_merchant(tmp_path):
    body = details("Shop A") + details("Shop B")
    path = write(tmp_path, "s.xml", camt(entry(body)))
    assert any("2 transactions" in reason for _, reason in problems(path))


def test_a_camt_entry_without_a_status_is_a_problem_not_skipped_as_pending(tmp_path):
    path = write(tmp_path, "s.xml", camt(entry(details("ICA")).replace("<Sts><Cd>BOOK</Cd></Sts>", "")))
    assert problems(path) == [(2, "ICA: the entry has no status (Sts), so whether it is booked cannot be told")]


# --- mapping files ----------------------------------------------------------------------------------------------

COLUMNS = '[columns]\ndate = "Datum"\namount = "Belopp"\nmerchant = "Text"\n'


def test_a_setting_above_the_format_table_is_refused_not_ignored(tmp_path):
    path = write(tmp_path, "m.toml", 'decimal = ","\n' + COLUMNS + '[format]\ndelimiter = ";"\n')
    with pytest.raises(MappingError, match=r"decimal.*\[format\]"):
        Mapping.load(path)


@pytest.mark.parametrize("date_format", ["%d", "%d.%m", "%m/%Y", "%H:%M"])
def test_a_date_format_without_year_month_and_day_is_refused_not_dated_1900(tmp_path, date_format):
    path = write(tmp_path, "m.toml", COLUMNS + f'[format]\ndate_format = "{date_format}"\n')
    with pytest.raises(MappingError, match="date_format"):
        Mapping.load(path)


@pytest.mark.parametrize("date_format", ["%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y", "%d %b %Y", "%Y%j"])
def test_a_date_format_with_year_month_and_day_is_taken(tmp_path, date_format):
    path = write(tmp_path, "m.toml", COLUMNS + f'[format]\ndate_format = "{date_format}"\n')
    assert Mapping.load(path).date_format == date_format


def test_a_mapping_made_in_the_dialog_with_a_date_format_without_a_year_is_refused(tmp_path):
    path = write(tmp_path, "bank.csv", "Datum;Belopp;Text\n05.01;-1,00;Shop\n")
    mapping = Mapping(columns=SWEDISH.columns, delimiter=";", decimal=",").with_setting("date_format", "%d.%m")
    assert "year" in problems(path, Choice(mapping=mapping))[0][1]


def test_a_pipe_separated_file_finds_its_saved_mapping_the_next_time(tmp_path, home):
    from juni_tui.cli import main

    path = write(tmp_path, "bank.csv", "Datum|Belopp|Text\n2026-09-01|-10,00|SL\n")
    mapping = write(tmp_path, "m.toml", COLUMNS + '[format]\ndelimiter = "|"\ndecimal = ","\n')
    assert main(["--home", str(home.root), "import", str(path), "--mapping", str(mapping)]) == 0
    again = write(tmp_path, "bank2.csv", "Datum|Belopp|Text\n2026-09-02|-20,00|SJ\n")
    assert main(["--home", str(home.root), "import", str(again)]) == 0
