"""How long importing takes: reading and checking a CSV and a JSON file, the one commit, a re-import, the demo home.

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
from juni_tui.services.importing import COLUMNS, import_file, read_transactions  # noqa: E402
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
        for run in range(args.repeat):
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
