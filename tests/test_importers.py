"""Importing transactions from CSV and JSON: exact amounts, every bad line named, all or nothing, idempotent."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from juni_tui.cli import main
from juni_tui.domain.rules import Rule, RuleActions, RuleKind
from juni_tui.domain.transactions import Origin
from juni_tui.domain.vat import VatCode
from juni_tui.services import rules
from juni_tui.services.demo.company import reference_models
from juni_tui.services.importing import ImportFileError, import_file, parse_vat_code, read_transactions, write_csv
from juni_tui.services.importing.source import MAX_LISTED_PROBLEMS
from juni_tui.services.store import Store
from tests.conftest import make_tx
from tests.test_receipts import exported

DATA = Path(__file__).parent / "data"
HEADER = "id,date,merchant,amount,account,vat_code\n"


@pytest.fixture
def store(home):
    with Store.open(home) as store:
        yield store


@pytest.fixture
def chart_store(store):
    """A store that knows the sandbox company's chart of accounts, cost centers and projects."""
    store.commit(reference_models())
    return store


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems_of(path: Path, known=None) -> list[tuple[int, str]]:
    with pytest.raises(ImportFileError) as caught:
        read_transactions(path, known)
    return caught.value.problems


# --- good files -----------------------------------------------------------------------------------------------


def test_semicolon_csv_with_bom_and_decimal_commas_is_read_exactly(chart_store):
    path = DATA / "juni-semicolon-bom.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    txs = {tx.id: tx for tx in read_transactions(path, chart_store)}
    assert list(txs) == ["jt-1001", "jt-1002", "jt-1003", "jt-1004", "jt-1005"]
    github = txs["jt-1001"]
    assert (github.date, github.merchant, github.amount) == (date(2026, 9, 2), "GitHub, Inc.", Decimal("-1062.37"))
    assert (github.original_amount, github.original_currency) == (Decimal("-99.00"), "USD")
    assert (github.card, github.cardholder, github.category, github.merchant_country) == (
        "Visa *4821", "Anna Lind", "Software", "US")
    assert (github.account, github.vat_code) == (5420, VatCode.RC_NON_EU_SERVICES)
    sj = txs["jt-1003"]
    assert (sj.amount, sj.vat_code, sj.cost_center, sj.project) == (Decimal("-1245.00"), VatCode.VAT6, "300", "2")
    assert sj.description == "Stockholm C - Umeå C"
    assert txs["jt-1004"].vat_code == VatCode.VAT25 and txs["jt-1005"].amount == Decimal("349.90")


def test_values_from_the_file_say_they_came_from_it_and_missing_ones_stay_empty(chart_store):
    txs = {tx.id: tx for tx in read_transactions(DATA / "juni-semicolon-bom.csv", chart_store)}
    source = txs["jt-1003"].sources["account"]
    assert (source.origin, source.label) == (Origin.IMPORT, "import file juni-semicolon-bom.csv")
    assert set(txs["jt-1003"].sources) == {"account", "vat_code", "cost_center", "project"}
    coffee = txs["jt-1002"]
    assert (coffee.account, coffee.vat_code, coffee.sources) == (None, None, {})
    assert coffee.missing_values() == ["account", "VAT code"]


def test_comma_csv_takes_quoted_swedish_amounts_and_lower_case_vat_codes():
    txs = read_transactions(DATA / "juni-comma.csv")
    assert [(tx.id, tx.amount, tx.vat_code) for tx in txs] == [
        ("c-1", Decimal("-1312.40"), VatCode.RC_EU_SERVICES),
        ("c-2", Decimal("-499.00"), VatCode.VAT25),
        ("c-3", Decimal("-49.00"), VatCode.NONE),
    ]
    assert txs[0].original_amount == Decimal("-112.00") and txs[0].original_currency == "EUR"


def test_json_numbers_become_exact_decimals_and_text_amounts_work_too(chart_store):
    txs = read_transactions(DATA / "juni.json", chart_store)
    figma, hotel = txs
    assert figma.amount == Decimal("-1530.25") and str(figma.amount) == "-1530.25"
    assert figma.original_amount == Decimal("-144.00") and figma.account == 5420
    assert hotel.amount == Decimal("-2380.00") and hotel.project == "2" and hotel.cardholder == "Anna Lind"


