"""Receipt matching at scale: 1 000 receipts against 50 000 transactions (issue #7: target ≤ 5 s).

    .venv/bin/python benchmarks/receipts.py [--transactions 50000] [--receipts 1000] [--repeat 5] [--pdfs 200]

Figures (medians of --repeat runs; the merchant-similarity caches are emptied before each run):

1. in memory: index 50 000 transactions and decide 1 000 receipts (the brief's figure);
2. in a store: ``match_receipts`` on a home holding the same data: index from the raw documents, decide, attach
   the auto matches through workflow, one commit;
3. ``scan_inbox`` of --pdfs real PDF receipts (read, hash, copy, pypdf text, parse, match, one commit), per file.

The receipts are a realistic mix: most match one transaction exactly (some by original currency), some are
ambiguous (two transactions of the same amount and day), some one öre off, some dated outside the window, some
match nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from juni_tui.domain.receipts import Receipt
from juni_tui.domain.transactions import Transaction
from juni_tui.services import receipts as svc  # noqa: E402
from juni_tui.services.demo.receipt_pdf import ReceiptSpec, render_receipt_pdf
from juni_tui.services.receipts.matching import (  # noqa: E402
    MatchIndex,
    OpenTx,
    _same_token,
    merchant_similarity,
    merchant_tokens,
)
from juni_tui.services.store import Store  # noqa: E402
from juni_tui.services.store.home import Home  # noqa: E402

TARGET_SECONDS = 5.0
START = date(2026, 1, 1)
BRANDS = [
    "Espresso House", "Pressbyrån", "ICA Nära", "Clas Ohlson", "Adobe", "Google Ads", "Slack", "Anthropic",
    "SJ", "SAS", "Taxi Stockholm", "Uber", "Hotel Rival", "Scandic", "Webhallen", "Kjell & Company", "Apple",
    "Microsoft", "Amazon", "Dustin", "Elgiganten", "Max Burgers", "Circle K", "Preem", "Bauhaus", "Jula",
    "GitHub", "Figma", "Notion", "Zoom", "Atlassian", "DigitalOcean", "Hetzner", "Postnord", "DHL",
]  # fmt: skip
FOREIGN = {"Adobe": "USD", "Slack": "USD", "Anthropic": "USD", "GitHub": "USD", "Figma": "USD", "Notion": "USD",
           "Zoom": "USD", "Atlassian": "USD", "DigitalOcean": "USD", "Hetzner": "EUR", "Amazon": "EUR"}


def card_text(brand: str, rng: random.Random) -> str:
    """How a card statement spells a merchant: upper case, a store number, a city."""
    return f"{brand.upper()} {rng.randint(1, 999)} {rng.choice(['STOCKHOLM', 'GOTEBORG', 'MALMO', ''])}".strip()


def build_transactions(n: int, rng: random.Random) -> list[Transaction]:
    txs = []
    for i in range(n):
        brand = rng.choice(BRANDS)
        cents = rng.randint(1_000, 2_000_000)
        amount = Decimal(-cents) / 100
        currency = FOREIGN.get(brand)
        original = (amount / Decimal("10.9")).quantize(Decimal("0.01")) if currency else None
        txs.append(Transaction(
            id=f"tx{i:06d}", date=START + timedelta(days=rng.randint(0, 364)), merchant=card_text(brand, rng),
            amount=amount, original_amount=original, original_currency=currency,
        ))
    # ambiguous pairs: a second transaction with the same amount on the same day
    for i in range(0, n // 50):
        twin = txs[i * 50]
        txs.append(twin.model_copy(update={"id": f"twin{i:05d}"}))
    return txs


def build_receipts(txs: list[Transaction], n: int, rng: random.Random) -> list[Receipt]:
    receipts = []
    for i in range(n):
        tx = rng.choice(txs)
        brand = next(b for b in BRANDS if tx.merchant.startswith(b.upper()))
        kind = rng.random()
        amount, currency, day = -tx.amount, "SEK", tx.date - timedelta(days=rng.randint(0, 2))
        if kind < 0.15 and tx.original_currency:
            amount, currency = -tx.original_amount, tx.original_currency
        elif kind < 0.25:
            amount += Decimal("0.01")  # one öre off
        elif kind < 0.30:
            day = tx.date - timedelta(days=30)  # outside the window
        elif kind < 0.40:
            amount = Decimal(rng.randint(1_000, 2_000_000)) / 100  # matches nothing, most likely
        receipts.append(Receipt(
            id=f"{i:064x}", filename=f"r{i}.pdf", content_type="application/pdf", size=1000,
            path=f"receipts/{i:064x}.pdf", amount=amount, currency=currency if rng.random() < 0.8 else None,
            receipt_date=day, merchant=f"{brand} AB",
        ))
    return receipts


def clear_caches() -> None:
    merchant_similarity.cache_clear()
    merchant_tokens.cache_clear()
    _same_token.cache_clear()


def in_memory(txs: list[Transaction], receipts: list[Receipt]) -> tuple[float, dict[str, int]]:
    clear_caches()
    t0 = time.perf_counter()
    index = MatchIndex(OpenTx.of(tx) for tx in txs)
    tiers: dict[str, int] = {}
    for receipt in receipts:
        decision = index.decide(svc.facts_of(receipt))
        if decision.state.value == "auto":
            index.take(decision.candidates[0])
        tiers[decision.state.value] = tiers.get(decision.state.value, 0) + 1
    return time.perf_counter() - t0, tiers


def in_store(txs: list[Transaction], receipts: list[Receipt]) -> tuple[float, float, str]:
    with tempfile.TemporaryDirectory() as folder:
        home = Home(Path(folder) / "home").ensure()
        with Store.open(home) as store:
            store.commit([*txs, *receipts])
            store.checkpoint()
        with Store.open(home) as store:  # a fresh start, as the TUI would have it
            clear_caches()
            t0 = time.perf_counter()
            report = svc.match_receipts(store)
            seconds = time.perf_counter() - t0
            journal_mb = store.journal_bytes / 1e6
        return seconds, journal_mb, report.summary


def scan_pdfs(txs: list[Transaction], count: int, rng: random.Random) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as folder:
        home = Home(Path(folder) / "home").ensure()
        home.default_inbox.mkdir()
        for i, tx in enumerate(rng.sample(txs, count)):
            brand = next(b for b in BRANDS if tx.merchant.startswith(b.upper()))
            spec = ReceiptSpec(merchant=brand, day=tx.date, total=-tx.amount, reference=str(i))
            (home.default_inbox / f"kvitto-{i}.pdf").write_bytes(render_receipt_pdf(spec))
        with Store.open(home) as store:
            store.commit(txs)
            clear_caches()
            t0 = time.perf_counter()
            report = svc.scan_inbox(store)
            return time.perf_counter() - t0, report.summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transactions", type=int, default=50_000)
    parser.add_argument("--receipts", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pdfs", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)

    t0 = time.perf_counter()
    txs = build_transactions(args.transactions, rng)
    receipts = build_receipts(txs, args.receipts, rng)
    print(f"setup: {len(txs)} transactions, {len(receipts)} receipts ({time.perf_counter() - t0:.1f} s, not timed)")

    runs = [in_memory(txs, receipts) for _ in range(args.repeat)]
    memory = statistics.median(r[0] for r in runs)
    print(f"1. in memory, index + match: median {memory * 1000:.0f} ms over {args.repeat} runs "
          f"(min {min(r[0] for r in runs) * 1000:.0f}, max {max(r[0] for r in runs) * 1000:.0f}); "
          f"{memory / TARGET_SECONDS:.1%} of the {TARGET_SECONDS:.0f} s target; tiers {runs[0][1]}")

    store_runs = [in_store(txs, receipts) for _ in range(max(1, min(args.repeat, 3)))]
    stored = statistics.median(r[0] for r in store_runs)
    print(f"2. match_receipts in a store: median {stored * 1000:.0f} ms over {len(store_runs)} runs; "
          f"{stored / TARGET_SECONDS:.1%} of the target; one commit of {store_runs[0][1]:.2f} MB; {store_runs[0][2]}")

    if args.pdfs:
        seconds, summary = scan_pdfs(txs, args.pdfs, rng)
        print(f"3. scan_inbox of {args.pdfs} PDF receipts: {seconds:.2f} s ({seconds / args.pdfs * 1000:.1f} ms a file); "
              f"{summary}")
    return 0 if memory <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
