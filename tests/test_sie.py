"""SIE 4 export, read back with a small parser written here (not sie.py's code): sums, encoding, objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from juni_tui.cli import main
from juni_tui.domain.reference import Account, CostCenter, FinancialYear, Project
from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import ExportState, SplitLine, Status
from juni_tui.domain.vat import VatCode
from juni_tui.services import sie
from juni_tui.services import vouchers as bookkeeping
from juni_tui.services.store import Store
from juni_tui.services.workflow import export_tag
from tests.conftest import make_tx

# --- an independent, minimal SIE reader -----------------------------------------------------------------------


def tokens(line: str) -> list:
    """Split a SIE line into fields: bare words, "quoted text" (with \\" and \\\\ escapes) and {object lists}."""
    out: list = []
    stack = [out]
    i = 0
    while i < len(line):
        ch = line[i]
        if ch in " \t":
            i += 1
        elif ch == "{":
            inner: list = []
            stack[-1].append(inner)
            stack.append(inner)
            i += 1
        elif ch == "}":
            stack.pop()
            i += 1
        elif ch == '"':
            i += 1
            text = []
            while line[i] != '"':
                if line[i] == "\\":
                    i += 1
                text.append(line[i])
                i += 1
            stack[-1].append("".join(text))
            i += 1
        else:
            j = i
            while j < len(line) and line[j] not in ' \t{}"':
                j += 1
            stack[-1].append(line[i:j])
            i = j
    assert len(stack) == 1, f"unbalanced braces in {line!r}"
    return out


@dataclass
class Ver:
    series: str
    number: str
    date: str
    text: str
    regdate: str
    trans: list[dict] = field(default_factory=list)


@dataclass
class SieFile:
    posts: dict[str, list[list]] = field(default_factory=dict)
    vers: list[Ver] = field(default_factory=list)

    def one(self, label: str) -> list:
        (fields,) = self.posts[label]
        return fields


def read_sie(data: bytes) -> SieFile:
    assert data.count(b"\n") == data.count(b"\r\n"), "every line ends with CRLF"
    text = data.decode("cp437")
    result = SieFile()
    current: Ver | None = None
    for line in text.split("\r\n"):
        stripped = line.strip()
        if not stripped or stripped == "{":
            continue
        if stripped == "}":
            assert current is not None
            result.vers.append(current)
            current = None
            continue
        label, *fields = tokens(stripped)
        if label == "#VER":
            series, number, day, vtext, regdate = fields
            current = Ver(series, number, day, vtext, regdate)
        elif label == "#TRANS":
            assert current is not None, "#TRANS outside a #VER"
            account, objects, amount, day, ttext = fields
            pairs = dict(zip(objects[::2], objects[1::2], strict=True))
            current.trans.append({"account": int(account), "objects": pairs, "amount": Decimal(amount),
                                  "date": day, "text": ttext})
        else:
            result.posts.setdefault(label, []).append(fields)
    assert current is None, "a #VER without its closing brace"
    return result


# --- the company ----------------------------------------------------------------------------------------------

SETTINGS = Settings(company_name='Åkesson "Konsult" & Öberg AB', org_number="559123-4561", default_series="K")
ACCOUNTS = [
    Account(number=5410, description="Förbrukningsinventarier"),
    Account(number=6071, description="Representation, avdragsgill"),
    Account(number=2640, description="Ingående moms"),
    Account(number=1930, description="Företagskonto"),
]
COST_CENTERS = [CostCenter(code="100", description="Ledning")]
PROJECTS = [Project(number="2", description="Kund Älvsbyn, införande")]
YEARS = [FinancialYear(id=1, from_date=date(2025, 1, 1), to_date=date(2025, 12, 31)),
         FinancialYear(id=2, from_date=date(2026, 1, 1), to_date=date(2026, 12, 31))]


def exported(tx, number: int, body_settings: Settings):
    body = bookkeeping.build_voucher(tx, body_settings, "K").to_fortnox()
    return tx.model_copy(update={
        "status": Status.EXPORTED,
        "export": ExportState(series="K", tag=export_tag(tx.id), voucher_body=body, voucher_number=number,
                              voucher_year=2, exported_at=datetime(2026, 3, 25, 9, tzinfo=UTC)),
    })


READY_ADOBE = make_tx("ready-adobe", date=date(2026, 3, 14), amount=Decimal("-1250.00"), account=5410,
                      vat_code=VatCode.VAT25, cost_center="100", project="2", status=Status.READY,
                      merchant="Bäckerei Gäßle \\ Ölstube", receipts=("r",))
READY_DINNER = make_tx(
    "ready-dinner", date=date(2026, 4, 2), amount=Decimal("-2347.50"), status=Status.READY, receipts=("r",),
    merchant="Gotthards Krog", participants=8,
    splits=(SplitLine(amount=Decimal("-1680.00"), account=6071, vat_code=VatCode.VAT12, project="2"),
            SplitLine(amount=Decimal("-667.50"), account=6071, vat_code=VatCode.VAT25)),
)
# Exported with the payment account of the day (2890); the settings have changed since. The file must show the
# rows as they were sent, not as they would be built now.
EXPORTED_SAAS = exported(make_tx("exp-saas", date=date(2026, 3, 20), amount=Decimal("-999.99"), account=5420,
                                 vat_code=VatCode.RC_EU_SERVICES, merchant="Miro"),
                         17, Settings(payment_account=2890))
OUT_OF_RANGE = [
    make_tx("ready-may", date=date(2026, 5, 1), account=5410, vat_code=VatCode.VAT25, status=Status.READY),
    exported(make_tx("exp-feb", date=date(2026, 2, 27), account=5410, vat_code=VatCode.VAT25), 3, SETTINGS),
]
NOT_READY = [make_tx("prep-march", date=date(2026, 3, 15), account=5410, vat_code=VatCode.VAT25)]


@pytest.fixture
def company(home):
    with Store.open(home) as store:
        store.save_settings(SETTINGS)
        store.commit([*ACCOUNTS, *COST_CENTERS, *PROJECTS, *YEARS, READY_ADOBE, READY_DINNER, EXPORTED_SAAS,
                      *OUT_OF_RANGE, *NOT_READY])
    return home


def run_cli(home, *args: str) -> int:
    return main(["--home", str(home.root), "sie", "export", *args])


def export(home, tmp_path: Path, *extra: str, start="2026-03-01", end="2026-04-30") -> SieFile:
    """With the ready transactions: a SIE 4I file."""
    out = tmp_path / "bok.si"
    assert run_cli(home, "--from", start, "--to", end, str(out), "--include-ready", *extra) == 0
    return read_sie(out.read_bytes())


# --- tests ----------------------------------------------------------------------------------------------------


def test_header_names_the_program_company_and_financial_year(company, tmp_path, capsys):
    f = export(company, tmp_path)
    assert f.one("#FLAGGA") == ["0"]
    assert f.one("#PROGRAM")[0] == "juni-tui"
    assert f.one("#FORMAT") == ["PC8"]
    assert f.one("#SIETYP") == ["4"]
    assert f.one("#GEN")[0] == date.today().strftime("%Y%m%d") and f.one("#GEN")[1]
    assert f.one("#FNAMN") == ['Åkesson "Konsult" & Öberg AB']
    assert f.one("#ORGNR") == ["559123-4561"]
    assert f.posts["#RAR"] == [["0", "20260101", "20261231"]]  # only the year the range lies in
    assert sorted(f.posts["#DIM"]) == [["1", "Kostnadsställe"], ["6", "Projekt"]]
    assert "Wrote 3 vouchers (1 exported, 2 ready)" in capsys.readouterr().out


def test_every_account_used_is_named_and_every_object_used_is_listed(company, tmp_path):
    f = export(company, tmp_path)
    names = {int(number): name for number, name in f.posts["#KONTO"]}
    used = {t["account"] for v in f.vers for t in v.trans}
    assert set(names) == used
    assert names[5410] == "Förbrukningsinventarier" and names[2640] == "Ingående moms"
    assert names[2890] == "Övriga kortfristiga skulder"  # not in the company's chart here: the BAS name
    assert names[5420] == "Konto 5420"
    assert sorted(f.posts["#OBJEKT"]) == [["1", "100", "Ledning"], ["6", "2", "Kund Älvsbyn, införande"]]


def test_ready_and_exported_transactions_in_range_each_give_one_balanced_voucher(company, tmp_path):
    f = export(company, tmp_path)
    assert [(v.series, v.number, v.date) for v in f.vers] == [
        ("K", "", "20260314"), ("K", "17", "20260320"), ("K", "", "20260402"),
    ]
    for v in f.vers:
        assert sum((t["amount"] for t in v.trans), Decimal("0")) == Decimal("0"), v.text
        assert all(t["date"] == v.date for t in v.trans)
    assert f.vers[1].regdate == "20260325"


def test_sums_round_trip_exactly_and_exported_rows_are_as_sent(company, tmp_path):
    f = export(company, tmp_path)
    by_tag = {}
    for v in f.vers:
        for tx in (READY_ADOBE, READY_DINNER, EXPORTED_SAAS):
            if f"({export_tag(tx.id)})" in v.text:
                by_tag[tx.id] = v
    assert set(by_tag) == {"ready-adobe", "ready-dinner", "exp-saas"}
    sent = EXPORTED_SAAS.export.voucher_body["Voucher"]["VoucherRows"]
    assert [(t["account"], t["amount"]) for t in by_tag["exp-saas"].trans] == [
        (r["Account"], r["Debit"] - r["Credit"]) for r in sent
    ]
    assert [(t["account"], t["amount"]) for t in by_tag["exp-saas"].trans] == [
        (5420, Decimal("999.99")), (2645, Decimal("250.00")), (2614, Decimal("-250.00")), (2890, Decimal("-999.99")),
    ]
    assert [(t["account"], t["amount"]) for t in by_tag["ready-dinner"].trans] == [
        (6071, Decimal("1500.00")), (2640, Decimal("180.00")), (6071, Decimal("534.00")),
        (2640, Decimal("133.50")), (1930, Decimal("-2347.50")),
    ]


def test_dimension_objects_are_on_their_rows(company, tmp_path):
    f = export(company, tmp_path)
    adobe = next(v for v in f.vers if "ready-adobe" in v.text)
    assert [t["objects"] for t in adobe.trans] == [{"1": "100", "6": "2"}, {}, {}]
    dinner = next(v for v in f.vers if "ready-dinner" in v.text)
    assert dinner.trans[0]["objects"] == {"6": "2"}


def test_swedish_letters_survive_cp437_and_backslashes_and_quotes_are_escaped(company, tmp_path):
    out = tmp_path / "bok.si"
    assert run_cli(company, "--from", "2026-03-01", "--to", "2026-04-30", str(out), "--include-ready") == 0
    data = out.read_bytes()
    assert "Förbrukningsinventarier".encode("cp437") in data
    assert "ö".encode() not in data  # PC8, not UTF-8
    assert b'#FNAMN "\x8fkesson \\"Konsult\\" & \x99berg AB"\r\n' in data
    f = read_sie(data)
    adobe = next(v for v in f.vers if "ready-adobe" in v.text)
    assert adobe.text.startswith("Kortköp Bäckerei Gäßle \\ Ölstube 2026-03-14")
    assert adobe.trans[0]["text"] == "Bäckerei Gäßle \\ Ölstube"


def test_ready_transactions_take_the_series_given(company, tmp_path):
    f = export(company, tmp_path, "--series", "A")
    assert [(v.series, v.number) for v in f.vers] == [("A", ""), ("K", "17"), ("A", "")]


def test_a_range_with_nothing_in_it_still_writes_a_valid_file(company, tmp_path, capsys):
    f = export(company, tmp_path, start="2026-07-01", end="2026-07-31")
    assert f.vers == [] and "#KONTO" not in f.posts and f.one("#SIETYP") == ["4"]
    assert "Wrote 0 vouchers" in capsys.readouterr().out


def test_a_ready_transaction_that_cannot_be_booked_stops_the_export_and_leaves_the_old_file(company, tmp_path,
                                                                                              capsys):
    out = tmp_path / "bok.si"
    out.write_bytes(b"old backup")
    with Store.open(company) as store:  # damaged data: a ready transaction without its account
        store.commit([make_tx("broken", date=date(2026, 3, 2), vat_code=VatCode.VAT25, status=Status.READY)])
    assert run_cli(company, "--from", "2026-03-01", "--to", "2026-04-30", str(out), "--include-ready") == 1
    assert out.read_bytes() == b"old backup"
    assert "transaction broken (Adobe, 2026-03-02): it has no account" in capsys.readouterr().err


def test_bad_ranges_and_folders_are_refused_with_a_message(company, tmp_path, capsys):
    assert run_cli(company, "--from", "2026-05-01", "--to", "2026-04-30", str(tmp_path / "x.se")) == 1
    assert "starts (2026-05-01) after it ends (2026-04-30)" in capsys.readouterr().err
    assert run_cli(company, "--from", "2026-01-01", "--to", "2026-04-30", str(tmp_path / "no" / "x.se")) == 1
    assert "is not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli(company, "--from", "2026-02-30", "--to", "2026-04-30", str(tmp_path / "x.se"))
    assert "'2026-02-30' is not a date" in capsys.readouterr().err


def test_render_turns_characters_outside_cp437_into_plain_ones():
    header = sie.SieHeader(company_name="Nordljus – “AB” €", org_number=None, generated=date(2026, 1, 2), user="u")
    f = read_sie(sie.render(header, [], {}))
    assert f.one("#FNAMN") == ['Nordljus - "AB" EUR']
    assert "#ORGNR" not in f.posts and "#RAR" not in f.posts


def test_by_default_the_file_holds_only_exported_vouchers_with_their_fortnox_numbers(company, tmp_path, capsys):
    out = tmp_path / "bok.se"
    assert run_cli(company, "--from", "2026-03-01", "--to", "2026-04-30", str(out)) == 0
    f = read_sie(out.read_bytes())
    assert [(v.series, v.number) for v in f.vers] == [("K", "17")]
    captured = capsys.readouterr()
    assert "Wrote 1 voucher (1 exported, 0 ready)" in captured.out
    assert "without the company's Fortnox data" not in captured.err  # the company fixture is synchronised


def test_ready_vouchers_go_only_in_a_si_file(company, tmp_path, capsys):
    assert run_cli(company, "--from", "2026-03-01", "--to", "2026-04-30", str(tmp_path / "bok.se"),
                   "--include-ready") == 1
    assert "SIE 4I import file: name it bok.si" in capsys.readouterr().err
    assert not (tmp_path / "bok.se").exists()


def test_a_file_written_without_the_company_data_says_so_on_stderr(home, tmp_path, capsys):
    with Store.open(home) as store:
        store.commit([EXPORTED_SAAS])
    out = tmp_path / "bok.se"
    assert run_cli(home, "--from", "2026-03-01", "--to", "2026-04-30", str(out)) == 0
    err = capsys.readouterr().err
    assert "written without the company's Fortnox data: the company name (#FNAMN), the organisation number " \
           "(#ORGNR), the financial year (#RAR), the account names" in err
    assert "juni-tui sync" in err
    f = read_sie(out.read_bytes())
    assert dict(map(tuple, f.posts["#KONTO"]))["2614"] == "Utgående moms omvänd betalningsskyldighet, 25 %"