def test_a_plain_json_list_is_read_too(tmp_path):
    path = write(tmp_path, "list.json", json.dumps([{"id": "a", "date": "2026-10-01", "merchant": "Adobe",
                                                     "amount": "-1250.00", "vat_code": "25 %"}]))
    (tx,) = read_transactions(path)
    assert (tx.id, tx.amount, tx.vat_code) == ("a", Decimal("-1250.00"), VatCode.VAT25)


@pytest.mark.parametrize("text, code", [
    ("25", VatCode.VAT25), ("25%", VatCode.VAT25), ("25 %", VatCode.VAT25), ("12", VatCode.VAT12),
    ("6%", VatCode.VAT6), ("0", VatCode.NONE), ("rc_eu_goods", VatCode.RC_EU_GOODS),
    ("RC_NON_EU_SERVICES", VatCode.RC_NON_EU_SERVICES), (25, VatCode.VAT25),
    ("20", None), ("RC", None), ("moms", None), (Decimal("25.0"), None),
])  # fmt: skip
def test_vat_codes_are_read_in_the_spellings_people_use(text, code):
    assert parse_vat_code(text) == code


def test_write_csv_round_trips_through_the_reader(tmp_path, chart_store):
    original = read_transactions(DATA / "juni-semicolon-bom.csv", chart_store)
    path = tmp_path / "again.csv"
    write_csv(original, path)
    again = read_transactions(path, chart_store)
    fields = ("id", "date", "merchant", "amount", "original_amount", "original_currency", "account", "vat_code",
              "cost_center", "project", "card", "cardholder", "description")
    assert [tuple(getattr(t, f) for f in fields) for t in again] == [
        tuple(getattr(t, f) for f in fields) for t in original]


# --- bad files ------------------------------------------------------------------------------------------------


def test_a_bad_file_is_refused_whole_naming_every_bad_line_and_nothing_is_written(chart_store):
    with pytest.raises(ImportFileError) as caught:
        import_file(chart_store, DATA / "bad.csv")
    problems = caught.value.problems
    by_line: dict[int, list[str]] = {}
    for line, reason in problems:
        by_line.setdefault(line, []).append(reason)
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9]  # line 2 is the one good line
    assert by_line[3] == ["date '2026-13-01' is not a date in the form YYYY-MM-DD"]
    assert by_line[4][0] == "merchant is missing"
    assert by_line[4][1].startswith("amount '-99.999' has more than two decimals (if '.' separates thousands")
    assert by_line[5] == [f"vat_code '20' is not a VAT code ({', '.join(code.value for code in VatCode)})"]
    assert by_line[6] == ["id 'b-1' is also on line 2"]
    assert by_line[7] == ["account 6250 Postbefordran is inactive in Fortnox"]
    assert by_line[8] == ["has 5 fields, but the header has 6"]
    assert "amount 'abc' is not a number" in by_line[9]
    assert "account 1234 is not in the chart of accounts in Fortnox" in by_line[9]
    message = str(caught.value)
    assert message.startswith("bad.csv was not imported (9 problems; nothing was changed):")
    assert "\n  line 3: date '2026-13-01'" in message
    assert len(chart_store.transactions) == 0
    assert not [r for r in chart_store.audit_log() if r["action"] == "import"]


def test_accounts_are_checked_only_when_the_chart_is_known(tmp_path, store):
    path = write(tmp_path, "t.csv", HEADER + "a,2026-10-01,Adobe,-1250.00,1234,25\n")
    assert read_transactions(path, store)[0].account == 1234  # no chart fetched yet: nothing to check against
    store.commit(reference_models())
    assert problems_of(path, store) == [(2, "account 1234 is not in the chart of accounts in Fortnox")]


def test_account_must_be_a_four_digit_number(tmp_path):
    path = write(tmp_path, "t.csv", HEADER + "a,2026-10-01,Adobe,-1250.00,54200,25\nb,2026-10-01,Adobe,-1,x,25\n")
    assert problems_of(path) == [(2, "account '54200' is not a four-digit account number"),
                                 (3, "account 'x' is not a four-digit account number")]


def test_unknown_or_inactive_cost_centers_and_projects_are_refused_when_known(tmp_path, chart_store):
    path = write(tmp_path, "t.csv", "id,date,merchant,amount,cost_center,project\n"
                                    "a,2026-10-01,SJ,-100,900,1\n"
                                    "b,2026-10-01,SJ,-100,300,3\n"
                                    "c,2026-10-01,SJ,-100,555,77\n")
    assert problems_of(path, chart_store) == [
        (2, "cost center 900 is not active in Fortnox"),
        (3, "project 3 is not active in Fortnox"),
        (4, "cost center 555 does not exist in Fortnox"),
        (4, "project 77 does not exist in Fortnox"),
    ]


