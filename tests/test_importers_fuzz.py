"""Fuzzing the importer: whatever a file holds, the answer is transactions or ``ImportFileError`` with sentences.

Never another exception (a traceback for the user), never an amount that is not what it looks like.
"""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juni_tui.services.importing import COLUMNS, ImportFileError, import_file, read_transactions, source
from juni_tui.services.store import Store

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FOLDER = Path(tempfile.mkdtemp(prefix="juni-fuzz-"))


def outcome(data: bytes, suffix: str) -> list | ImportFileError:
    path = FOLDER / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        txs = read_transactions(path)
    except ImportFileError as exc:
        assert exc.problems and str(exc).startswith(f"fuzz{suffix} was not imported")
        for line, reason in exc.problems:
            assert isinstance(line, int) and line >= 0 and reason and len(reason) < 2000
        return exc
    for tx in txs:
        assert abs(tx.amount) < Decimal(10) ** 12 and tx.amount == tx.amount.quantize(Decimal("0.01"))
    return txs


# --- random bytes ---------------------------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".json"]))
def test_random_bytes_give_transactions_or_sentences(data, suffix):
    outcome(data, suffix)


@FUZZ
@given(data=st.binary(max_size=200), suffix=st.sampled_from([".csv", ".json"]))
def test_random_bytes_after_a_good_start_give_transactions_or_sentences(data, suffix):
    start = (b"id,date,merchant,amount\nok,2026-10-01,Adobe,-1\n" if suffix == ".csv"
             else b'[{"id": "ok", "date": "2026-10-01", "merchant": "Adobe", "amount": -1},')
    outcome(start + data, suffix)


# --- random CSV text ------------------------------------------------------------------------------------------

NUMBERS = st.from_regex(r"\A[-+\u2212]?[0-9١٢３_ \u00a0\u202f]{0,16}([.,][0-9 ]{0,4})?([eE][-+]?[0-9]{1,6})?\Z")
CELLS = st.one_of(
    NUMBERS,
    st.sampled_from(["2026-10-01", "2026-13-45", "25", "25 %", "RC_EU_GOODS", "5420", "SEK", "US", "", " ",
                     "Infinity", "NaN", "-1.23457E+11", "9" * 5000, '"', '""', "\r", "\n", "\x00", "\ufeff"]),
    st.text(max_size=12),
)
HEADERS = st.one_of(
    st.just(["id", "date", "merchant", "amount"]),
    st.lists(st.sampled_from([*COLUMNS, "konto", "", "Amount", "vat code"]), min_size=1, max_size=8),
)


@st.composite
def csv_text(draw) -> str:
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header) - 1, max_size=len(header) + 1), max_size=6))

    def cell(value: str) -> str:
        if draw(st.booleans()):
            return '"' + value.replace('"', '""') + '"'
        return value

    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(delimiter.join(cell(c) for c in row) for row in [header, *rows]) + newline


@FUZZ
@given(text=csv_text(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_random_csv_text_gives_transactions_or_sentences(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    outcome(data, ".csv")


# --- random JSON text -----------------------------------------------------------------------------------------

JSON_NUMBERS = st.from_regex(r"\A-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,5})?([eE][-+]?[0-9]{1,7})?\Z")
SCALARS = st.one_of(
    JSON_NUMBERS,
    st.sampled_from(["true", "false", "null", "NaN", "-Infinity", "9" * 5000, '"2026-10-01"', '"-1 234,50"',
                     '"1e3"', '"25"']),
    st.text(max_size=10).map(json.dumps),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
    st.dictionaries(st.sampled_from([*COLUMNS, "x"]), inner, max_size=3).map(
        lambda d: "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in d.items()) + "}"),
), max_leaves=8)
ITEMS = st.dictionaries(st.sampled_from([*COLUMNS, "konto"]), VALUES, max_size=6).map(
    lambda d: "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in d.items()) + "}")
GOOD_ITEM = '{"id": "g", "date": "2026-10-01", "merchant": "Adobe", "amount": -1}'


@st.composite
def json_text(draw) -> str:
    items = ",\n ".join(draw(st.lists(st.one_of(ITEMS, st.just(GOOD_ITEM), VALUES), max_size=5)))
    text = draw(st.sampled_from(["[{}]", '{{"transactions": [{}]}}', '{{"x": 1, "transactions": [{}], "y": []}}',
                                 "{}"])).format(items)
    cut = draw(st.one_of(st.none(), st.integers(0, len(text))))  # damage it: drop a character
    return text if cut is None else text[:cut] + text[cut + 1:]


@FUZZ
@given(text=json_text())
def test_random_json_text_gives_transactions_or_sentences(text):
    outcome(text.encode("utf-8"), ".json")


@FUZZ
@given(text=json_text())
def test_the_json_walk_refuses_exactly_what_json_loads_refuses(text):
    """The importer walks the JSON one item at a time; it must accept and refuse what the standard parser does,
    with the same line."""
    try:
        json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
        expected = None
    except json.JSONDecodeError as exc:
        expected = exc.lineno
    result = outcome(text.encode("utf-8"), ".json")
    invalid = [line for line, reason in getattr(result, "problems", []) if "is not valid JSON" in reason]
    if expected is None:
        assert invalid == []
    elif text.strip():
        assert invalid == [expected]


# --- the commit path --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory):
    from juni_tui.services.store.home import Home

    with Store.open(Home(tmp_path_factory.mktemp("fuzz-home")).ensure()) as store:
        yield store


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=csv_text())
def test_importing_random_csv_commits_it_whole_or_changes_nothing(fuzz_store, text):
    path = FOLDER / "commit.csv"
    path.write_text(text, encoding="utf-8")
    before = len(fuzz_store.transactions)
    try:
        result = import_file(fuzz_store, path)
    except ImportFileError:
        assert len(fuzz_store.transactions) == before
        return
    assert len(fuzz_store.transactions) == before + len(result.added)


def test_the_limits_are_what_the_docs_say():
    assert source.MAX_FILE_BYTES == 100_000_000 and source.MAX_ROWS == 200_000
