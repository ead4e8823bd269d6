"""How long importing takes: reading N rows in every format (canonical CSV and JSON, Revolut, camt.053, a cp1252
bank CSV through a mapping), the one commit, a re-import, the demo home. The target is 3 s per format at 50 000 rows.

    .venv/bin/python benchmarks/importing.py [N] [--repeat 3]

Prints medians over the repeats. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from juni_tui.services.demo.company import create_demo_home, reference_models
from juni_tui.services.importing import (  # noqa: E402
    COLUMNS,
    Choice,
    Mapping,
    import_file,
    read_statement,
    read_transactions,
)
from juni_tui.services.jsonutil import dumps  # noqa: E402
from juni_tui.services.store import Store  # noqa: E402
from juni_tui.services.store.home import Home  # noqa: E402

MERCHANTS = ("GitHub, Inc.", "ESPRESSO HOUSE 112 STOCKHOLM", "SJ AB", "Clas Ohlson", "Telia Sverige AB")


def rows(n: int) -> list[dict[str, object]]:
    start = date(2026, 1, 1)
    out = []
    for i in range(n):
        amount = Decimal(-(1000 + i * 37 % 250000)) / 100
        out.append({
            "id": f"bench-{i:06d}", "date": (start + timedelta(days=i % 360)).isoformat(),
            "merchant": MERCHANTS[i % len(MERCHANTS)], "amount": amount.quantize(Decimal("0.01")),
            "card": "Visa *4821", "cardholder": "Anna Lind", "category": "Software", "merchant_country": "SE",
            "account": "5420" if i % 3 else "", "vat_code": "25" if i % 3 else "",
        })
    return out


def write_file(path: Path, n: int) -> None:
    """A semicolon CSV with decimal commas, as Excel in Swedish writes it."""
    lines = [";".join(COLUMNS)]
    for row in rows(n):
        row["amount"] = f"{row['amount']:.2f}".replace(".", ",")
        lines.append(";".join(str(row.get(c, "")) for c in COLUMNS))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_json(path: Path, n: int) -> None:
    """``{"transactions": [...]}``, one key per line, amounts as JSON numbers."""
    items = [{k: v for k, v in row.items() if v != ""} for row in rows(n)]
    path.write_text(dumps({"transactions": items}, indent=2), encoding="utf-8")


def write_revolut(path: Path, n: int) -> None:
    lines = ["Date started (UTC),Date completed (UTC),ID,Type,State,Description,Reference,Payer,Card number,"
             "Orig currency,Orig amount,Payment currency,Amount,Fee,Balance,Account"]
    for i, row in enumerate(rows(n)):
        kind = "CARD_REFUND" if i % 50 == 0 else "CARD_PAYMENT"
        amount = -row["amount"] if kind == "CARD_REFUND" else row["amount"]
        lines.append(f"{row['date']},{row['date']},rev-{i:06d},{kind},COMPLETED,{row['merchant'].replace(',', '')},,"
                     f"Anna Lind,4321****1234,SEK,{amount},SEK,{amount},0,0,Main")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_camt(path: Path, n: int) -> None:
    entries = []
    for i, row in enumerate(rows(n)):
        entries.append(
            f"<Ntry><Amt Ccy=\"SEK\">{-row['amount']}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
            f"<BookgDt><Dt>{row['date']}</Dt></BookgDt><AcctSvcrRef>C{i:07d}</AcctSvcrRef><NtryDtls><TxDtls>"
            f"<RltdPties><Cdtr><Pty><Nm>{row['merchant'].replace('&', 'och')}</Nm></Pty></Cdtr></RltdPties>"
            "</TxDtls></NtryDtls></Ntry>")
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:'
                    'camt.053.001.08"><BkToCstmrStmt><Stmt>' + "\n".join(entries) + "</Stmt></BkToCstmrStmt>"
                    "</Document>\n", encoding="utf-8")


MAPPING = Mapping(columns={"date": "Bokföringsdag", "amount": "Belopp", "merchant": "Beskrivning"}, decimal=",")


def write_bank(path: Path, n: int) -> None:
    """Semicolons, decimal commas, cp1252, no ids: every id derived."""
    lines = ["Bokföringsdag;Beskrivning;Belopp;Saldo"]
    for row in rows(n):
        lines.append(f"{row['date']};{row['merchant']} Göteborg;{str(row['amount']).replace('.', ',')};0,00")
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))


def timed(func) -> float:
    t0 = time.perf_counter()
    func()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    figures: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "transactions.csv"
        write_file(path, args.n)
        json_path = Path(folder) / "transactions.json"
        write_json(json_path, args.n)
        formats = {"revolut": (write_revolut, "revolut.csv", Choice()),
                   "camt053": (write_camt, "statement.xml", Choice()),
                   "mapped (cp1252, derived ids)": (write_bank, "bank.csv", Choice(mapping=MAPPING))}
        for write, name, _choice in formats.values():
            write(Path(folder) / name, args.n)
        for run in range(args.repeat):
            figures.setdefault("read_statement: canonical CSV", []).append(timed(lambda: read_statement(path)))
            for label, (_write, name, choice) in formats.items():
                figures.setdefault(f"read_statement: {label}", []).append(
                    timed(lambda name=name, choice=choice: read_statement(Path(folder) / name, None, choice)))
            home = Home(Path(folder) / f"home{run}").ensure()
            with Store.open(home) as store:
                store.commit(reference_models())
                figures.setdefault("read and check (chart known)", []).append(
                    timed(lambda: read_transactions(path, store)))
                figures.setdefault("read and check, JSON (chart known)", []).append(
                    timed(lambda: read_transactions(json_path, store)))
                figures.setdefault("import_file, new home", []).append(timed(lambda: import_file(store, path)))
                figures.setdefault("import_file again (adds nothing)", []).append(
                    timed(lambda: import_file(store, path)))
            demo = Home(Path(folder) / f"demo{run}")
            figures.setdefault("create_demo_home (~300 tx, ~160 PDFs)", []).append(
                timed(lambda demo=demo: create_demo_home(demo, today=date(2026, 11, 24))))
    print(f"{args.n} transactions; median of {args.repeat}")
    for name, values in figures.items():
        print(f"  {name:42s} {statistics.median(values) * 1000:9.0f} ms")


if __name__ == "__main__":
    main()
