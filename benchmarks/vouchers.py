"""Benchmark: the cost of ``build_voucher`` per transaction (issue #12: stay within 1.2× of the cost before it).

Before issue 12 (072f455): 24–29 µs; after: 27–32 µs in the same runs, ratio 1.08–1.12 (a shared 2-core machine).

A realistic mix of 2 000 card transactions: Swedish VAT at 25/12/6 %, no VAT, reverse charge, foreign currency,
refunds, splits, and (where the code has them) representation with participants and car hire at 50 %.
Every voucher is built ``--runs`` times; the figure is the median microseconds per transaction.

    .venv/bin/python benchmarks/vouchers.py [--transactions 2000] [--runs 7] [--baseline GIT_REF]

With ``--baseline`` the same transactions are also built by the code of that git commit (extracted to a
temporary directory and run in a subprocess), so both figures come from one run of this script.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _transactions(n: int, seed: int = 12) -> list[dict]:
    """Plain dicts, so that an older version of the code can build them too (new fields only where known)."""
    rng = random.Random(seed)
    kinds = [("5410", "25"), ("5831", "12"), ("5800", "6"), ("6570", "0"), ("6540", "RC_EU_SERVICES"),
             ("5420", "RC_NON_EU_SERVICES"), ("5410", "RC_EU_GOODS"), ("6072", "12"), ("5820", "25")]
    out = []
    for i in range(n):
        account, code = rng.choice(kinds)
        amount = Decimal(rng.randint(100, 500_000)) / 100
        sign = 1 if rng.random() < 0.05 else -1
        tx: dict = {"id": f"b{i}", "date": (date(2026, 1, 1) + timedelta(days=rng.randint(0, 364))).isoformat(),
                    "merchant": f"MERCHANT {rng.randint(1, 300)}", "amount": str(sign * amount),
                    "description": rng.choice(["Lunch", "Licens", "", "Hyrbil"]), "card": "1234",
                    "cardholder": "Anna"}
        if code.startswith("RC_") or rng.random() < 0.1:
            tx.update(original_currency="EUR", original_amount=str(sign * (amount / 11).quantize(Decimal("0.01"))))
        if rng.random() < 0.1:
            half = (amount / 2).quantize(Decimal("0.01"))
            tx["splits"] = [{"amount": str(sign * half), "account": int(account), "vat_code": code, "text": "A"},
                            {"amount": str(sign * (amount - half)), "account": 5410, "vat_code": "25", "text": "B"}]
        else:
            tx.update(account=int(account), vat_code=code)
        if account == "6072":
            tx["participants"] = rng.randint(1, 6)
            tx["purpose"] = "Kundmöte"
        out.append(tx)
    return out


def measure(transactions: list[dict], runs: int) -> dict:
    sys.path.insert(0, str(Path.cwd()))
    from juni_tui.domain.settings import Settings
    from juni_tui.domain.transactions import Transaction
    from juni_tui.services.vouchers import build_voucher

    known = set(Transaction.model_fields)
    txs = [Transaction(**{k: v for k, v in tx.items() if k in known}) for tx in transactions]
    settings = Settings()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for tx in txs:
            build_voucher(tx, settings, "K")
        times.append((time.perf_counter() - start) / len(txs) * 1e6)
    return {"median_us": statistics.median(times), "runs": times}


def _baseline(ref: str, transactions: list[dict], runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "juni_tui"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        data = Path(tmp, "transactions.json")
        data.write_text(json.dumps(transactions))
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(data),
                               "--runs", str(runs)], cwd=tmp, check=True, capture_output=True, text=True)
        return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline", help="a git commit to time as well, e.g. main")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(json.loads(Path(args.child).read_text()), args.runs)))
        return
    transactions = _transactions(args.transactions)
    if args.baseline:
        before = _baseline(args.baseline, transactions, args.runs)
        print(f"build_voucher at {args.baseline}: {before['median_us']:.1f} µs per transaction (median)")
    sys.path.insert(0, str(ROOT))
    import os
    os.chdir(ROOT)
    now = measure(transactions, args.runs)
    print(f"build_voucher now: {now['median_us']:.1f} µs per transaction (median of {args.runs} runs "
          f"over {len(transactions)} transactions)")
    if args.baseline:
        print(f"ratio now / {args.baseline}: {now['median_us'] / before['median_us']:.2f} (target ≤ 1.20)")


if __name__ == "__main__":
    main()
