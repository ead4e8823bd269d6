"""Scale: a busy company's year, 50 000 transactions. Prints figures (medians of several runs) against the targets.

    python benchmarks/scale.py [--n 50000] [--runs 5]

Two data sets of N transactions each:
  * "year":  what a home looks like after a year: N - 4 000 exported (history), 4 000 in Prepare;
  * "first": a first import of the whole year: all N in Prepare (the worst case for the Prepare tab).

Each UI figure is measured in a fresh process, so imports and start-up are included where a user would wait
for them. Key response is the CPU time the whole process spends per key press (Pilot's own waiting for idle
adds ~60 ms of wall time that a real terminal does not have; it is printed too). The export's key figures
include whatever the exporter does in between. Machines here are shared and noisy: read the medians and the
ratios, not single numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MERCHANTS = ["Adobe", "SAS Scandinavian Airlines", "Espresso House", "Clas Ohlson", "Telia", "SJ AB", "GitHub, Inc.",
             "Taxi Stockholm", "Scandic Grand Central", "Kjell & Company", "Preem", "Pressbyrån", "Slack", "AWS"]
ACCOUNTS = [5410, 5420, 5611, 5800, 5811, 5831, 6071, 6110, 6212, 6230, 6540]


def generate(home_dir: Path, n: int, exported: int, seed: int = 1) -> None:
    from juni_tui.domain.transactions import ExportState, Status, Transaction
    from juni_tui.domain.vat import VatCode
    from juni_tui.services import vouchers as bookkeeping
    from juni_tui.services.store import Store
    from juni_tui.services.store.home import Home

    rng = random.Random(seed)
    start = date(2026, 1, 1)
    txs = []
    for i in range(n):
        txs.append(Transaction(
            id=f"tx{i:06d}", date=start + timedelta(days=i * 330 // n), merchant=rng.choice(MERCHANTS),
            amount=Decimal(-rng.randint(500, 500_000)) / 100, account=rng.choice(ACCOUNTS) if i % 5 else None,
            vat_code=VatCode.VAT25 if i % 7 else None, card="**** 4321", category="Software",
            no_receipt_reason="benchmark" if i % 3 else None,
        ))
    with Store.open(Home(home_dir)) as store:
        settings = store.settings
        now = datetime.now(UTC)
        batch = []
        for i, tx in enumerate(txs):
            if i < exported:
                tx = tx.model_copy(update={"account": tx.account or 5410, "vat_code": tx.vat_code or VatCode.VAT25,
                                           "participants": 2})  # booked representation (6071) says how many
                body = bookkeeping.build_voucher(tx, settings, "K").to_fortnox()
                tx = tx.model_copy(update={"status": Status.EXPORTED, "export": ExportState(
                    series="K", tag=f"juni {tx.id}", voucher_body=body, voucher_number=i + 1, voucher_year=2,
                    financial_year_id=2, exported_at=now - timedelta(minutes=exported - i))})
            batch.append(tx)
            if len(batch) == 5000:
                store.commit(batch)
                batch = []
        store.commit(batch)


# --- child processes: one figure each, printed as JSON -------------------------------------------------------


async def child_ui(home_dir: Path, started: float) -> dict:
    from juni_tui.app import JuniApp
    from juni_tui.services.store import Store
    from juni_tui.services.store.home import Home
    from juni_tui.widgets.table import VirtualTable

    imported = time.perf_counter()
    store = Store.open(Home(home_dir))
    opened = time.perf_counter()
    app = JuniApp(store, sync_on_start=False)
    painted: list[float] = []
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        painted.append(time.perf_counter())
        rows = len(app.screen.query_one(VirtualTable).row_ids)
        t = time.perf_counter()
        await pilot.press("4")
        await pilot.pause()
        history_ms = (time.perf_counter() - t) * 1000
        history_rows = len(app.screen.query_one(VirtualTable).row_ids)
        t = time.perf_counter()
        await pilot.press("1")
        await pilot.pause()
        back_ms = (time.perf_counter() - t) * 1000
        keys, walls = [], []
        for _ in range(30):
            t, c = time.perf_counter(), time.process_time()
            await pilot.press("down")
            keys.append((time.process_time() - c) * 1000)
            walls.append((time.perf_counter() - t) * 1000)
    store.close()
    return {
        "first_paint_from_start_s": painted[0] - started,
        "first_paint_from_app_s": painted[0] - imported,
        "store_open_s": opened - imported,
        "prepare_rows": rows,
        "switch_to_history_ms": history_ms,
        "history_rows": history_rows,
        "switch_back_ms": back_ms,
        "key_ms_median": statistics.median(keys),
        "key_wall_ms_median": statistics.median(walls),
        "rss_mb": peak_rss_mb(),
    }


def child_writes(home_dir: Path) -> dict:
    from juni_tui.domain.transactions import Status
    from juni_tui.services import workflow
    from juni_tui.services.store import Store
    from juni_tui.services.store.home import Home

    with Store.open(Home(home_dir)) as store:
        complete = [i for i in store.ids(Status.PREPARE) if store.transactions[i].is_complete][:10_000]
        t = time.perf_counter()
        outcome = workflow.mark_ready(store, complete)
        mark_s = time.perf_counter() - t
        queued = workflow.queue(store, outcome.done[:300], "K").done
        writes = []
        for n, tx_id in enumerate(queued):
            tx = store.transactions[tx_id]
            tx = workflow.begin_voucher(store, tx, {"Voucher": {}}, 2)
            t = time.perf_counter()
            tx = workflow.record_voucher(store, tx, 100_000 + n, 2, [])  # Fortnox's number, durably
            writes.append(time.perf_counter() - t)
            t = time.perf_counter()
            workflow.mark_exported(store, tx)
            writes.append(time.perf_counter() - t)
        return {"marked": len(outcome.done), "mark_ready_s": mark_s,
                "durable_write_ms_median": statistics.median(writes) * 1000,
                "durable_write_ms_p95": sorted(writes)[int(len(writes) * 0.95)] * 1000,
                "journal_bytes": store.journal_bytes}


class SandboxProcess:
    """The sandbox in its own process, so that its CPU does not count as the TUI's."""

    def __init__(self, *flags: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "juni_tui", "sandbox", "--port", "0", *flags],
                                     stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        self.base_url = line.split(" at ")[1].split()[0]
        self.api_url, self.auth_url = f"{self.base_url}/3", f"{self.base_url}/oauth-v1"

    def __enter__(self) -> "SandboxProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait()