def test_json_amounts_with_more_than_two_decimals_and_float_accounts_are_refused(tmp_path):
    items = '[\n  {"id": "a", "date": "2026-10-01", "merchant": "Adobe", "amount": -1250.00},\n' \
            '  {"id": "b", "date": "2026-10-01", "merchant": "Adobe",\n   "amount": -0.1234},\n' \
            '  {"id": "c", "date": "2026-10-01", "merchant": "Adobe", "amount": -1, "account": 5420.0}\n]\n'
    path = write(tmp_path, "t.json", items)
    assert problems_of(path) == [
        (3, "item 2: amount Decimal('-0.1234') has more than two decimals"),
        (5, "item 3: account Decimal('5420.0') is not a four-digit account number"),
    ]


def test_json_problems_name_the_item_and_the_line_it_starts_on(tmp_path):
    text = json.dumps({"transactions": [
        {"id": "a", "date": "2026-10-01", "merchant": "Adobe", "amount": "-1"},
        {"id": "b", "date": "1 okt", "merchant": "Adobe", "amount": "-1"},
        "not an object",
        {"id": "a", "merchant": "Adobe", "amount": True},
    ]}, indent=2)
    path = write(tmp_path, "t.json", text)
    lines = text.splitlines()
    problems = problems_of(path)
    assert problems == [
        (9, "item 2: date '1 okt' is not a date in the form YYYY-MM-DD"),
        (15, "item 3: is not an object with the transaction's keys"),
        (16, "item 4: date is missing"),
        (16, "item 4: amount true is not a number"),
        (16, "item 4: id 'a' is also on line 3"),
    ]
    assert lines[8].strip() == "{" and lines[15].strip() == "{"


def test_unknown_columns_are_refused_with_the_column_meant(tmp_path):
    path = write(tmp_path, "t.csv", "id,date,merchant,amount,vatcode,Kostnadsställe\na,2026-10-01,Adobe,-1,25,\n")
    problems = problems_of(path)
    assert [line for line, _ in problems] == [1, 1]
    assert problems[0][1].startswith("unknown column 'vatcode' (did you mean 'vat_code'?); the columns are: id, date")
    assert problems[1][1].startswith("unknown column 'kostnadsställe' (did you mean 'cost_center'?);")


def test_column_names_ignore_case_spaces_and_hyphens(tmp_path):
    path = write(tmp_path, "t.csv", "ID;Date;Merchant;Amount;VAT code;Original-Currency;Original amount\n"
                                    "a;2026-10-01;Figma;-480,00;RC_NON_EU_SERVICES;usd;-45\n")
    (tx,) = read_transactions(path)
    assert (tx.vat_code, tx.original_currency, tx.original_amount) == (VatCode.RC_NON_EU_SERVICES, "USD",
                                                                         Decimal("-45.00"))


def test_missing_required_columns_and_json_keys_are_named(tmp_path):
    csv_path = write(tmp_path, "t.csv", "id,merchant\na,Adobe\n")
    assert problems_of(csv_path) == [(1, "missing columns date, amount (required: id, date, merchant, amount)")]
    json_path = write(tmp_path, "t.json", '[{"id": "a", "vat": "25"}]')
    assert problems_of(json_path) == [
        (1, "item 1: unknown key 'vat' (did you mean 'vat_code'?); the keys are: " + ", ".join(
            ["id", "date", "merchant", "amount", "original_amount", "original_currency", "card", "cardholder",
             "category", "merchant_country", "description", "account", "vat_code", "cost_center", "project",
             "participants", "purpose", "attendees", "vat_deductible", "vat_amount"])),
        (1, "item 1: date is missing"), (1, "item 1: merchant is missing"), (1, "item 1: amount is missing"),
    ]


@pytest.mark.parametrize("name, content, says", [
    ("t.csv", "", "the file is empty"),
    ("t.csv", "\n\n", "the file is empty"),
    ("t.csv", "id,date,merchant,amount\n", "the file has a header row but no transactions"),
    ("t.json", "[]", "the file has no transactions"),
    ("t.json", '{"transactions": []}', "the file has no transactions"),
])  # fmt: skip
def test_an_empty_file_is_refused(tmp_path, name, content, says):
    assert problems_of(write(tmp_path, name, content)) == [(0, says)]


