"""``juni-tui export``: export every ready transaction and wait until the queue is drained.

Writes ask first: without ``--yes`` the command asks on a terminal and refuses when it cannot ask (piped).
Progress goes to stderr; the exit code is 0 only if everything was exported.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from decimal import Decimal
from typing import Any

from juni_tui.commands._common import fail, friendly, open_store, print_json, say
from juni_tui.domain.money import format_sek
from juni_tui.domain.transactions import IN_FLIGHT_STATUSES, Status
from juni_tui.services import vouchers as bookkeeping
from juni_tui.services.display import printable
from juni_tui.services.export import Exporter, ExportEvent, RunReport
from juni_tui.services.fortnox import oauth
from juni_tui.services.fortnox.errors import FortnoxError
from juni_tui.services.store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="export every ready transaction to Fortnox")
    parser.add_argument("--series", help="the voucher series (default: the last one used)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--dry-run", action="store_true", help="build the vouchers, send nothing")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(func=run_export)


def _progress(event: ExportEvent) -> None:
    print(printable(f"  {event.tx_id}: {event.text}"), file=sys.stderr, flush=True)


@friendly
def run_export(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        series = args.series or store.settings.default_series
        ready = store.ids(Status.READY)
        if not series and ready:
            return fail("which voucher series? Give --series (e.g. --series K); it is remembered for next time")
        if args.dry_run:
            return dry_run(store, ready, series or "", as_json=args.json)
        total = sum((store.transactions[i].amount for i in ready), Decimal("0.00"))
        resuming = store.count(Status.QUEUED, *IN_FLIGHT_STATUSES)
        if not ready and not resuming:
            print("Nothing is ready to export.", file=sys.stderr)
            if args.json:
                print_json({"exported": [], "failed": [], "refused": {}})
            return 0
        if ready and not args.yes:
            question = f"Export {len(ready)} transactions, total {format_sek(total)} SEK, to series {series}? [y/N] "
            if not sys.stdin.isatty():
                return fail("not asking on a pipe: add --yes to export without confirmation")
            if input(question).strip().lower() not in {"y", "yes", "j", "ja"}:
                print("Nothing exported.", file=sys.stderr)
                return 1
        return asyncio.run(_export(store, ready, series, as_json=args.json))


def dry_run(store: Store, ids: list[str], series: str, *, as_json: bool) -> int:
    bodies: list[dict[str, Any]] = []
    problems: dict[str, str] = {}
    for tx_id in ids:
        tx = store.transactions[tx_id]
        try:
            bodies.append(bookkeeping.build_voucher(tx, store.settings, series).to_fortnox())
        except bookkeeping.BookkeepingError as exc:
            problems[tx_id] = str(exc)
    if as_json:
        print_json(bodies)
    else:
        for body in bodies:
            voucher = body["Voucher"]
            say(f"{voucher['VoucherSeries']}  {voucher['TransactionDate']}  {voucher['Description']}")
            for row in voucher["VoucherRows"]:
                say(f"    {row['Account']}  {format_sek(row['Debit']):>13}  {format_sek(row['Credit']):>13}  "
                    f"{row.get('Description', '')}")
        print(f"{len(bodies)} vouchers would be sent to series {series} (dry run: nothing was sent).", file=sys.stderr)
    for tx_id, problem in problems.items():
        say(f"  cannot build {tx_id}: {problem}", err=True)
    return 1 if problems else 0


async def _export(store: Store, ready: list[str], series: str | None, *, as_json: bool) -> int:
    try:
        client = oauth.make_client(store.home, store.settings.fortnox)
    except FortnoxError as exc:
        return fail(str(exc))
    async with client:
        exporter = Exporter(store, client, on_event=_progress)
        report = RunReport()
        try:
            if store.count(Status.QUEUED, *IN_FLIGHT_STATUSES):
                print("Finishing the export that was interrupted…", file=sys.stderr)
                report.add(await exporter.run())
            outcome = await exporter.queue(ready, series) if ready and series else None
            if outcome is not None and outcome.refused:
                print(f"{len(outcome.refused)} kept out of the queue:", file=sys.stderr)
                for tx_id, reasons in outcome.refused.items():
                    say(f"  {tx_id}: {'; '.join(reasons)}", err=True)
            if outcome is not None and outcome.done:
                print(f"Exporting {len(outcome.done)} to series {series}…", file=sys.stderr)
                report.add(await exporter.run())
        except FortnoxError as exc:
            return fail(f"{exc}. {exc.meaning}".strip())
        warning = oauth.connection_warning(client)
        if warning:
            say(f"Warning: {warning}", err=True)
    refused = outcome.refused if outcome else {}
    failed = {tx_id: export.error for tx_id in report.failed
              if (tx := store.transactions.get(tx_id)) is not None and (export := tx.export) is not None}
    for tx_id, error in failed.items():
        say(f"  failed {tx_id}: {error.message if error else ''}. {error.meaning if error else ''}", err=True)
    print(f"Exported {len(report.exported)}; failed {len(failed)}; not queued {len(refused)}.", file=sys.stderr)
    earlier = store.count(Status.FAILED) - len(failed)
    if earlier > 0:
        print(f"{earlier} more in the export queue failed in an earlier run and wait for you: see "
              "`juni-tui list --status failed`, then retry or send them back in the TUI.", file=sys.stderr)
    if as_json:
        print_json({
            "exported": [
                {"id": tx_id, "voucher": {"series": e.series, "number": e.number, "year": e.year}}
                for tx_id in report.exported if (e := store.history_index.get(tx_id)) is not None
            ],
            "failed": {tx_id: (error.message if error else "") for tx_id, error in failed.items()},
            "refused": refused,
        })
    return 0 if not report.failed and not refused else 1
