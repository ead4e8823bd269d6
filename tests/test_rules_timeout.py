"""A rule's regex cannot hang the app: matching has a time limit, patterns a length limit (GUIDE §7)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from juni_tui.domain.rules import Rule, RuleActions, RuleKind
from juni_tui.domain.transactions import Status
from juni_tui.services import intake, rules
from juni_tui.services.rules import toml as rules_text
from juni_tui.services.store import Store
from tests.conftest import make_tx

#: The issue's pattern: exponential in Python's ``re`` on a 35-character merchant that does not match.
ISSUE_PATTERN = r"^(\w+\s?)+$"
#: Exponential in every backtracking engine, the ``regex`` package included: only the time limit stops it.
CATASTROPHIC = r"^(\w|\w\w)+$"
MERCHANT = "Espresso House Stockholm Centralen!"  # 35 characters; the "!" makes the pattern fail, slowly in re
SLOW_MERCHANT = "ESPRESSOHOUSESTOCKHOLMCENTRALEN1234!"  # the same for CATASTROPHIC, in any engine


def regex_rule(name: str, pattern: str) -> Rule:
    return Rule(kind=RuleKind.CUSTOM, name=name,
                when={"match": "all", "conditions": [{"field": "merchant", "op": "regex", "value": pattern}]},
                then=RuleActions(account=5420))


def contains_rule(name: str, text: str) -> Rule:
    return Rule(kind=RuleKind.CUSTOM, name=name,
                when={"match": "all", "conditions": [{"field": "merchant", "op": "contains", "value": text}]},
                then=RuleActions(account=6540))


@pytest.fixture
def store(home):
    with Store.open(home) as s:
        yield s


def test_the_issue_pattern_matches_normally_and_fast(store):
    rules.add(store, regex_rule("Words", ISSUE_PATTERN))
    store.commit([make_tx("slow", merchant=MERCHANT), make_tx("ok", merchant="Adobe Systems")])
    start = time.perf_counter()
    counts = rules.match_counts(store)
    changes = rules.preview_apply_to_existing(store)
    assert time.perf_counter() - start < 1
    assert counts == {"custom-words": 1} and [c.tx_id for c in changes] == ["ok"]


def test_a_catastrophic_pattern_times_out_names_the_rule_and_matches_nothing(store):
    rules.add(store, regex_rule("Slow one", CATASTROPHIC))
    rules.add(store, contains_rule("Espresso", "espresso"))
    store.commit([make_tx("a", merchant=SLOW_MERCHANT), make_tx("b", merchant="Adobe")])
    start = time.perf_counter()
    report = intake.after_import(store, ["a", "b"])
    assert time.perf_counter() - start < 1
    assert store.transactions["a"].account == 6540  # the next rule still applies: the slow one matched nothing
    assert store.transactions["b"].account is None  # though "Adobe" fits its pattern: a slow rule matches nothing
    (warning,) = report.rules.warnings
    assert "Slow one" in warning and "took too long on" in warning and SLOW_MERCHANT in warning
    assert "simplify it" in warning

    start = time.perf_counter()
    counts = rules.match_counts(store)
    preview = rules.preview_apply_to_existing(store)
    found = rules.matching_ids(store, rules.get_rule(store, "custom-slow-one"))
    assert time.perf_counter() - start < 1
    assert counts["custom-slow-one"] == 0 and found.count == 0
    assert any("Slow one" in w for w in counts.warnings) and any("Slow one" in w for w in preview.warnings)
    assert found.warning and "Slow one" in found.warning


def test_a_negated_slow_pattern_does_not_match_everything(store):
    rule = Rule(kind=RuleKind.CUSTOM, name="Not slow",
                when={"match": "all", "conditions": [{"field": "merchant", "op": "regex", "value": CATASTROPHIC,
                                                      "negate": True}]},
                then=RuleActions(account=5420))
    rules.add(store, rule)
    store.commit([make_tx("a", merchant=SLOW_MERCHANT), make_tx("b", merchant="Adobe!")])
    assert rules.match_counts(store)["custom-not-slow"] == 0


def test_a_pattern_longer_than_the_limit_is_refused_with_a_sentence(store):
    long = "(adobe|" + "x" * rules.MAX_PATTERN_LENGTH + ")"
    with pytest.raises(ValueError, match=f"at most {rules.MAX_PATTERN_LENGTH} characters"):
        rules.add(store, regex_rule("Long", long))  # refused as the rule is made, before it reaches the store
    text = f'version = 1\n[[custom]]\nname = "Long"\nwhen = [{{ field = "merchant", op = "regex", value = "{long}" }}]\n' \
           'then = { account = 5420 }\n'
    with pytest.raises(rules_text.RuleFileError, match=f"at most {rules.MAX_PATTERN_LENGTH} characters"):
        rules_text.parse_text(text)


def test_a_rules_file_nested_400_deep_gets_a_sentence(store):
    text = "version = 1\nx = " + "[" * 1000 + "]" * 1000 + "\n"
    with pytest.raises(rules_text.RuleFileError, match="nested too deeply"):
        rules_text.parse_text(text)
    text = "version = 1\nx = " + "{a = " * 400 + "1" + "}" * 400 + "\n"
    with pytest.raises(rules_text.RuleFileError, match="nested too deeply"):
        rules_text.parse_text(text)


def cli(home, *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run([sys.executable, "-m", "juni_tui", "--home", str(home.root), *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_import_and_rules_commands_finish_and_say_which_rule_was_slow(home, tmp_path):
    with Store.open(home) as store:
        rules.add(store, regex_rule("Slow one", CATASTROPHIC))
    csv = tmp_path / "oct.csv"
    csv.write_text(f"id,date,merchant,amount\nm1,2026-10-01,{SLOW_MERCHANT},-12.00\nm2,2026-10-02,Adobe,-99.00\n")
    start = time.perf_counter()
    done = cli(home, "import", str(csv))
    assert done.returncode == 0, done.stderr
    listed = cli(home, "rules", "list")
    applied = cli(home, "rules", "apply")
    assert time.perf_counter() - start < 10  # three processes; each match gave up after its time limit
    for result in (listed, applied):
        assert result.returncode == 0 and "Traceback" not in result.stderr
        assert "Slow one" in result.stderr and "took too long" in result.stderr
    with Store.open(home) as store:
        assert store.transactions["m1"].status == Status.PREPARE and store.transactions["m1"].account is None