def test_a_file_that_is_not_csv_or_json_is_refused_by_name(tmp_path):
    path = write(tmp_path, "transactions.xlsx", "PK\x03\x04")
    with pytest.raises(ImportFileError) as caught:
        read_transactions(path)
    assert str(caught.value) == ("transactions.xlsx was not imported (1 problem; nothing was changed):\n"
                                 "  it is a .xlsx file; juni-tui imports .csv and .json files")


def test_invalid_json_and_the_wrong_shape_are_refused_with_the_line(tmp_path):
    assert problems_of(write(tmp_path, "a.json", '[\n{"id": "a",}\n]')) == [
        (2, "the file is not valid JSON: Expecting property name enclosed in double quotes (column 12)")]
    assert problems_of(write(tmp_path, "b.json", '{"items": []}')) == [
        (1, 'the JSON must be a list of transactions, or an object {"transactions": [...]}')]


def test_a_csv_that_is_not_utf8_is_refused_with_the_line_and_what_to_do(tmp_path):
    path = write(tmp_path, "t.csv", HEADER + "a,2026-10-01,Adobe,-1,5420,25\nb,2026-10-01,Åhléns,-1,5420,25\n",
                 encoding="cp1252")
    assert problems_of(path) == [(3, "the file is not UTF-8 text (from Excel: save it as 'CSV UTF-8')")]


def test_a_missing_file_is_refused_clearly(tmp_path):
    assert problems_of(tmp_path / "nope.csv") == [(0, f"there is no file {tmp_path / 'nope.csv'}")]


def test_a_zero_amount_and_a_bad_currency_or_country_are_refused(tmp_path):
    path = write(tmp_path, "t.csv", "id,date,merchant,amount,original_amount,original_currency,merchant_country\n"
                                    "a,2026-10-01,Adobe,0,,,\n"
                                    "b,2026-10-01,Adobe,-10,-1,US dollars,USA\n"
                                    "c,2026-10-01,Adobe,-10,-1,,\n")
    assert problems_of(path) == [
        (2, "amount is 0.00: there is nothing to book"),
        (3, "original_currency 'US dollars' is not a three-letter currency code (USD, EUR …)"),
        (3, "merchant_country 'USA' is not a two-letter country code (SE, US …)"),
        (4, "original_amount is given without original_currency"),
    ]


def test_the_message_lists_the_first_fifty_problems_and_counts_the_rest(tmp_path):
    rows = "".join(f"t{n},2026-10-{n % 28 + 1:02d},Adobe,oops,5420,25\n" for n in range(60))
    with pytest.raises(ImportFileError) as caught:
        read_transactions(write(tmp_path, "t.csv", HEADER + rows))
    assert len(caught.value.problems) == 60
    message = str(caught.value).splitlines()
    assert len(message) == 1 + MAX_LISTED_PROBLEMS + 1
    assert message[-2] == "  line 51: amount 'oops' is not a number"
    assert message[-1] == "  … and 10 more"


def test_multi_line_quoted_fields_keep_the_real_line_numbers(tmp_path):
    path = write(tmp_path, "t.csv", "id,date,merchant,amount,description\n"
                                    'a,2026-10-01,Adobe,-1,"two\nlines"\n'
                                    "b,2026-10-01,Adobe,x,\n")
    assert problems_of(path) == [(4, "amount 'x' is not a number")]


# --- import_file: idempotent, one commit ----------------------------------------------------------------------


def test_import_adds_everything_in_one_commit_with_an_audit_record(chart_store):
    commits = []
    chart_store.subscribe(commits.append)
    result = import_file(chart_store, DATA / "juni-semicolon-bom.csv")
    assert result.added == ["jt-1001", "jt-1002", "jt-1003", "jt-1004", "jt-1005"]
    assert result.already_present == [] and len(commits) == 1
    assert result.summary == f"Imported 5 transactions from {DATA / 'juni-semicolon-bom.csv'}."
    record = chart_store.audit_log()[-1]
    assert (record["action"], record["file"], record["added"], record["already_present"]) == (
        "import", "juni-semicolon-bom.csv", 5, 0)
    assert record["ids"] == result.added
    assert chart_store.transactions["jt-1001"].amount == Decimal("-1062.37")


def test_a_reimport_adds_nothing_and_says_so(chart_store):
    import_file(chart_store, DATA / "juni-semicolon-bom.csv")
    commits = []
    chart_store.subscribe(commits.append)
    again = import_file(chart_store, DATA / "juni-semicolon-bom.csv")
    assert again.added == [] and len(again.already_present) == 5 and commits == []
    assert again.summary == (f"Imported 0 transactions from {DATA / 'juni-semicolon-bom.csv'}: "
                             "all 5 were already there.")
    assert len(chart_store.transactions) == 5
    assert chart_store.audit_log()[-1]["added"] == 0


