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
from juni_tui.services.fortnox.errors import FortnoxError, failure_text
from juni_tui.services.store import Store


def _series(text: str) -> str:
    """A voucher series as typed: a stray space is taken off; a space or control character inside is refused."""
    series = text.strip()
    if series and not (series.isprintable() and not any(ch.isspace() for ch in series)):
        raise argparse.ArgumentTypeError(f"'{printable(text)}' is not a voucher series (a code such as K)")
    return series


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="export every ready transaction to Fortnox")
    parser.add_argument("--series", type=_series, help="the voucher series (default: the default series in Settings)")
    parser.add_argument("--remember-series", action="store_true",
                        help="make --series the default series from now on (without it, the default is unchanged)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--dry-run", action="store_true",
                        help="build the vouchers and make every check the export makes with Fortnox; send and "
                        "write nothing")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(func=run_export)


def _progress(event: ExportEvent) -> None:
    print(printable(f"  {event.tx_id}: {event.text}"), file=sys.stderr, flush=True)


@friendly
def run_export(args: argparse.Namespace) -> int:
    if args.remember_series and not args.series:
        return fail("--remember-series needs --series: which series should become the default?")
    with open_store(args, create=not args.dry_run) as store:  # a dry run creates nothing, not even a home
        series = args.series or store.settings.default_series
        ready = store.ids(Status.READY)
        if not series and ready:
            return fail("which voucher series? Give --series (e.g. --series K); add --remember-series to make it "
                        "the default")
        if args.dry_run:
            return asyncio.run(dry_run(store, ready, series or "", as_json=args.json))
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
            try:
                answer = input(question)
            except EOFError:  # ctrl+D: no
                answer = ""
                print(file=sys.stderr)
            if answer.strip().lower() not in {"y", "yes", "j", "ja"}:
                print("Nothing exported.", file=sys.stderr)
                return 1
        return asyncio.run(_export(store, ready, series, remember=args.remember_series, as_json=args.json))


async def dry_run(store: Store, ids: list[str], series: str, *, as_json: bool) -> int:
    """What the export would do: the vouchers it would send, and what it would keep out and why, from the same
    checks (``Exporter.check``: Fortnox's financial years, locked period, series, chart, dimensions, receipts).
    Reads Fortnox; sends and writes nothing. Exit 0 only if everything would be sent."""
    kept_out: dict[str, list[str]] = {}
    unchecked = ""
    # as the run does before it books anything: the months' history archives it would write to are sound
    store.check_history(store.transactions[i].date for i in ids)
    if ids:
        try:
            async with oauth.make_client(store.home, store.settings.fortnox) as client:
                kept_out = await Exporter(store, client).check(ids, series)
        except FortnoxError as exc:
            unchecked = failure_text(str(exc), exc.meaning)
    bodies: list[dict[str, Any]] = []
    for tx_id in ids:
        if tx_id in kept_out:
            continue
        try:
            bodies.append(bookkeeping.build_voucher(store.transactions[tx_id], store.settings, series).to_fortnox())
        except bookkeeping.BookkeepingError as exc:
            kept_out[tx_id] = [str(exc)]
    # the real export first finishes what is already in the queue (sent by an export that was interrupted, or put
    # back with `retry`): the dry run says so, rather than leave it out of the count
    resumed = store.ids(*IN_FLIGHT_STATUSES) + store.ids(Status.QUEUED)
    if as_json:
        print_json({"series": series, "vouchers": bodies, "kept_out": kept_out, "checked_with_fortnox": not unchecked,
                    "resumed_first": resumed})
    else:
        for body in bodies:
            voucher = body["Voucher"]
            say(f"{voucher['VoucherSeries']}  {voucher['TransactionDate']}  {voucher['Description']}")
            for row in voucher["VoucherRows"]:
                say(f"    {row['Account']}  {format_sek(row['Debit']):>13}  {format_sek(row['Credit']):>13}  "
                    f"{row.get('Description', '')}")
    print(f"{len(bodies)} voucher{'s' if len(bodies) != 1 else ''} would be sent to series {series} (dry run: "
          "nothing was sent)"
          + (f"; {len(kept_out)} would be kept out:" if kept_out else "."), file=sys.stderr)
    for tx_id, reasons in kept_out.items():
        say(f"  {_who(store, tx_id)}: {'; '.join(reasons)}", err=True)
    for tx_id in ids:
        if tx_id not in kept_out and store.transactions[tx_id].send_attempts:
            say(f"  {_who(store, tx_id)} was sent before: the export first looks for it in Fortnox and records the "
                "voucher it finds there instead of sending it again.", err=True)
    if resumed:
        looked_up = sum(1 for i in resumed if store.transactions[i].send_attempts)
        say(f"First, {len(resumed)} transaction{'s' if len(resumed) != 1 else ''} already in the export queue would "
            "be sent (the export finishes them before anything new)"
            + (f"; {looked_up} of them were sent before and are looked up in Fortnox first, never sent twice."
               if looked_up else "."), err=True)
    if unchecked:
        say(f"Not checked with Fortnox, which the export does first: {unchecked}", err=True)
    return 1 if kept_out or unchecked else 0


