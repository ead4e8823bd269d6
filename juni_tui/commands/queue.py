"""``juni-tui send-back TXID...`` and ``juni-tui retry TXID...``: the Ready and Export queue tabs' ``u`` and ``r``.

The same services as the TUI's keys, so the same refusals. An item whose last send was never answered is first
settled with Fortnox (``Exporter.send_back``, as ``u`` in the Queue tab): found there it is booked and stays on its
way to the history; not there it goes back; Fortnox unreachable, it stays where it is.
"""

from __future__ import annotations

import argparse
import asyncio

from juni_tui.commands._common import fail, friendly, open_store, say
from juni_tui.domain.transactions import Status
from juni_tui.services import workflow
from juni_tui.services.store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    back = subparsers.add_parser("send-back", help="send ready or failed transactions back to Prepare, to be changed")
    back.add_argument("ids", nargs="+", metavar="TXID")
    back.set_defaults(func=run_send_back)

    retry = subparsers.add_parser("retry", help="put failed export items back in the queue (then: juni-tui export)")
    retry.add_argument("ids", nargs="+", metavar="TXID")
    retry.set_defaults(func=run_retry)


def report(store: Store, outcome: workflow.Outcome, done: str, refused: str) -> int:
    """What a move did, a line per refused item with its reasons; exit 1 if anything was refused."""
    if outcome.done:
        say(f"{len(outcome.done)} {done}.")
    for tx_id, reasons in outcome.refused.items():
        tx = store.get_transaction(tx_id)
        who = f"{tx_id} ({tx.merchant}, {tx.date})" if tx else tx_id
        say(f"  {refused}: {who}: {'; '.join(reasons)}", err=True)
    if not outcome.done and not outcome.refused:
        say("Nothing to do: they are there already.")
    return 1 if outcome.refused else 0


@friendly
def run_send_back(args: argparse.Namespace) -> int:
    ids = list(dict.fromkeys(args.ids))
    with open_store(args) as store:
        workflow.base.load(store, ids)  # every id known and not exported, or the refusal in words
        if any((tx := store.transactions.get(i)) is not None and tx.outcome_unknown for i in ids):
            outcome = asyncio.run(_settle_and_send_back(store, ids))
            if outcome is None:
                return 1
        else:
            outcome = workflow.back_to_prepare(store, ids)
        code = report(store, outcome, "sent back to Prepare", "not sent back")
        if any((tx := store.transactions.get(i)) is not None and tx.status == Status.ATTACHING for i in ids):
            say("Run `juni-tui export` to finish what Fortnox had already booked (its receipts are connected then).",
                err=True)
    return code


async def _settle_and_send_back(store: Store, ids: list[str]) -> workflow.Outcome | None:
    from juni_tui.services.export import Exporter
    from juni_tui.services.fortnox import oauth
    from juni_tui.services.fortnox.errors import FortnoxError, failure_text

    say("Asking Fortnox whether it already booked the items whose last send was never answered…", err=True)
    try:
        async with oauth.make_client(store.home, store.settings.fortnox) as client:
            return await Exporter(store, client).send_back(ids)
    except FortnoxError as exc:
        fail(failure_text(f"nothing was sent back: juni-tui could not ask Fortnox ({exc})", exc.meaning))
        return None


@friendly
def run_retry(args: argparse.Namespace) -> int:
    ids = list(dict.fromkeys(args.ids))
    with open_store(args) as store:
        outcome = workflow.retry(store, ids)
        code = report(store, outcome, "back in the export queue", "not retried")
    if outcome.done:
        say("Run `juni-tui export` to send them.", err=True)
    return code
