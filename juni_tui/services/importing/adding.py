"""Adding what a file holds to the home: what is new is added in one commit, what the home has is skipped.

Idempotent: ``import_file`` skips ids the home already has (in Prepare, Ready, the queue or the Export history), so
importing the same file twice adds nothing, and says so. Everything new is one commit with one audit record. Ids the
home once had and has lost are never added again (Fortnox may have booked them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from juni_tui.domain.transactions import Transaction
from juni_tui.services.importing import saved
from juni_tui.services.importing.formats import read_statement
from juni_tui.services.importing.source import ProgressCallback
from juni_tui.services.importing.statement import Choice, Reading
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
    #: how the file was read (format, encoding, mapping) and the rows it skipped; None for transactions given
    reading: Reading | None = None

    def skipped_line(self) -> str:
        """``Skipped 3 rows: pending (not booked yet) 1, not a card payment 2.`` ("" when none was)."""
        if self.reading is None or not self.reading.skipped:
            return ""
        counts = self.reading.skipped_by_reason()
        n = len(self.reading.skipped)
        return (f"Skipped {n} row{'s' * (n != 1)}: "
                + ", ".join(f"{reason} {count}" for reason, count in sorted(counts.items())) + ".")

    @property
    def report(self) -> list[str]:
        """The import report: how the file was read, new, already there, skipped with reasons, refused."""
        # juni-tui's own format is not named (it is what the user wrote for it); any other is
        reading = self.reading  # juni-tui's own UTF-8 file needs no word on how it was read
        lines = [reading.describe()] if reading is not None and (
            reading.format != "canonical" or reading.encoding not in ("", "UTF-8")) else []
        if self.reading is not None and self.reading.mapping is not None:
            lines.append("Mapping: the one saved for this header." if self.reading.mapping_saved else
                         "Mapping: " + ", ".join(f"{k} = {v!r}" for k, v in self.reading.mapping.columns.items()) + ".")
        lines.append(self.summary)
        if skipped := self.skipped_line():
            lines.append(skipped)
        return lines

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


def import_file(store: Store, path: Path | str, *, dry_run: bool = False, choice: Choice | None = None,
                on_progress: ProgressCallback | None = None) -> ImportResult:
    """Read ``path`` (refused whole on any problem) and add the transactions the home does not have yet.

    One commit with an audit record (``action: import``), and the mapping used saved for the file's header.
    ``dry_run`` checks and counts, and writes nothing. ``choice``: the format and mapping (``auto`` by default,
    with the home's saved mappings). ``on_progress``: as for ``read_transactions``.
    """
    choice = choice or Choice()
    if not choice.saved:
        choice.saved = saved.saved_mappings(store)
    reading = read_statement(path, store, choice, on_progress=on_progress)
    return add_reading(store, Path(path), reading, dry_run=dry_run)


def add_reading(store: Store, path: Path, reading: Reading, *, dry_run: bool = False) -> ImportResult:
    """Add what a file held (``read_statement``), and save the mapping it was read with for its header."""
    extra: list[BaseModel] = []
    if reading.mapping is not None and reading.signature:
        doc = saved.to_save(store, reading.signature, reading.header, reading.mapping, path.name)
        if doc is not None:
            extra.append(doc)
    how: dict[str, object] = {"format": reading.format}
    if reading.encoding:
        how["encoding"] = reading.encoding
    if reading.skipped:
        how["skipped"] = reading.skipped_by_reason()
    if reading.mapping is not None:
        how["mapping"] = reading.mapping.to_doc()
    result = add_transactions(store, path, reading.transactions, dry_run=dry_run, extra=extra, how=how)
    result.reading = reading
    return result


def add_transactions(store: Store, path: Path, txs: list[Transaction], *, dry_run: bool = False,
                     extra: list[BaseModel] | None = None, how: dict[str, object] | None = None) -> ImportResult:
    """The second half of an import: skip what the home has (idempotent on id), add the rest in one commit
    (with ``extra`` documents, such as the mapping used; ``how`` the file was read goes in the audit record)."""
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
        **(how or {}),
        "ids": result.added,
    }
    if new or extra:
        store.commit([*new, *(extra or [])], audit=audit)
    else:
        store.audit(audit)
    return result



def dry_run_without_home(path: Path, reading: Reading) -> ImportResult:
    """A dry run for a home that does not exist yet: everything in the file would be new (and nothing is created)."""
    return ImportResult(path=path, added=[tx.id for tx in reading.transactions], dry_run=True, reading=reading)
