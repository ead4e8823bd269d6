"""Hostile statements: every bad file is a sentence with its line, never a traceback, and nothing is written."""

from __future__ import annotations

import pytest

from juni_tui.services.importing import Choice, ImportFileError, Mapping, import_file, read_statement
from tests.import_samples import REVOLUT_HEADER, REVOLUT_ROWS, camt, camt_entry, revolut, write_lines

BANK = Mapping(columns={"date": "Datum", "amount": "Belopp", "merchant": "Text"}, decimal=",")


def problems(path, choice=None):
    with pytest.raises(ImportFileError) as caught:
        read_statement(path, choice=choice)
    return caught.value.problems


def test_xml_that_is_not_well_formed_names_its_line(tmp_path):
    path = tmp_path / "s.xml"
    path.write_text('<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">\n'
                    "<BkToCstmrStmt>\n<Stmt></Ntry>\n")
    ((line, reason),) = problems(path)
    assert line == 4 and reason.startswith("the file is not well-formed XML")


def test_xml_of_another_kind_or_version_is_refused_with_what_is_read(tmp_path):
    other = tmp_path / "pain.xml"
    other.write_text('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>')
    assert "not an ISO 20022 camt.053 statement" in problems(other)[0][1]
    future = camt(tmp_path / "s.xml", 2, []).read_text().replace("camt.053.001.02", "camt.053.001.99")
    (tmp_path / "f.xml").write_text(future)
    assert "camt.053.001.02 to .13" in problems(tmp_path / "f.xml")[0][1]


def test_an_external_entity_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    path = tmp_path / "xxe.xml"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
                    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>'
                    "<Ntry><AddtlNtryInf>&x;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>")
    ((_, reason),) = problems(path)
    assert "DTD or entities" in reason and "SECRET" not in reason


def test_the_same_bank_reference_twice_refuses_the_statement(tmp_path):
    path = camt(tmp_path / "s.xml", 8, [camt_entry(8, ref="R1", amount="1.00"), camt_entry(8, ref="R1", amount="2.00")])
    assert problems(path) == [(6, "id 'R1' is also on line 5")]


def test_a_quote_never_closed_is_a_problem_with_its_line(tmp_path):
    path = write_lines(tmp_path / "b.csv", ["Datum;Text;Belopp", '2026-09-01;"ICA;-1,00', "2026-09-02;SJ;-2,00"])
    assert problems(path, Choice(mapping=BANK))[0][1].startswith("the CSV cannot be read")


def test_every_bad_row_of_a_mapped_file_is_listed(tmp_path):
    path = write_lines(tmp_path / "b.csv", ["Datum;Text;Belopp", "2026-13-01;ICA;-1,00", "2026-09-02;;-2,00",
                                            "2026-09-03;SJ;1.234.5", "2026-09-04;SJ"])
    assert problems(path, Choice(mapping=BANK)) == [
        (2, "date '2026-13-01' is not a date (YYYY-MM-DD); set date_format in the mapping if the file writes dates "
            "otherwise"),
        (3, "merchant is missing"),
        (4, "amount '1.234.5' does not use ',' as its decimal separator, as the mapping says (set decimal in the "
            "mapping)"),
        (5, "has 2 fields, but the header (line 1) has 3"),
    ]


def test_a_mapping_whose_columns_are_not_in_the_file_says_so(tmp_path):
    path = write_lines(tmp_path / "b.csv", ["Date,Amount,Payee", "2026-09-01,-1.00,ICA"])
    ((line, reason),) = problems(path, Choice(mapping=BANK))
    assert line == 1 and "no header row has the mapping's columns ('Datum', 'Belopp', 'Text')" in reason


def test_a_revolut_file_without_its_amount_column_is_refused(tmp_path):
    path = write_lines(tmp_path / "r.csv", [REVOLUT_HEADER.replace(",Amount,", ",Sum,"), REVOLUT_ROWS["payment"]])
    assert problems(path, Choice(format="revolut")) == [(1, "missing Revolut column: amount")]


def test_a_refused_file_writes_nothing_not_even_its_mapping(tmp_path, store):
    path = write_lines(tmp_path / "b.csv", ["Datum;Text;Belopp", "2026-09-01;ICA;-1,00", "2026-09-02;SJ;x"])
    with pytest.raises(ImportFileError):
        import_file(store, path, choice=Choice(mapping=BANK))
    assert len(store.transactions) == 0
    assert store.audit_log() == []


def test_terminal_escapes_in_a_merchant_are_kept_as_data_and_shown_safely(tmp_path):
    from juni_tui.services.display import printable

    path = revolut(tmp_path / "r.csv", [REVOLUT_ROWS["refund"].replace("Clas Ohlson", "Evil\x1b[2JShop")])
    (tx,) = read_statement(path).transactions
    assert "\x1b" not in printable(tx.merchant)


def test_a_mapping_that_is_a_device_a_folder_or_a_quote_delimiter_is_refused(tmp_path):
    for path, said in (("/dev/zero", "is not a file"), (str(tmp_path), "is not a file"),
                       (str(tmp_path / "absent.toml"), "there is no mapping file")):
        with pytest.raises(ValueError, match=said):
            Mapping.load(path)
    quote = tmp_path / "q.toml"
    quote.write_text('[columns]\ndate = "D"\namount = "A"\nmerchant = "M"\n[format]\ndelimiter = \'"\'\n')
    with pytest.raises(ValueError, match="delimiter"):
        Mapping.load(quote)
