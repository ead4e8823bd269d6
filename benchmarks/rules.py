"""Benchmark: 200 accounting rules over 50 000 transactions (issue #6: target ≤ 1 s).

A realistic mix: custom rules with contains / regex / amount ranges / currency / country and one level of
brackets, merchant rules, and category rules for Juni's categories; 50 000 transactions over ~3 000 merchants
written the way card descriptors are ("ESPRESSO HOUSE 123 STOCKHOLM").

Figures (medians over several runs):
  engine          preview_apply_to_existing with all 50 000 transactions in Prepare: the 200 rules compiled,
                  every value decided and listed (what apply_to_new computes before it writes): the figure the
                  target is about
  apply_to_new    the same, plus the new transaction models and the one fsynced commit that writes them
  preview         preview_apply_to_existing on a freshly opened store (nothing validated up front)
  match counts    the Rules screen's "matches N now" for all 200 rules
  suggestions     suggestions for 50 000 transactions from 50 000 exported ones (first call builds the
                  merchant statistics; later calls reuse them)

    .venv/bin/python benchmarks/rules.py [--transactions 50000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from juni_tui.domain.rules import Rule, RuleActions, RuleKind
from juni_tui.domain.transactions import ExportState, Status, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.services import rules  # noqa: E402
from juni_tui.services.rules.engine import cache_of  # noqa: E402
from juni_tui.services.store import Store  # noqa: E402
from juni_tui.services.store.home import Home  # noqa: E402

TARGET = 1.0
CATEGORIES = [
    "Advertising", "Bank fees", "Books & Media", "Clothing", "Electronics", "Entertainment", "Food & Drink",
    "Fuel", "Health", "Hotels", "Office supplies", "Parking", "Software", "Subscriptions", "Transport", "Travel",
]
CITIES = ["STOCKHOLM", "GOTEBORG", "MALMO", "UPPSALA", "LUND", "OSLO", "DUBLIN", ""]
WORDS = ("nordic cafe data print air taxi media cloud office studio sports tech food fresh green blue north "
         "south city hotel park shop market labs works digital art design coffee books").split()
CURRENCIES = ["SEK"] * 7 + ["EUR", "USD", "NOK", "DKK", "GBP"]


def merchants(rng: random.Random, n: int) -> list[str]:
    names = set()
    while len(names) < n:
        names.add(" ".join(rng.sample(WORDS, rng.choice((1, 2, 2, 3)))).upper() + f" {rng.randint(1, 99)}")
    return sorted(names)


def transactions(rng: random.Random, n: int, names: list[str], prefix: str = "t",
                 unique_stores: bool = False) -> list[Transaction]:
    """``unique_stores``: every purchase at a different store ("CAFE 17 LUND", "CAFE 203 OSLO", ...): the worst
    case for the engine, which works per distinct merchant text. Otherwise each merchant has 1–4 stores."""
    stores = {name: [f"{name.rsplit(' ', 1)[0]} {rng.randint(1, 400)} {rng.choice(CITIES)}".strip()
                     for _ in range(rng.randint(1, 4))] for name in names}
    out = []
    start = date(2026, 1, 1)
    for i in range(n):
        name = rng.choice(names)
        if unique_stores:
            merchant = f"{name.rsplit(' ', 1)[0]} {rng.randint(1, 400)} {rng.choice(CITIES)}".strip()
        else:
            merchant = rng.choice(stores[name])
        currency = rng.choice(CURRENCIES)
        out.append(Transaction(
            id=f"{prefix}{i:06d}",
            date=start + timedelta(days=i % 300),
            merchant=merchant,
            amount=Decimal(-rng.randint(500, 2_500_000)) / 100,
            original_currency=None if currency == "SEK" else currency,
            original_amount=None if currency == "SEK" else Decimal(-rng.randint(100, 100_000)) / 100,
            card=f"Visa **** {rng.randint(1000, 1040)}",
            cardholder=rng.choice(["Anna Svensson", "Bo Berg", "Cecilia Ek", "David Lind", "Eva Holm"]),
            category=rng.choice(CATEGORIES),
            merchant_country=rng.choice(["SE", "SE", "SE", "DE", "IE", "US", "NO"]),
            description=rng.choice([None, "", "monthly subscription", "conference", "team lunch", "flight"]),
        ))
    return out


def rule_mix(rng: random.Random, names: list[str]) -> list[Rule]:
    out: list[Rule] = []
    vats = [VatCode.VAT25, VatCode.VAT12, VatCode.VAT6, VatCode.RC_EU_SERVICES, VatCode.RC_NON_EU_SERVICES]
    for i in range(64):
        word = rng.choice(WORDS)
        kind = i % 8
        if kind == 0:
            conditions = [{"field": "merchant", "op": "regex", "value": rf"^{word}\b.*\d"}]
        elif kind == 1:
            conditions = [{"field": "merchant", "op": "contains", "value": word},
                          {"field": "amount", "op": "between", "min": str(rng.randint(0, 500)),
                           "max": str(rng.randint(600, 5000))}]
        elif kind == 2:
            conditions = [{"match": "any", "conditions": [
                {"field": "merchant", "op": "contains", "value": word},
                {"field": "description", "op": "contains", "value": rng.choice(["conference", "flight"])}]},
                {"field": "currency", "op": "equals", "value": rng.choice(["NOK", "EUR", "USD"])}]
        elif kind == 3:
            conditions = [{"field": "currency", "op": "equals", "value": "SEK", "negate": True},
                          {"field": "country", "op": "equals", "value": rng.choice(["US", "IE", "DE"])},
                          {"field": "category", "op": "equals", "value": "Software"}]
        elif kind == 4:
            conditions = [{"field": "cardholder", "op": "equals", "value": "Bo Berg"},
                          {"field": "merchant", "op": "contains", "value": word}]
        elif kind == 5:
            conditions = [{"field": "description", "op": "regex", "value": r"team\s+lunch"},
                          {"field": "amount", "op": "between", "max": "3000"}]
        elif kind == 6:
            conditions = [{"field": "card", "op": "contains", "value": f"10{rng.randint(10, 40)}"},
                          {"field": "merchant", "op": "regex", "value": rf"{word}|{rng.choice(WORDS)}"}]
        else:
            conditions = [{"field": "merchant", "op": "equals", "value": rng.choice(names).rsplit(" ", 1)[0]}]
        then = rng.choice([
            {"account": rng.choice([5410, 5420, 5460, 5800, 5831, 6540])},
            {"account": 5800, "vat_code": rng.choice(vats)},
            {"cost_center": rng.choice(["ADM", "SALES", "IT"])},
            {"project": "P1", "vat_code": rng.choice(vats)},
        ])
        out.append(Rule(id=f"c{i}", kind=RuleKind.CUSTOM, name=f"Custom {i}", position=i + 1,
                        when={"match": "all", "conditions": conditions}, then=RuleActions(**then)))
    unique = list({rules.merchant_key(n.rsplit(" ", 1)[0]): n for n in names}.values())  # one rule per merchant
    for i, name in enumerate(rng.sample(unique, 120)):
        then = rng.choice([{"account": 5420}, {"vat_code": rng.choice(vats)},
                           {"account": rng.choice([5410, 5460, 6540]), "vat_code": rng.choice(vats)}])
        out.append(Rule(id=f"m{i}", kind=RuleKind.MERCHANT, merchant=name.rsplit(" ", 1)[0],
                        then=RuleActions(**then)))
    for i, category in enumerate(CATEGORIES):
        out.append(Rule(id=f"k{i}", kind=RuleKind.CATEGORY, category=category,
                        then=RuleActions(account=rng.choice([5410, 5460, 5800, 5831, 6540]),
                                         vat_code=rng.choice(vats))))
    assert len(out) == 200
    return out


def exported(tx: Transaction, n: int, rng: random.Random) -> Transaction:
    return tx.model_copy(update={
        "status": Status.EXPORTED,
        "account": rng.choice([5410, 5420, 5831]),
        "vat_code": rng.choice([VatCode.VAT25, VatCode.VAT12]),
        "export": ExportState(series="K", tag=f"juni {tx.id}", voucher_number=n, voucher_year=1,
                              exported_at=datetime(2026, 12, 1, tzinfo=UTC)),
    })


def median_of(runs: int, fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def report(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<34} {seconds * 1000:8.1f} ms   {seconds / TARGET:5.2f}× target{('   ' + note) if note else ''}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--unique-stores", action="store_true",
                        help="worst case: (nearly) every transaction has a merchant text of its own")
    args = parser.parse_args()
    rng = random.Random(6)
    names = merchants(rng, 3000)
    txs = transactions(rng, args.transactions, names, unique_stores=args.unique_stores)
    rule_list = rule_mix(rng, names)
    history = [exported(tx, n, rng) for n, tx in enumerate(transactions(rng, args.transactions, names, "h"), 1)]
    print(f"{len(rule_list)} rules, {len(txs)} transactions, {len({t.merchant for t in txs})} distinct merchant "
          f"texts; target {TARGET:.1f} s; medians of {args.runs} runs")

    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home")
        with Store.open(home) as store:
            rules.rules_table(store)
            store.commit(rule_list)
            store.commit(txs)
            store.commit(history)
            ids = store.ids(Status.PREPARE)

            def engine():
                cache_of(store).invalidate()  # compile the 200 rules again each run
                return rules.preview_apply_to_existing(store)

            seconds, changes = median_of(args.runs, engine)
            filled = len({c.tx_id for c in changes})
            report("engine: 200 rules → every change", seconds, f"{len(changes)} values on {filled} of {len(ids)}")

            seconds, counts = median_of(args.runs, lambda: rules.match_counts(store))
            report("match counts (200 rules)", seconds)

            t0 = time.perf_counter()
            rules.merchant_history(store)
            build = time.perf_counter() - t0
            # with the category rules off, the rules leave values open and suggestions have work to do
            rules.set_enabled(store, [r.id for r in rule_list if r.kind == RuleKind.CATEGORY], False)
            seconds, found = median_of(args.runs, lambda: rules.suggestions(store))
            report("merchant statistics, first build", build, f"{len(history)} exported")
            report("suggestions (all Prepare)", seconds, f"{len(found)} suggestions")
            sample = store.transactions[ids[0]]
            seconds, _ = median_of(args.runs * 20, lambda: rules.suggest(store, sample))
            report("suggest (one transaction)", seconds)

        with Store.open(home) as store:
            rules.set_enabled(store, [r.id for r in rule_list], True)
        with Store.open(home) as store:
            seconds, changes = median_of(1, lambda: rules.preview_apply_to_existing(store))
            report("preview, freshly opened store", seconds, f"{len(changes)} changes")

        e2e, commits = [], []
        for run in range(max(1, args.runs // 2)):
            with Store.open(Home(Path(tmp) / f"e2e{run}")) as store:
                rules.rules_table(store)
                store.commit(rule_list)
                store.commit(txs)
                commit = store.commit

                def timed_commit(*a, commit=commit, **kw):
                    t = time.perf_counter()
                    try:
                        return commit(*a, **kw)
                    finally:
                        commits.append(time.perf_counter() - t)

                store.commit = timed_commit  # type: ignore[method-assign]
                t0 = time.perf_counter()
                result = rules.apply_to_new(store, [t.id for t in txs])
                e2e.append(time.perf_counter() - t0)
                del store.commit
        report("apply_to_new (models + commit)", statistics.median(e2e), result.summary)
        report("  of which store.commit (one)", statistics.median(commits), "the store's share: dump, journal, fsync")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
