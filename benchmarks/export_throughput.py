"""Export throughput against the sandbox with Fortnox's real rate limit (25 requests per 5 s, per tenant).

    python benchmarks/export_throughput.py [--n 100] [--runs 3]

Exports N transactions with a PDF receipt each (voucher, upload, connect: 3 requests each, plus the checks)
through the production client (its own limiter, no test shortcuts) to a sandbox running in its own process.
Prints requests per second against the limit of 5, and the 429s seen. The first 25 requests may go at once (the
window starts empty); the steady state is measured from the 26th request on. Target: ≥ 90 % of the limit with
no 429 in steady state.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import SandboxProcess  # noqa: E402

LIMIT_PER_SECOND = 25 / 5


async def one_run(n: int) -> dict:
    import httpx

    from juni_tui.commands.demo import connect_to_sandbox
    from juni_tui.services.export import Exporter
    from juni_tui.services.fortnox import oauth
    from juni_tui.services.store import Store
    from juni_tui.services.store.home import Home
    from tests.helpers import seed_ready

    with tempfile.TemporaryDirectory() as tmp, SandboxProcess() as sandbox, Store.open(Home(Path(tmp))) as store:
        connect_to_sandbox(store, sandbox)
        ids = seed_ready(store, n, receipts_every=1)
        times: list[float] = []
        client = oauth.make_client(store.home, store.settings.fortnox, env={})
        client.on_request = lambda method, path, status: times.append(time.perf_counter())
        async with client:
            exporter = Exporter(store, client)
            outcome = await exporter.queue(ids, "K")
            report = await exporter.run()
        stats = httpx.get(f"{sandbox.base_url}/_sandbox/stats").json()
    steady = times[25:]
    return {
        "exported": len(report.exported),
        "requests": len(times),
        "seconds": times[-1] - times[0],
        "rate": (len(times) - 1) / (times[-1] - times[0]),
        "steady_rate": (len(steady) - 1) / (steady[-1] - steady[0]),
        "client_429": client.stats["429"],
        "sandbox_429": stats["totals"]["rate_limited"],
        "queued": len(outcome.done),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for i in range(args.runs):
        result = asyncio.run(one_run(args.n))
        runs.append(result)
        print(f"run {i + 1}: {result['exported']}/{args.n} exported, {result['requests']} requests in "
              f"{result['seconds']:.1f} s: {result['rate']:.2f} req/s overall, {result['steady_rate']:.2f} req/s "
              f"steady; 429s: {result['sandbox_429']}")
    steady = statistics.median(r["steady_rate"] for r in runs)
    overall = statistics.median(r["rate"] for r in runs)
    print(f"\nmedian over {args.runs} runs of {args.n} transactions with receipts:")
    print(f"  steady state   {steady:.2f} req/s = {steady / LIMIT_PER_SECOND:.0%} of Fortnox's 5 req/s (target ≥ 90 %)")
    print(f"  overall        {overall:.2f} req/s = {overall / LIMIT_PER_SECOND:.0%} (includes the first free window)")
    print(f"  429 answers    {sum(r['sandbox_429'] for r in runs)} in all runs (target 0)")


if __name__ == "__main__":
    main()
