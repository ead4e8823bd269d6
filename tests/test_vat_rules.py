"""Rules with a validity period (``from``/``to``) and rules that set the deductible VAT share (issue 12)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from juni_tui.domain.rules import Rule, RuleActions, RuleKind
from juni_tui.domain.vat import VatCode
from juni_tui.services import rules
from juni_tui.services.rules import toml
from juni_tui.services.store import Store
from tests.conftest import make_tx


def _ica(code: VatCode, **period) -> Rule:
    return Rule(kind=RuleKind.MERCHANT, merchant="ICA", then=RuleActions(account=7690, vat_code=code), **period)


def test_merchant_rules_for_two_periods_each_fill_their_own_dates(home):
    before = _ica(VatCode.VAT12, valid_to=date(2026, 3, 31))
    after = _ica(VatCode.VAT6, valid_from=date(2026, 4, 1), valid_to=date(2027, 12, 31))
    with Store.open(home) as store:
        rules.add(store, before)
        rules.add(store, after.model_copy(update={"name": "ICA 6 %"}))
        store.commit([make_tx("march", merchant="ICA Nära", date=date(2026, 3, 31)),
                      make_tx("april", merchant="ICA Nära", date=date(2026, 4, 1)),
                      make_tx("later", merchant="ICA Nära", date=date(2028, 1, 1))])
        rules.apply_to_new(store, ["march", "april", "later"])
        got = {tx_id: store.transactions[tx_id].vat_code for tx_id in ("march", "april", "later")}
    assert got == {"march": VatCode.VAT12, "april": VatCode.VAT6, "later": None}


def test_a_custom_rule_outside_its_period_does_not_match_and_can_set_the_deductible_share(home):
    from juni_tui.domain.rules import Condition, ConditionField, ConditionOp, RuleWhen

    rule = Rule(kind=RuleKind.CUSTOM, name="Hyrbil", valid_from=date(2026, 6, 1),
                when=RuleWhen(conditions=(Condition(field=ConditionField.MERCHANT, op=ConditionOp.CONTAINS,
                                                    value="Hertz"),)),
                then=RuleActions(account=5820, vat_code=VatCode.VAT25, vat_deductible=Decimal("50")))
    with Store.open(home) as store:
        rules.add(store, rule)
        store.commit([make_tx("may", merchant="Hertz", date=date(2026, 5, 31)),
                      make_tx("june", merchant="Hertz", date=date(2026, 6, 1))])
        rules.apply_to_new(store, ["may", "june"])
        may, june = store.transactions["may"], store.transactions["june"]
    assert may.account is None and may.vat_deductible is None
    assert (june.account, june.vat_deductible) == (5820, Decimal("50"))
    assert june.sources["vat_deductible"].rule_id


def test_a_period_that_ends_before_it_begins_is_refused():
    with pytest.raises(ValidationError, match="ends"):
        _ica(VatCode.VAT6, valid_from=date(2026, 4, 1), valid_to=date(2026, 3, 1))


def test_the_period_and_the_share_survive_the_toml_file(home):
    text = '''version = 1

[[merchant]]
merchant = "ICA"
from = 2026-04-01
to = "2027-12-31"
then = { account = 7690, vat_code = "6" }

[[custom]]
name = "Hyrbil"
when = [{ field = "merchant", op = "contains", value = "Hertz" }]
then = { account = 5820, vat_code = "25", vat_deductible = 50 }
'''
    parsed = toml.parse_text(text)
    ica = next(p.rule for p in parsed if p.rule.kind == RuleKind.MERCHANT)
    assert (ica.valid_from, ica.valid_to) == (date(2026, 4, 1), date(2027, 12, 31))
    exported = toml.export_text([p.rule for p in parsed])
    assert "from = 2026-04-01\nto = 2027-12-31\n" in exported
    assert "vat_deductible = 50.00" in exported
    again = toml.parse_text(exported)
    assert [p.rule for p in again] == [p.rule for p in parsed]


def test_a_bad_date_in_the_toml_file_names_its_line():
    text = 'version = 1\n\n[[merchant]]\nmerchant = "ICA"\nfrom = "first of april"\nthen = { account = 7690 }\n'
    with pytest.raises(toml.RuleFileError) as caught:
        toml.parse_text(text)
    assert caught.value.line == 5


def _exported(tx):
    from datetime import UTC, datetime

    from juni_tui.domain.transactions import ExportState, Status

    return tx.model_copy(update={"status": Status.EXPORTED, "export": ExportState(
        series="K", tag=f"juni {tx.id}", voucher_number=1, voucher_year=2,
        exported_at=datetime(2026, 3, 1, 12, tzinfo=UTC))})


def test_a_suggestion_learned_before_the_food_rate_changed_says_so_after_it(home):
    with Store.open(home) as store:
        store.commit([_exported(make_tx(f"h{n}", merchant="ICA Nära Odenplan", date=date(2026, 2, 10 + n),
                                        account=7690, vat_code=VatCode.VAT12)) for n in range(3)])
        store.commit([make_tx("before", merchant="ICA Nära Odenplan", date=date(2026, 3, 20)),
                       make_tx("after", merchant="ICA Nära Odenplan", date=date(2026, 5, 5))])
        found = rules.suggestions(store)
    assert found["before"].rate_change is None and "rate change" not in found["before"].evidence
    after = found["after"]
    assert after.rate_change == date(2026, 4, 1)
    assert "other side of the VAT rate change on 2026-04-01: check the VAT code (food is 6 % on 2026-05-05)" \
        in after.evidence