async def child_export(home_dir: Path, count: int) -> dict:
    """Key response and history latency while an export to the sandbox runs (the sandbox in its own process)."""
    from juni_tui.app import JuniApp
    from juni_tui.commands.demo import connect_to_sandbox
    from juni_tui.domain.transactions import Status
    from juni_tui.services import workflow
    from juni_tui.services.fortnox import oauth as auth
    from juni_tui.services.store import Store
    from juni_tui.services.store.home import Home
    from juni_tui.widgets.table import VirtualTable

    with SandboxProcess("--latency-ms", "40", "--rate-limit-requests", "10000") as sandbox, \
            Store.open(Home(home_dir)) as store:
        connect_to_sandbox(store, sandbox)
        complete = [i for i in store.ids(Status.PREPARE) if store.transactions[i].is_complete
                    and store.transactions[i].date.year == 2026][:count]
        workflow.mark_ready(store, complete)
        confirmed: dict[str, float] = {}
        store.subscribe(lambda c: confirmed.update({i: time.perf_counter() for i in c.of("history_index")
                                                    if i not in confirmed}))
        app = JuniApp(store, client_factory=lambda: auth.make_client(store.home, store.settings.fortnox, env={}))
        keys: list[float] = []
        shown: dict[str, float] = {}
        original_set_rows = VirtualTable.set_rows

        def set_rows(table, row_ids):  # the moment a row reaches the table, whoever put it there
            original_set_rows(table, row_ids)
            now = time.perf_counter()
            for row in row_ids:
                if row in confirmed and row not in shown:
                    shown[row] = now

        VirtualTable.set_rows = set_rows
        async with app.run_test(size=(160, 45)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.press("4")
            await pilot.pause()
            outcome = await app.exporter().queue(complete, "K")
            app.start_export()
            while len(shown) < len(outcome.done):
                t = time.process_time()
                await pilot.press("down" if len(keys) % 2 else "up")
                keys.append((time.process_time() - t) * 1000)
                await asyncio.sleep(0.005)
        delays = [(shown[i] - confirmed[i]) * 1000 for i in shown if i in confirmed]
        return {"exported": len(shown), "key_ms_median": statistics.median(keys),
                "key_ms_p95": sorted(keys)[int(len(keys) * 0.95)], "keys": len(keys),
                "to_history_ms_median": statistics.median(delays), "to_history_ms_max": max(delays)}


def peak_rss_mb() -> float:
    """This process's peak resident memory. (ru_maxrss would carry the parent's peak across fork and exec.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def report(name: str, value: float, target: float, unit: str) -> None:
    verdict = "ok" if value <= target else "OVER"
    print(f"  {name:<44} {value:9.3f} {unit:<3}  target ≤ {target:g} {unit}  ({value / target:5.0%} of target) {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs="*")
    args = parser.parse_args()
    if args.child:
        kind, home_dir = args.child[0], Path(args.child[1])
        if kind == "ui":
            result = asyncio.run(child_ui(home_dir, STARTED))
        elif kind == "writes":
            result = child_writes(home_dir)
        else:
            result = asyncio.run(child_export(home_dir, int(args.child[2])))
        print(json.dumps(result))
        return

    n = args.n
    with tempfile.TemporaryDirectory() as tmp:
        year, first = Path(tmp) / "year", Path(tmp) / "first"
        t = time.perf_counter()
        generate(year, n, exported=n - 4000)
        generate(first, n, exported=0)
        print(f"generated two homes of {n} transactions in {time.perf_counter() - t:.1f} s")
        sizes = {p.name: p.stat().st_size for p in year.rglob("*.json")}
        print(f"  'year' home: juni.json {sizes.get('juni.json', 0) / 1e6:.1f} MB, "
              f"{len(sizes) - 1} monthly history files {sum(sizes.values()) / 1e6:.1f} MB in all")

        for label, home in (("year (history + 4 000 in Prepare)", year), ("first import (all in Prepare)", first)):
            runs = [run_child("ui", str(home)) for _ in range(args.runs)]
            print(f"\n{label}, {args.runs} runs, medians:")
            report("first paint of Prepare, from process start", median_of(runs, "first_paint_from_start_s"), 1.0, "s")
            report("first paint of Prepare, from opening the store", median_of(runs, "first_paint_from_app_s"), 1.0, "s")
            print(f"  {'  of which opening the store':<44} {median_of(runs, 'store_open_s'):9.3f} s")
            report("switching to History", median_of(runs, "switch_to_history_ms") / 1000, 0.5, "s")
            report("key response (cursor down), idle, CPU", median_of(runs, "key_ms_median"), 50, "ms")
            print(f"  {'  wall time incl. Pilot waiting for idle':<44} {median_of(runs, 'key_wall_ms_median'):9.3f} ms")
            report("resident memory (max RSS)", median_of(runs, "rss_mb"), 300, "MB")
            print(f"  rows: Prepare {runs[0]['prepare_rows']}, History {runs[0]['history_rows']}")

        writes = [run_child("writes", str(_copy(first, Path(tmp) / f"w{i}"))) for i in range(3)]
        print(f"\nwrites on the 'first import' home ({n} active transactions), 3 runs, medians:")
        report(f"marking {writes[0]['marked']} ready (one commit)", median_of(writes, "mark_ready_s"), 1.0, "s")
        report("durable write per confirmed voucher (median)", median_of(writes, "durable_write_ms_median"), 20, "ms")
        report("durable write per confirmed voucher (p95)", median_of(writes, "durable_write_ms_p95"), 20, "ms")

        exports = [run_child("export", str(_copy(year, Path(tmp) / f"e{i}")), "60") for i in range(3)]
        print("\nduring an export of 60 vouchers to the sandbox (40 ms latency per request), 3 runs, medians:")
        report("key response during an export, CPU (median)", median_of(exports, "key_ms_median"), 50, "ms")
        report("key response during an export, CPU (p95)", median_of(exports, "key_ms_p95"), 50, "ms")
        report("confirmed voucher → row in History (median)", median_of(exports, "to_history_ms_median"), 250, "ms")
        report("confirmed voucher → row in History (max)", median_of(exports, "to_history_ms_max"), 250, "ms")


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".juni-tui.lock", ".juni-tui.owner"))
    return dst


STARTED = time.perf_counter()

if __name__ == "__main__":
    main()
