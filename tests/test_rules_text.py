"""Rules as a TOML file: export, import (all or nothing, with the line of the problem), and the CLI."""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from juni_tui.cli import main
from juni_tui.domain.reference import Account
from juni_tui.domain.rules import Rule, RuleActions, RuleKind
from juni_tui.domain.vat import VatCode
from juni_tui.services import rules
from juni_tui.services.rules import toml as rules_text
from juni_tui.services.rules.toml import RuleFileError
from juni_tui.services.store import Store
from tests.conftest import make_tx


@pytest.fixture
def store(home):
    with Store.open(home) as s:
        yield s


def add_examples(store):
    rules.add(store, Rule(
        kind=RuleKind.CUSTOM, name='Flights "abroad" – Norge',
        when={"conditions": [
            {"match": "any", "conditions": [
                {"field": "merchant", "op": "contains", "value": "SAS"},
                {"field": "merchant", "op": "regex", "value": r"^norwegian\b"},
            ]},
            {"field": "currency", "op": "equals", "value": "NOK"},
            {"field": "amount", "op": "between", "min": "100", "max": "20000.50"},
        ]},
        then=RuleActions(account=5800, vat_code=VatCode.VAT6, cost_center="SALES"),
    ))
    rules.add(store, Rule(
        kind=RuleKind.CUSTOM, name="Not in Sweden", enabled=False,
        when={"match": "any", "conditions": [
            {"field": "country", "op": "equals", "value": "SE", "negate": True},
            {"field": "description", "op": "regex", "value": "it's \\d+"},
            {"field": "cardholder", "op": "equals", "value": "Åsa Öberg"},
        ]},
        then=RuleActions(no_receipt_reason="foreign fee, no receipt"),
    ))
    rules.add(store, Rule(kind=RuleKind.MERCHANT, merchant="Adobe",
                          then=RuleActions(account=5420, vat_code=VatCode.RC_EU_SERVICES)))
    rules.add(store, Rule(kind=RuleKind.MERCHANT, merchant="ESPRESSO HOUSE 123", name="Espresso House",
                          then=RuleActions(account=5831)))
    rules.add(store, Rule(kind=RuleKind.CATEGORY, category="Food & Drink",
                          then=RuleActions(account=5831, vat_code=VatCode.VAT12)))


def snapshot(store):
    return sorted(r.model_dump_json() for r in rules.rules_table(store).values())


# --- export ---------------------------------------------------------------------------------------------------


def test_export_is_readable_toml_in_priority_order(store):
    add_examples(store)
    text = rules_text.dump(store)
    doc = tomllib.loads(text)
    assert [r["name"] for r in doc["custom"]] == ['Flights "abroad" – Norge', "Not in Sweden"]
    assert [r["merchant"] for r in doc["merchant"]] == ["Adobe", "ESPRESSO HOUSE 123"]
    assert doc["category"][0]["then"] == {"account": 5831, "vat_code": "12"}
    assert "  { field = \"amount\", op = \"between\", min = 100.00, max = 20000.50 },\n" in text
    assert "value = '^norwegian\\b'" in text  # regexes read as written
    assert "enabled = false" in text


def test_export_import_export_is_byte_identical(store, home, tmp_path):
    add_examples(store)
    first = rules_text.dump(store)
    plan = rules_text.import_text(store, first)
    assert not plan.changed and plan.unchanged == 5
    assert rules_text.dump(store) == first

    from juni_tui.services.store.home import Home

    with Store.open(Home(tmp_path / "other")) as other:
        rules_text.import_text(other, first)
        assert rules_text.dump(other) == first
        assert [r.id for r in rules.list_rules(other)] == [r.id for r in rules.list_rules(store)]


# --- refused files --------------------------------------------------------------------------------------------


def test_a_toml_syntax_error_is_refused_with_its_line_and_nothing_changes(store):
    add_examples(store)
    before = snapshot(store)
    text = rules_text.dump(store).replace("enabled = false", "enabled = nope")
    line = text.splitlines().index("enabled = nope") + 1
    with pytest.raises(RuleFileError) as info:
        rules_text.import_text(store, text, source="rules.toml")
    assert info.value.line == line
    assert str(info.value).startswith(f"rules.toml line {line}: ")
    assert "not valid TOML" in str(info.value) and "Nothing was imported" in str(info.value)
    assert snapshot(store) == before


