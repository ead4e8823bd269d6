"""Each format reads what a user's real file holds: Revolut, camt.053 .02 and .08, bank CSVs through mappings, auto."""

from __future__ import annotations

from decimal import Decimal

import pytest

from juni_tui.services.importing import Choice, ImportFileError, Mapping, MappingNeeded, read_statement
from juni_tui.services.importing.formats import recognise
from tests.import_samples import REVOLUT_ROWS, camt, camt_entry, camt_sample, revolut, write_lines


def by_id(reading):
    return {tx.id: tx for tx in reading.transactions}


def test_revolut_takes_card_payments_refunds_and_fees_and_counts_what_it_skips(tmp_path):
    path = revolut(tmp_path / "revolut.csv", list(REVOLUT_ROWS.values()))
    reading = read_statement(path)
    assert reading.format == "revolut"
    txs = by_id(reading)
    assert list(txs) == ["r-pay", "r-pay-fee", "r-refund", "r-fee"]
    pay = txs["r-pay"]
    assert (pay.merchant, pay.amount, pay.original_amount, pay.original_currency) == (
        "GitHub", Decimal("-105.20"), Decimal("-10.00"), "USD")
    assert (pay.cardholder, str(pay.date)) == ("Anna Lind", "2026-09-02")
    assert txs["r-refund"].amount == Decimal("50.00")
    for fee_id, amount in (("r-fee", "-99.00"), ("r-pay-fee", "-1.50")):
        fee = txs[fee_id]
        assert (fee.amount, fee.category, fee.account, fee.vat_code.value) == (Decimal(amount), "Bank fee", 6570, "0")
    assert reading.skipped_by_reason() == {"not a card payment": 2, "other currency": 1, "pending (not booked yet)": 1}


def test_revolut_columns_are_found_by_name_in_any_order_with_extra_ones(tmp_path):
    header = "Card label,Amount,Payment currency,ID,Type,Description,Date completed (UTC),Date started (UTC),Orig currency,MCC"
    path = write_lines(tmp_path / "r.csv", [header, "Team,-12.00,SEK,x1,CARD_PAYMENT,Pressbyrån,2026-09-01,2026-09-01,SEK,5994"])
    (tx,) = read_statement(path).transactions
    assert (tx.id, tx.merchant, tx.amount) == ("x1", "Pressbyrån", Decimal("-12.00"))


def test_a_bad_revolut_amount_refuses_the_file_with_its_line(tmp_path):
    rows = [REVOLUT_ROWS["payment"], REVOLUT_ROWS["refund"].replace("SEK,50.00,0,", "SEK,fifty,0,")]
    path = revolut(tmp_path / "r.csv", rows)
    with pytest.raises(ImportFileError) as caught:
        read_statement(path)
    assert caught.value.problems == [(3, "amount 'fifty' is not a number")]


@pytest.mark.parametrize("version", [2, 8])
def test_camt053_takes_booked_entries_with_sign_counterparty_and_foreign_amount(tmp_path, version):
    path = camt(tmp_path / "statement.xml", version, camt_sample(version))
    reading = read_statement(path)
    assert reading.format == "camt053"
    txs = by_id(reading)
    assert list(txs) == ["B1", "B2", "B3"]
    assert (txs["B1"].merchant, txs["B1"].amount) == ("ICA Maxi", Decimal("-120.50"))
    assert (txs["B2"].merchant, txs["B2"].amount) == ("AMAZON WEB SERVICES", Decimal("-1055.00"))
    assert (txs["B2"].original_amount, txs["B2"].original_currency) == (Decimal("-100.00"), "USD")
    assert (txs["B3"].merchant, txs["B3"].amount) == ("Clas Ohlson AB", Decimal("200.00"))
    assert reading.skipped_by_reason() == {"pending (not booked yet)": 1}


def test_camt053_refuses_a_dtd_and_entities(tmp_path):
    path = tmp_path / "evil.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&b;'
                    "</BkToCstmrStmt></Document>")
    with pytest.raises(ImportFileError) as caught:
        read_statement(path)
    assert "DTD or entities" in caught.value.problems[0][1]


