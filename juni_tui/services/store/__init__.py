"""The store: the only code that reads or writes juni-tui's data files. The rest of the code imports what it needs
from here (``from juni_tui.services.store import Store``); the modules, in the order they build on each other:

``home``        the home folder and the path of every file in it
``files``       durable writes: ``atomic_write``, ``append_durably``, the one ``sync`` (fdatasync, F_FULLFSYNC, fsync)
``checks``      the store's errors and their sentences, the readers of untrusted bytes, the check of each document
``documents``   the stored form of a model (static defaults left out) and the JSON bytes the store writes
``lines``       the one reader of JSON-lines files (the journal, the audit log)
``storage``     the TinyDB storage of juni.json and the archives: atomic replace, a ``.bak`` only of a good file
``journal``     journal.jsonl: its entries' check, its reader, the durable append per commit
``audit``       audit.jsonl: its reader, its sync from the journal, the ids it names; who and when
``tables``      the documents in memory: ``Table``, ``StatusIndex``, ``Changes``, ``Batch``
``views``       typed, cheap projections of stored documents (``TxView``, ``HistoryView``, ``ReceiptView``)
``history``     the history archive: exported transactions in full, one file per month
``integrity``   a home that is not whole is refused: the journal joins juni.json, no empty juni.json beside data
``lock``        one writer: the lock on the home and the note of who holds it
``repository``  ``Store``: open, tables, commit, batch, audit, checkpoint, close
``doctor``      ``juni-tui doctor``: the same readers over a home, changing nothing

Files in the home folder:

``juni.json``
    A TinyDB database (``{table: {doc_id: document}}``) with the work in progress: transactions not yet exported,
    receipts, rules, settings, the Fortnox reference data, and a one-line summary of every exported transaction.
    It is opened through TinyDB with an atomic storage (temp file, fsync, ``os.replace``, fsync of the folder)
    and rewritten only at checkpoints.
``history/YYYY-MM.json``
    TinyDB files with the exported transactions of one month, in full (voucher as sent, Fortnox ids). Exported
    transactions never change, so a month's file is rewritten only while that month is being exported, and read
    only when someone opens an exported transaction. The history can grow for years without slowing the start.
``journal.jsonl``
    A write-ahead journal. Every commit appends one line and makes it durable before the change becomes visible,
    so a commit is durable when it returns and costs the size of the change, not of the database. The line holds
    the change *and* its audit records (``{"seq", "at", "ops", "audit"}``): one durable write, so there is never a
    change without its audit record. Seqs are consecutive. On open the journal is replayed over the snapshot; a
    checkpoint folds it into the files above and empties it. An append that fails (a full disk) is cut back before
    the error is raised, so a half line never stays in front of a later, acknowledged one.
``audit.jsonl``
    Append-only processing history (time, OS user, what changed), never rewritten. Each line carries the ``seq`` of
    the journal entry that holds it, and the file is brought up to date from the journal after each commit (best
    effort), at open and before a checkpoint empties the journal, idempotently: a record is written once.

A home that is not whole is refused, never treated as empty: a missing or empty ``juni.json`` beside a journal,
history, receipts, an audit log or a backup; a journal that does not continue ``juni.json``; an audit log ahead of
both. Every file is input: a damaged one is a ``CorruptDataError`` naming the file and the place, and is left as it
is; a history archive of the wrong shape is never rewritten; ``juni.json.bak`` is replaced only by a good file.
``juni-tui doctor`` (``doctor``) runs the same readers over a home without changing it.

Why not TinyDB's table API for writes: every TinyDB insert or update rebuilds the whole table and rewrites the
whole file in place (reference textual-and-tinydb.md §5): hundreds of milliseconds per change at 50 000
transactions, and a crash mid-write leaves an unreadable file. We keep TinyDB's file format and storage
interface, hold the documents in memory keyed by id, validate them into models only when they are used, and
batch the expensive rewrite.

One writer: a lock held for the store's lifetime keeps a second process out; within the process every write
happens on the thread that opened the store.
"""

from juni_tui.services.store.audit import os_user
from juni_tui.services.store.checks import (
    CorruptDataError,
    DamagedHomeError,
    ImmutableError,
    StoreError,
    StoreLockedError,
    StoreWriteError,
)
from juni_tui.services.store.home import Home
from juni_tui.services.store.repository import Store
from juni_tui.services.store.tables import Changes, Table
from juni_tui.services.store.views import HistoryView, ReceiptView, TxView, Views

__all__ = [
    "Changes",
    "CorruptDataError",
    "DamagedHomeError",
    "HistoryView",
    "Home",
    "ImmutableError",
    "ReceiptView",
    "Store",
    "StoreError",
    "StoreLockedError",
    "StoreWriteError",
    "Table",
    "TxView",
    "Views",
    "os_user",
]