def test_a_bad_regex_is_refused_with_the_line_of_its_condition(store):
    add_examples(store)
    before = snapshot(store)
    text = rules_text.dump(store).replace('"it\'s \\\\d+"', '"(unclosed"')
    assert "(unclosed" in text
    lines = text.splitlines()
    line = next(n for n, text_line in enumerate(lines, 1) if "(unclosed" in text_line)
    with pytest.raises(RuleFileError) as info:
        rules_text.import_text(store, text)
    assert info.value.line == line
    assert "custom rule 'custom-not-in-sweden': condition 2: regex '(unclosed' does not compile" in info.value.reason
    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("change", "needle", "reason"),
    [
        (('vat_code = "RC_EU_SERVICES"', 'vat_code = "RC"'), 'vat_code = "RC"', "VAT code 'RC' is not one of"),
        (("account = 5420", 'account = "5420"'), 'account = "5420"', "account must be a whole number"),
        (('merchant = "Adobe"', 'merchant = "Adobe"\ncolour = "red"'), "colour", "unknown key 'colour'"),
        (("min = 100.00, max = 20000.50", "min = 300.00, max = 200.00"), "min = 300.00", "min 300.00 is more than max"),
        (('match = "all"', 'match = "most"'), 'match = "most"', "'all' or 'any'"),
        (('category = "Food & Drink"', 'category = ""'), "[[category]]", "needs a category"),
    ],
)
def test_semantic_errors_name_the_line_and_the_reason(store, change, needle, reason):
    add_examples(store)
    before = snapshot(store)
    header, body = rules_text.dump(store).split("version = 1\n")
    text = header + "version = 1\n" + body.replace(*change)
    assert text != rules_text.dump(store)
    skip = len(header.splitlines()) + 1
    line = next(n for n, text_line in enumerate(text.splitlines(), 1) if needle in text_line and n > skip)
    with pytest.raises(RuleFileError) as info:
        rules_text.import_text(store, text)
    assert (info.value.line, reason in info.value.reason) == (line, True), str(info.value)
    assert snapshot(store) == before


def refusal(store, text):
    with pytest.raises(RuleFileError) as info:
        rules_text.import_text(store, text)
    return info.value


def test_an_error_in_the_last_rule_refuses_the_whole_file(store):
    text = """
[[merchant]]
merchant = "Adobe"
then = { account = 5420 }

[[merchant]]
merchant = "SJ"
then = { account = 58000 }
"""
    error = refusal(store, text)
    assert error.line == 8 and "four-digit" in error.reason
    assert len(rules.rules_table(store)) == 0


def test_two_rules_for_the_same_merchant_or_id_are_refused(store):
    text = """
[[merchant]]
merchant = "Espresso House"
then = { account = 5831 }

[[merchant]]
merchant = "ESPRESSO HOUSE 44 STOCKHOLM"
then = { account = 5830 }
"""
    error = refusal(store, text)
    assert error.line == 6 and "already a merchant rule" in error.reason
    text = """
[[merchant]]
id = "x"
merchant = "Adobe"
then = { account = 5420 }

[[category]]
id = "x"
category = "Travel"
then = { account = 5800, vat_code = "6" }
"""
    error = refusal(store, text)
    assert error.line == 7 and "two rules have the id 'x' (also at line 2)" in error.reason


def test_an_account_not_in_the_chart_is_refused_with_the_rule_line(store):
    store.commit([Account(number=5420, description="Programvaror")])
    text = '# firm rules\n\n[[merchant]]\nmerchant = "Adobe"\nthen = { account = 5421 }\n'
    with pytest.raises(RuleFileError) as info:
        rules_text.import_text(store, text)
    assert info.value.line == 3 and "5421 is not in the chart of accounts" in info.value.reason


def test_groups_nest_one_level_only(store):
    text = """
[[custom]]
name = "Deep"
when = [
  { any = [{ all = [{ field = "merchant", op = "contains", value = "x" }] }] },
]
then = { account = 5800 }
"""
    with pytest.raises(RuleFileError) as info:
        rules_text.import_text(store, text)
    assert info.value.line == 5 and "nested more than one level" in info.value.reason


# --- merge and replace ----------------------------------------------------------------------------------------


def test_import_updates_by_id_keeps_other_rules_and_takes_the_file_order(store):
    add_examples(store)
    text = """
[[custom]]
id = "custom-not-in-sweden"
name = "Not in Sweden"
enabled = true
when = [{ field = "country", op = "equals", value = "SE", not = true }]
then = { no_receipt_reason = "foreign fee" }

[[custom]]
name = "Taxi"
when = [{ field = "merchant", op = "contains", value = "taxi" }]
then = { account = 5800, vat_code = "6" }

[[merchant]]
merchant = "Adobe"
then = { account = 5421, vat_code = "RC_EU_SERVICES" }
"""
    created = rules.get_rule(store, "merchant-adobe").created_at
    plan = rules_text.import_text(store, text)
    assert [r.id for r in plan.added] == ["custom-taxi"]
    assert sorted(after.id for _b, after in plan.updated) == ["custom-not-in-sweden", "merchant-adobe"]
    assert plan.removed == [] and plan.summary == "1 added, 2 updated, 0 removed, 1 moved, 2 unchanged"
    assert [r.id for r in rules.list_rules(store, RuleKind.CUSTOM)] == [
        "custom-not-in-sweden", "custom-taxi", "custom-flights-abroad-norge"]
    adobe = rules.get_rule(store, "merchant-adobe")
    assert (adobe.then.account, adobe.created_at) == (5421, created)
    assert any(line.startswith("~ merchant-adobe: Merchant rule: Adobe — then: account 5420") for line in plan.lines())
    assert store.audit_log()[-1]["action"] == "rules-import"


