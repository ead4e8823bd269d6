"""Fuzz: whatever bytes sit in juni.json, journal.jsonl, a history archive or audit.jsonl, opening the store and
running the doctor either work or say what is wrong (StoreError); never any other exception, never a traceback."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juni_tui.domain.transactions import ExportState, Status
from juni_tui.services.store import Store, StoreError
from juni_tui.services.store.doctor import check_home
from juni_tui.services.store.home import Home
from tests.conftest import make_tx

TARGETS = ["juni.json", "journal.jsonl", "history/2026-09.json", "audit.jsonl"]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    home = Home(tmp_path_factory.mktemp("fuzz") / "home")
    with Store.open(home) as store:
        store.commit([make_tx("a", date=date(2026, 9, 3)), make_tx("b")], audit={"action": "import", "ids": ["a"]})
        tx = store.transactions["a"]
        store.commit([tx.model_copy(update={"status": Status.EXPORTED, "export": ExportState(
            series="K", tag="juni a", voucher_number=1, voucher_year=2,
            exported_at=datetime(2026, 11, 1, tzinfo=UTC))})], audit={"action": "exported", "ids": ["a"]})
    with Store.open(home) as store:
        store.commit([make_tx("c")], audit={"action": "import", "ids": ["c"]})
        store._journal.close()
        store._closed = True
        store._release_lock()
    return home.root


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def mutations(original: bytes):
    """The real file cut, with bytes changed, or with a JSON value spliced in: close to valid, so the checks past the
    JSON parser are reached too."""
    cut = st.integers(0, max(len(original), 1)).map(lambda n: original[:n])
    flipped = st.tuples(st.integers(0, max(len(original) - 1, 0)), st.binary(min_size=1, max_size=3)).map(
        lambda t: original[: t[0]] + t[1] + original[t[0] + len(t[1]):])
    spliced = st.tuples(st.integers(0, max(len(original), 0)), json_values).map(
        lambda t: original[: t[0]] + json.dumps(t[1]).encode() + original[t[0]:])
    return cut | flipped | spliced


def contents(original: bytes):
    return (st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode())
            | json_values.map(lambda v: (json.dumps(v) + "\n").encode() * 2) | mutations(original))


def open_and_check(root: Path) -> None:
    home = Home(root)
    try:
        with Store.open(home) as store:
            store.ids(*Status)
            store.audit_log()
            store.check_history()
            store.seen_transaction_ids()
    except StoreError as exc:
        assert str(exc) and "Traceback" not in str(exc)
    report = check_home(home)
    for finding in report.findings:
        assert finding.problem


@pytest.mark.parametrize("target", TARGETS)
def test_random_bytes_in_a_home_file_are_either_read_or_refused_with_a_sentence(base, target):
    original = (base / target).read_bytes()

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=contents(original))
    def run(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "home"
            shutil.copytree(base, root)
            (root / target).write_bytes(data)
            open_and_check(root)

    run()