def test_camt053_problems_name_the_entry_line(tmp_path):
    entries = [camt_entry(2, ref="B1", amount="10.00"), camt_entry(2, ref="B2", amount="ten")]
    path = camt(tmp_path / "s.xml", 2, entries)
    with pytest.raises(ImportFileError) as caught:
        read_statement(path)
    assert caught.value.problems == [(6, "amount 'ten' is not a number")]


def test_swedish_bank_csv_with_semicolons_decimal_comma_and_cp1252(tmp_path):
    path = write_lines(tmp_path / "nordea.csv", [
        "Bokföringsdag;Belopp;Avsändare;Mottagare;Namn;Rubrik;Saldo;Valuta",
        "2026/09/01;-1 234,50;;;Åhléns City;Kortköp;10 000,00;SEK",
        "Reserverat;-20,00;;;ICA;Kortköp;;SEK",
    ], encoding="cp1252")
    mapping = Mapping(columns={"date": "Bokföringsdag", "amount": "Belopp", "merchant": "Namn",
                               "description": "Rubrik", "currency": "Valuta"}, decimal=",", encoding="cp1252")
    reading = read_statement(path, choice=Choice(mapping=mapping))
    (tx,) = reading.transactions
    assert (str(tx.date), tx.merchant, tx.amount, tx.description) == ("2026-09-01", "Åhléns City",
                                                                      Decimal("-1234.50"), "Kortköp")
    assert reading.skipped_by_reason() == {"pending (not booked yet)": 1}
    assert reading.encoding == "cp1252 (Windows Latin-1)"


def test_tab_separated_bank_csv_with_title_lines_above_the_header(tmp_path):
    path = write_lines(tmp_path / "swedbank.csv", [
        "* Transaktionsrapport Period 2026-09-01 - 2026-09-30",
        "Radnummer\tClearingnummer\tKontonummer\tProdukt\tValuta\tBokföringsdag\tTransaktionsdag\tValutadag\t"
        "Referens\tBeskrivning\tBelopp\tBokfört saldo",
        "1\t8327\t1234\tFöretagskonto\tSEK\t2026-09-03\t2026-09-02\t2026-09-03\tK1\tSJ AB\t-450.00\t9000.00",
    ])
    mapping = Mapping(columns={"date": "Transaktionsdag", "amount": "Belopp", "merchant": "Beskrivning"})
    (tx,) = read_statement(path, choice=Choice(mapping=mapping)).transactions
    assert (str(tx.date), tx.merchant, tx.amount) == ("2026-09-02", "SJ AB", Decimal("-450.00"))


def test_a_card_statement_with_money_out_positive(tmp_path):
    path = write_lines(tmp_path / "card.csv", ["Date,Merchant,Amount,Cardholder",
                                                "03/09/2026,Uber,123.00,Bo Ek", "04/09/2026,Uber refund,-23.00,Bo Ek"])
    mapping = Mapping(columns={"date": "Date", "amount": "Amount", "merchant": "Merchant", "cardholder": "Cardholder"},
                      date_format="%d/%m/%Y", purchases="positive")
    txs = read_statement(path, choice=Choice(mapping=mapping)).transactions
    assert [(str(t.date), t.amount, t.cardholder) for t in txs] == [("2026-09-03", Decimal("-123.00"), "Bo Ek"),
                                                                  ("2026-09-04", Decimal("23.00"), "Bo Ek")]


def test_auto_proposes_a_mapping_for_a_header_it_recognises_and_uses_it_once_accepted(tmp_path):
    path = write_lines(tmp_path / "kort.csv", ["Datum;Handlare;Belopp;Valuta;Kortinnehavare;Kategori",
                                                "2026-09-01;Espresso House;45,00;SEK;Anna Lind;Fika",
                                                "2026-09-02;SJ;450,00;SEK;Anna Lind;Resor"], encoding="cp1252")
    with pytest.raises(MappingNeeded) as caught:
        read_statement(path)
    proposal = caught.value.proposal
    assert proposal.columns == {"date": "Datum", "amount": "Belopp", "currency": "Valuta", "merchant": "Handlare",
                                "cardholder": "Kortinnehavare", "category": "Kategori"}
    assert (proposal.delimiter, proposal.decimal, proposal.purchases) == (";", ",", "positive")
    reading = read_statement(path, choice=Choice(accept=True))
    assert [(t.merchant, t.amount, t.category) for t in reading.transactions] == [
        ("Espresso House", Decimal("-45.00"), "Fika"), ("SJ", Decimal("-450.00"), "Resor")]
    assert Mapping.from_doc(__import__("tomllib").loads(proposal.to_toml())) == proposal