def test_only_new_ids_are_added_and_exported_ones_count_as_present(tmp_path, store):
    store.commit([make_tx("a", amount=Decimal("-1.00")), exported(make_tx("b", amount=Decimal("-2.00")))])
    path = write(tmp_path, "t.csv", HEADER + "a,2026-10-05,Adobe,-1.00,,\nb,2026-10-05,Adobe,-2.00,,\n"
                                             "c,2026-10-05,Adobe,-3.00,,\n")
    result = import_file(store, path)
    assert (result.added, result.already_present, result.differing) == (["c"], ["a", "b"], [])
    assert result.summary == f"Imported 1 transaction from {path} (2 were already there)."


def test_a_present_id_with_other_values_is_kept_and_reported(tmp_path, store):
    store.commit([make_tx("a", amount=Decimal("-1.00"))])
    path = write(tmp_path, "t.csv", HEADER + "a,2026-10-05,Adobe,-100.00,,\n")
    result = import_file(store, path)
    assert result.differing == ["a"] and store.transactions["a"].amount == Decimal("-1.00")


def test_a_dry_run_checks_and_counts_but_writes_nothing(chart_store):
    result = import_file(chart_store, DATA / "juni-comma.csv", dry_run=True)
    assert result.added == ["c-1", "c-2", "c-3"] and len(chart_store.transactions) == 0
    assert "would be imported" in result.summary


# --- the CLI --------------------------------------------------------------------------------------------------


def run(home, *argv) -> int:
    return main(["--home", str(home.root), *argv])


def test_cli_imports_then_reimports_nothing(home, capsys):
    path = str(DATA / "juni-comma.csv")
    assert run(home, "import", path) == 0
    assert capsys.readouterr().out == f"Imported 3 transactions from {path}.\n"
    assert run(home, "import", path) == 0
    assert capsys.readouterr().out == f"Imported 0 transactions from {path}: all 3 were already there.\n"
    with Store.open(home) as store:
        assert sorted(store.transactions.keys()) == ["c-1", "c-2", "c-3"]


def test_cli_refuses_a_bad_file_listing_every_problem_with_exit_code_1(home, capsys):
    with Store.open(home) as store:
        store.commit(reference_models())
    assert run(home, "import", str(DATA / "bad.csv")) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("juni-tui: bad.csv was not imported (9 problems; nothing was changed):\n")
    for line in (3, 4, 5, 6, 7, 8, 9):
        assert f"\n  line {line}: " in captured.err
    with Store.open(home) as store:
        assert len(store.transactions) == 0


def test_cli_dry_run_writes_nothing(home, capsys):
    path = str(DATA / "juni.json")
    assert run(home, "import", "--dry-run", path) == 0
    assert capsys.readouterr().out == (f"{path} is fine: 2 transactions would be imported. "
                                       "Nothing was written (--dry-run).\n")
    with Store.open(home) as store:
        assert len(store.transactions) == 0


def test_cli_lets_rules_fill_in_what_the_file_left_empty(home, capsys):
    with Store.open(home) as store:
        rules.add(store, Rule(kind=RuleKind.MERCHANT, merchant="Espresso House",
                              then=RuleActions(account=6071, vat_code=VatCode.VAT12)))
    assert run(home, "import", str(DATA / "juni-semicolon-bom.csv")) == 0
    assert "Rules: 2 values filled on 1 transaction." in capsys.readouterr().out
    with Store.open(home) as store:
        coffee = store.transactions["jt-1002"]
        assert (coffee.account, coffee.vat_code, coffee.sources["account"].origin) == (6071, VatCode.VAT12,
                                                                                       Origin.RULE)
        assert store.transactions["jt-1003"].sources["account"].origin == Origin.IMPORT


def test_cli_json_output_lists_problems_or_ids(home, capsys):
    assert run(home, "import", "--json", str(DATA / "juni-comma.csv")) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == ["c-1", "c-2", "c-3"] and out["already_present"] == []
    assert run(home, "import", "--json", str(DATA / "bad.csv")) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["imported"] is False and {"line": 3, "problem": "date '2026-13-01' is not a date in the form "
                                                               "YYYY-MM-DD"} in out["problems"]