def test_import_with_replace_removes_rules_not_in_the_file(store):
    add_examples(store)
    text = '[[merchant]]\nmerchant = "Adobe"\nthen = { account = 5420, vat_code = "RC_EU_SERVICES" }\n'
    plan = rules_text.import_text(store, text, replace=True)
    assert len(plan.removed) == 4 and plan.unchanged == 1
    assert [r.id for r in rules.list_rules(store)] == ["merchant-adobe"]


def test_a_dry_run_changes_nothing(store):
    add_examples(store)
    before = snapshot(store)
    plan = rules_text.import_text(store, "", replace=True, dry_run=True)
    assert len(plan.removed) == 5
    assert snapshot(store) == before


def test_a_rule_clashing_with_a_kept_rule_is_refused_with_a_hint(store):
    add_examples(store)
    text = '[[merchant]]\nid = "adobe2"\nmerchant = "ADOBE AB"\nthen = { account = 5420 }\n'
    with pytest.raises(RuleFileError) as info:
        rules_text.import_text(store, text)
    assert info.value.line == 1 and "--replace" in info.value.reason
    rules_text.import_text(store, text, replace=True)
    assert [r.id for r in rules.list_rules(store)] == ["adobe2"]


# --- the CLI --------------------------------------------------------------------------------------------------


def test_cli_export_then_import_into_another_home(home, tmp_path, capsys):
    with Store.open(home) as store:
        add_examples(store)
    path = tmp_path / "rules.toml"
    assert main(["--home", str(home.root), "rules", "export", str(path)]) == 0
    assert "Wrote 5 rules" in capsys.readouterr().out
    other = tmp_path / "other"
    assert main(["--home", str(other), "rules", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "5 added, 0 updated, 0 removed, 0 moved, 0 unchanged" in out
    assert "+ merchant-adobe: Merchant rule: Adobe — when merchant is \"Adobe\"" in out
    assert main(["--home", str(other), "rules", "export", "-"]) == 0
    assert capsys.readouterr().out == path.read_text(encoding="utf-8")


def test_cli_refuses_a_broken_file_and_keeps_the_rules(home, tmp_path, capsys):
    with Store.open(home) as store:
        add_examples(store)
        before = snapshot(store)
    path = tmp_path / "rules.toml"
    path.write_text('[[merchant]]\nmerchant = "SJ"\nthen = { account = 5800, vat_code = "7" }\n', encoding="utf-8")
    assert main(["--home", str(home.root), "rules", "import", "--replace", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path} line 3: merchant rule 'SJ': then.vat_code: VAT code '7' is not one of" in err
    with Store.open(home) as store:
        assert snapshot(store) == before


def test_cli_list_shows_rules_with_their_match_counts(home, capsys):
    with Store.open(home) as store:
        add_examples(store)
        store.commit([make_tx("a"), make_tx("b", merchant="Adobe Ireland")])
    assert main(["--home", str(home.root), "rules", "list"]) == 0
    out = capsys.readouterr().out
    assert "Merchant rule: Adobe  [merchant-adobe]" in out and "matches 2 now" in out
    assert "Custom rule: Not in Sweden  (disabled)" in out
    assert main(["--home", str(home.root), "rules", "list", "--json"]) == 0
    assert '"matches": 2' in capsys.readouterr().out


def test_cli_apply_previews_and_applies_only_with_yes(home, capsys):
    with Store.open(home) as store:
        store.commit([make_tx("a", amount=Decimal("-99.00"))])
        rules.add(store, Rule(kind=RuleKind.MERCHANT, merchant="Adobe", then=RuleActions(account=5420)))
    assert main(["--home", str(home.root), "rules", "apply"]) == 0
    out = capsys.readouterr().out
    assert "a Adobe: account — → 5420 (Merchant rule: Adobe)" in out and "nothing changed" in out
    with Store.open(home) as store:
        assert store.transactions["a"].account is None
    assert main(["--home", str(home.root), "rules", "apply", "--yes"]) == 0
    assert "Applied: 1 value filled on 1 transaction." in capsys.readouterr().out
    with Store.open(home) as store:
        assert store.transactions["a"].account == 5420
