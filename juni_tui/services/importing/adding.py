"""Adding what a file holds to the home: what is new is added in one commit, what the home has is skipped.

Idempotent: ``import_file`` skips ids the home already has (in Prepare, Ready, the queue or the Export history), so
importing the same file twice adds nothing, and says so. Everything new is one commit with one audit record. Ids the
home once had and has lost are never added again (Fortnox may have booked them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from juni_tui.domain.transactions import Transaction
from juni_tui.services.importing.formats import read_transactions
from juni_tui.services.importing.source import ProgressCallback
from juni_tui.services.store import HistoryView, Store, TxView


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    path: Path
    added: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    #: ids already present whose date, amount or merchant in the file differ from the stored transaction: the
    #: stored one is kept (a re-import never changes a transaction), but the user should know.
    differing: list[str] = field(default_factory=list)
    #: ids this home has had (its history archives or its audit log name them) but no longer holds: not added
    #: again, since Fortnox may have booked them. A sign of a damaged or hand-repaired home.
    seen_before: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def summary(self) -> str:
        name = str(self.path)
        there = f" ({len(self.already_present)} {'was' if len(self.already_present) == 1 else 'were'} already there)"
        there = there if self.already_present else ""
        n = len(self.added)
        noun = f"transaction{'s' * (n != 1)}"
        if self.dry_run:
            text = f"{name} is fine: {n} {noun} would be imported{there}. Nothing was written (--dry-run)."
        elif not self.added and self.already_present and not self.seen_before:
            text = f"Imported 0 transactions from {name}: all {len(self.already_present)} were already there."
        else:
            text = f"Imported {n} {noun} from {name}{there}."
        if self.seen_before:
            shown = ", ".join(self.seen_before[:5]) + (" …" if len(self.seen_before) > 5 else "")
            text += (f" {len(self.seen_before)} {'was' if len(self.seen_before) == 1 else 'were'} known to this home "
                     f"before but {'is' if len(self.seen_before) == 1 else 'are'} missing from it ({shown}): not "
                     "added again, since Fortnox may have booked them. Run `juni-tui doctor` to see what the home "
                     "lost.")
        return text


def _differs(stored: TxView | HistoryView | None, tx: Transaction) -> bool:
    if stored is None:
        return False
    return (stored.date, stored.amount, stored.merchant) != (tx.date, tx.amount, tx.merchant)


def import_file(store: Store, path: Path | str, *, dry_run: bool = False,
                on_progress: ProgressCallback | None = None) -> ImportResult:
    """Read ``path`` (refused whole on any problem) and add the transactions the home does not have yet.

    One commit with an audit record (``action: import``). ``dry_run`` checks and counts, and writes nothing.
    ``on_progress``: as for ``read_transactions``.
    """
    txs = read_transactions(path, store, on_progress=on_progress)
    return add_transactions(store, Path(path), txs, dry_run=dry_run)


def add_transactions(store: Store, path: Path, txs: list[Transaction], *, dry_run: bool = False) -> ImportResult:
    """The second half of an import: skip what the home has (idempotent on id), add the rest in one commit."""
    result = ImportResult(path=path, dry_run=dry_run)
    new: list[Transaction] = []
    unknown = [tx for tx in txs if tx.id not in store.transactions and tx.id not in store.history]
    # What the home has lost but once had (an archive whose index entry is gone, an id the audit log names):
    # never added again, since it may be booked in Fortnox already.
    seen = store.seen_transaction_ids({tx.date for tx in unknown}) if unknown else set()
    for tx in txs:
        if tx.id in store.transactions or tx.id in store.history:
            result.already_present.append(tx.id)
            stored = store.tx_or_history_view(tx.id)
            if _differs(stored, tx):
                result.differing.append(tx.id)
        elif tx.id in seen:
            result.seen_before.append(tx.id)
        else:
            new.append(tx)
            result.added.append(tx.id)
    if dry_run:
        return result
    audit = {
        "action": "import",
        "file": path.name,
        "path": str(path.resolve()),
        "added": len(result.added),
        "already_present": len(result.already_present),
        "ids": result.added,
    }
    if new:
        store.commit(new, audit=audit)
    else:
        store.audit(audit)
    return result