def _who(store: Store, tx_id: str) -> str:
    tx = store.get_transaction(tx_id)
    return f"{tx_id} ({tx.merchant}, {tx.date})" if tx else tx_id


async def _export(store: Store, ready: list[str], series: str | None, *, remember: bool, as_json: bool) -> int:
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
                if not ready:
                    await exporter.sync()  # every export keeps the home's copy of Fortnox's lists current
                report.add(await exporter.run())
            outcome = await exporter.queue(ready, series, remember=remember) if ready and series else None
            if outcome is not None and outcome.refused:
                print(f"{len(outcome.refused)} kept out of the queue:", file=sys.stderr)
                for tx_id, reasons in outcome.refused.items():
                    say(f"  {_who(store, tx_id)}: {'; '.join(reasons)}", err=True)
            if remember and outcome is not None and store.settings.default_series != series:
                say(f"--remember-series: Fortnox has no voucher series {series} for manual vouchers, so the default "
                    f"series stays {store.settings.default_series or 'unset'}.", err=True)
            if outcome is not None and outcome.done:
                print(f"Exporting {len(outcome.done)} to series {series}…", file=sys.stderr)
                report.add(await exporter.run())
        except FortnoxError as exc:
            return fail(failure_text(str(exc), exc.meaning))
        warning = oauth.connection_warning(client)
        if warning:
            say(f"Warning: {warning}", err=True)
    refused = outcome.refused if outcome else {}
    failed = {tx_id: export.error for tx_id in report.failed
              if (tx := store.transactions.get(tx_id)) is not None and (export := tx.export) is not None}
    for tx_id, error in failed.items():
        why = failure_text(error.message, error.meaning, error.code) if error else "no reason recorded"
        say(f"  failed {_who(store, tx_id)}: {why}", err=True)
    print(f"Exported {len(report.exported)}; failed {len(failed)}; not queued {len(refused)}.", file=sys.stderr)
    earlier = store.count(Status.FAILED) - len(failed)
    if earlier > 0:
        print(f"{earlier} more in the export queue failed in an earlier run and wait for you: see "
              "`juni-tui list --status failed`, then `juni-tui retry TXID` or `juni-tui send-back TXID`.", file=sys.stderr)
    if as_json:
        print_json({
            "exported": [
                {"id": tx_id, "voucher": {"series": e.series, "number": e.number, "year": e.year}}
                for tx_id in report.exported if (e := store.history_index.get(tx_id)) is not None
            ],
            "failed": {tx_id: {"message": error.message if error else "", "meaning": error.meaning if error else ""}
                       for tx_id, error in failed.items()},
            "refused": refused,
        })
    return 0 if not report.failed and not refused else 1