def test_a_header_auto_cannot_map_says_which_fields_are_missing(tmp_path):
    path = write_lines(tmp_path / "odd.csv", ["Foo,Bar,Baz", "1,2,3"])
    with pytest.raises(MappingNeeded) as caught:
        read_statement(path, choice=Choice(accept=True))
    assert caught.value.proposal.missing() == ["date", "amount", "merchant"]
    assert "--mapping" in str(caught.value)


def test_recognise_tells_the_formats_apart(tmp_path):
    canonical = write_lines(tmp_path / "c.csv", ["id,date,merchant,amount", "a,2026-09-01,X,-1"])
    assert recognise(canonical).name == "canonical"
    assert recognise(revolut(tmp_path / "r.csv", [])).name == "revolut"
    assert recognise(camt(tmp_path / "s.xml", 8, [])).name == "camt053"
    assert recognise(write_lines(tmp_path / "b.csv", ["Datum;Belopp;Text"])).name == "mapped"


def test_a_mapping_file_with_mistakes_is_refused_with_each_one(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[columns]\ndate = "Datum"\nbelopp = "Belopp"\n[format]\ndecimal = ";"\npurchases = "out"\n')
    with pytest.raises(ValueError) as caught:
        Mapping.load(path)
    text = str(caught.value)
    assert "'belopp' is not a field" in text and "amount, merchant" in text


def test_a_binary_file_is_refused_not_guessed(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(ImportFileError) as caught:
        read_statement(path)
    assert "not text" in caught.value.problems[0][1]


def test_the_example_mappings_in_docs_are_valid_and_read_a_seb_row(tmp_path):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "docs" / "mappings"
    mappings = {path.stem: Mapping.load(path) for path in folder.glob("*.toml")}
    assert {"juni", "swedbank", "nordea", "seb", "card-statement-positive"} <= set(mappings)
    path = write_lines(tmp_path / "seb.csv", ["Bokföringsdatum;Valutadatum;Verifikationsnummer;Text;Belopp;Saldo",
                                              "2026-08-04;2026-08-04;5484301005;14996 STR SE/20-08-03;-2960.000;42700.100"])
    (tx,) = read_statement(path, choice=Choice(mapping=mappings["seb"])).transactions
    assert (tx.merchant, tx.amount) == ("14996 STR SE/20-08-03", Decimal("-2960.00"))


def test_a_plain_english_card_csv_is_mapped_and_one_with_canonical_only_columns_is_canonical(tmp_path):
    plain = write_lines(tmp_path / "card.csv", ["Date,Merchant,Amount", "2026-09-01,Uber,-12.00"])
    assert recognise(plain).name == "mapped"
    (tx,) = read_statement(plain, choice=Choice(accept=True)).transactions
    assert tx.id.startswith("map-") and tx.amount == Decimal("-12.00")
    forgot_id = write_lines(tmp_path / "own.csv", ["date,merchant,amount,account", "2026-09-01,Uber,-12.00,5800"])
    assert recognise(forgot_id).name == "canonical"
    with pytest.raises(ImportFileError, match="missing column id"):
        read_statement(forgot_id)


def test_cp1252_far_into_a_utf8_looking_file_is_found_and_named(tmp_path):
    rows = [f"2026-09-{1 + n % 28:02d};Pressbyran {n};-1,00" for n in range(3_000)] + ["2026-09-30;Åhléns;-2,00"]
    path = write_lines(tmp_path / "late.csv", ["Datum;Text;Belopp", *rows], encoding="cp1252")
    reading = read_statement(path, choice=Choice(mapping=Mapping(columns={"date": "Datum", "amount": "Belopp",
                                                                          "merchant": "Text"}, decimal=",")))
    assert reading.encoding == "cp1252 (Windows Latin-1)" and reading.transactions[-1].merchant == "Åhléns"
