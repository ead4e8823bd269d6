"""Vouchers for every kind of card transaction: exact rows, balance, texts, and the checks against Fortnox's lists.

The table ``CASES`` is shared with test_bookkeeping_sandbox.py, which sends every case to the sandbox.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from juni_tui.domain.reference import Account, CostCenter, Project
from juni_tui.domain.settings import ReportingPair, Settings
from juni_tui.domain.transactions import SplitLine, Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.domain.vouchers import Voucher, VoucherRow
from juni_tui.services.fortnox import spec
from juni_tui.services.vouchers import BookkeepingError, build_voucher, check_voucher, vat_part
from juni_tui.services.workflow import export_tag
from tests.conftest import make_tx

PLAIN = Settings()
PAIR = Settings(reporting_pair=ReportingPair(enabled=True))

Row = tuple[int, str, str]  # account, debit, credit


@dataclass(frozen=True)
class Case:
    name: str
    tx: Transaction
    settings: Settings
    rows: tuple[Row, ...]  # exactly the voucher's rows, in order


def mirrored(rows: tuple[Row, ...]) -> tuple[Row, ...]:
    return tuple((account, credit, debit) for account, debit, credit in rows)


def _tx(tx_id: str, amount: str, account: int, code: VatCode, **more) -> Transaction:
    return make_tx(tx_id, amount=Decimal(amount), account=account, vat_code=code, **more)


# --- every VAT code × purchase/refund × SEK/foreign: a purchase of 1 250.00 SEK --------------------------------

def _computed(account: int, vat: str, output: int) -> tuple[int, tuple[Row, ...]]:
    return account, ((account, "1250.00", "0"), (2645, vat, "0"), (output, "0", vat), (1930, "0", "1250.00"))


PURCHASE_1250: dict[VatCode, tuple[int, tuple[Row, ...]]] = {
    VatCode.VAT25: (5410, ((5410, "1000.00", "0"), (2640, "250.00", "0"), (1930, "0", "1250.00"))),
    VatCode.VAT12: (5831, ((5831, "1116.07", "0"), (2640, "133.93", "0"), (1930, "0", "1250.00"))),
    VatCode.VAT6: (5800, ((5800, "1179.25", "0"), (2640, "70.75", "0"), (1930, "0", "1250.00"))),
    VatCode.NONE: (6570, ((6570, "1250.00", "0"), (1930, "0", "1250.00"))),
    VatCode.RC_EU_SERVICES: _computed(6540, "312.50", 2614),
    VatCode.RC_EU_SERVICES_12: _computed(6540, "150.00", 2624),
    VatCode.RC_EU_SERVICES_6: _computed(6970, "75.00", 2634),
    VatCode.RC_NON_EU_SERVICES: _computed(5420, "312.50", 2614),
    VatCode.RC_NON_EU_SERVICES_12: _computed(5420, "150.00", 2624),
    VatCode.RC_NON_EU_SERVICES_6: _computed(6970, "75.00", 2634),
    # Since BAS 2015 the output VAT of goods from the EU is on 2614 (box 30), not import VAT's 2615 (box 60).
    VatCode.RC_EU_GOODS: _computed(5410, "312.50", 2614),
    VatCode.RC_EU_GOODS_12: _computed(5490, "150.00", 2624),
    VatCode.RC_EU_GOODS_6: _computed(6970, "75.00", 2634),
    VatCode.IMPORT_GOODS: _computed(5410, "312.50", 2615),
    VatCode.IMPORT_GOODS_12: _computed(5490, "150.00", 2625),
    VatCode.IMPORT_GOODS_6: _computed(6970, "75.00", 2635),
}
#: The reporting pair's box account and contra account per code, for the whole amount.
PAIR_ACCOUNTS: dict[VatCode, tuple[int, int]] = {
    VatCode.RC_EU_SERVICES: (4535, 4598), VatCode.RC_EU_SERVICES_12: (4536, 4598),
    VatCode.RC_EU_SERVICES_6: (4537, 4598), VatCode.RC_NON_EU_SERVICES: (4531, 4598),
    VatCode.RC_NON_EU_SERVICES_12: (4532, 4598), VatCode.RC_NON_EU_SERVICES_6: (4533, 4598),
    VatCode.RC_EU_GOODS: (4515, 4598), VatCode.RC_EU_GOODS_12: (4516, 4598), VatCode.RC_EU_GOODS_6: (4517, 4598),
    VatCode.IMPORT_GOODS: (4545, 4549), VatCode.IMPORT_GOODS_12: (4546, 4549), VatCode.IMPORT_GOODS_6: (4547, 4549),
}
# With the reporting pair on, reverse charge and import also book the amount on the VAT return's box account and
# its contra account, before the payment row.
PAIR_ROWS: dict[VatCode, tuple[Row, ...]] = {
    code: PURCHASE_1250[code][1][:3] + ((box, "1250.00", "0"), (contra, "0", "1250.00"), (1930, "0", "1250.00"))
    for code, (box, contra) in PAIR_ACCOUNTS.items()
}
FOREIGN = {"original_currency": "USD", "original_amount": Decimal("-118.40")}
FOREIGN_REFUND = {"original_currency": "USD", "original_amount": Decimal("118.40")}


def _matrix() -> list[Case]:
    cases = []
    for (code, (account, rows)), refund, foreign in itertools.product(PURCHASE_1250.items(), (False, True),
                                                                        (False, True)):
        extra = (FOREIGN_REFUND if refund else FOREIGN) if foreign else {}
        name = f"{code.value}-{'refund' if refund else 'purchase'}-{'usd' if foreign else 'sek'}"
        tx = _tx(name, "1250.00" if refund else "-1250.00", account, code, **extra)
        cases.append(Case(name, tx, PLAIN, mirrored(rows) if refund else rows))
        if code in PAIR_ROWS:
            pair_rows = PAIR_ROWS[code]
            cases.append(Case(name + "-pair", tx.model_copy(update={"id": name + "-pair"}), PAIR,
                              mirrored(pair_rows) if refund else pair_rows))
    return cases


# --- 1-öre rounding and large amounts (purchases; VAT rounded half-up on each line) ---------------------------

ROUNDING: list[tuple[str, VatCode, tuple[str, str]]] = [
    # amount, code, (cost, VAT): VAT = amount × rate / (1 + rate), half-up to the öre
    ("0.01", VatCode.VAT25, ("0.01", "0")),
    ("0.01", VatCode.VAT12, ("0.01", "0")),
    ("0.01", VatCode.VAT6, ("0.01", "0")),
    ("0.05", VatCode.VAT25, ("0.04", "0.01")),
    ("0.05", VatCode.VAT12, ("0.04", "0.01")),
    ("0.05", VatCode.VAT6, ("0.05", "0")),
    ("99.99", VatCode.VAT25, ("79.99", "20.00")),
    ("99.99", VatCode.VAT12, ("89.28", "10.71")),
    ("99.99", VatCode.VAT6, ("94.33", "5.66")),
    ("9999999.99", VatCode.VAT25, ("7999999.99", "2000000.00")),
    ("9999999.99", VatCode.VAT12, ("8928571.42", "1071428.57")),
    ("9999999.99", VatCode.VAT6, ("9433962.25", "566037.74")),
]


def _rounding() -> list[Case]:
    cases = []
    for amount, code, (cost, vat) in ROUNDING:
        rows: tuple[Row, ...] = ((5410, cost, "0"),)
        if vat != "0":  # a VAT row that rounds to 0.00 is left out: Fortnox refuses a row with no amount
            rows += ((2640, vat, "0"),)
        rows += ((1930, "0", amount),)
        name = f"round-{amount}-{code.value}"
        cases.append(Case(name, _tx(name, "-" + amount, 5410, code), PLAIN, rows))
        cases.append(Case(name + "-refund", _tx(name + "-refund", amount, 5410, code), PLAIN, mirrored(rows)))
    # Reverse charge: 25 % of the amount, half-up (0.02 → 0.005 → 0.01; 0.10 → 0.025 → 0.03); 0.01 → nothing.
    for amount, rc in (("0.01", "0"), ("0.02", "0.01"), ("0.10", "0.03"), ("9999999.99", "2500000.00")):
        rows = ((6540, amount, "0"),)
        if rc != "0":
            rows += ((2645, rc, "0"), (2614, "0", rc))
        rows += ((1930, "0", amount),)
        name = f"round-{amount}-rc"
        cases.append(Case(name, _tx(name, "-" + amount, 6540, VatCode.RC_EU_SERVICES), PLAIN, rows))
    return cases


# --- splits -------------------------------------------------------------------------------------------------


def _split(tx_id: str, amount: str, *lines: SplitLine, **more) -> Transaction:
    return make_tx(tx_id, amount=Decimal(amount), splits=lines, **more)


SPLITS = [
    Case(
        "split-hotel",
        _split("split-hotel", "-1530.00",
               SplitLine(amount=Decimal("-1400.00"), account=5831, vat_code=VatCode.VAT12, cost_center="300",
                         project="2", text="Logi 2 nätter"),
               SplitLine(amount=Decimal("-130.00"), account=5832, vat_code=VatCode.VAT25, text="Minibar"),
               merchant="Scandic Umeå"),
        PLAIN,
        ((5831, "1250.00", "0"), (2640, "150.00", "0"), (5832, "104.00", "0"), (2640, "26.00", "0"),
         (1930, "0", "1530.00")),
    ),
    Case(
        "split-dinner",
        _split("split-dinner", "-2347.50",
               SplitLine(amount=Decimal("-1680.00"), account=6071, vat_code=VatCode.VAT12, text="Mat"),
               SplitLine(amount=Decimal("-667.50"), account=6071, vat_code=VatCode.VAT25, text="Vin"),
               merchant="Restaurang Gotthards Krog", participants=8),  # 2 034 excl. VAT: under 8 × 300
        PLAIN,
        ((6071, "1500.00", "0"), (2640, "180.00", "0"), (6071, "534.00", "0"), (2640, "133.50", "0"),
         (1930, "0", "2347.50")),
    ),
    Case(  # rounding is per line: 0.05 at 12 % is 0.01 of VAT twice, though 0.10 at 12 % would be 0.01 once
        "split-per-line-rounding",
        _split("split-per-line-rounding", "-0.10",
               SplitLine(amount=Decimal("-0.05"), account=5410, vat_code=VatCode.VAT12),
               SplitLine(amount=Decimal("-0.05"), account=5800, vat_code=VatCode.VAT12)),
        PLAIN,
        ((5410, "0.04", "0"), (2640, "0.01", "0"), (5800, "0.04", "0"), (2640, "0.01", "0"), (1930, "0", "0.10")),
    ),
    Case(
        "split-three-rates",
        _split("split-three-rates", "-100.00",
               SplitLine(amount=Decimal("-33.33"), account=5410, vat_code=VatCode.VAT25),
               SplitLine(amount=Decimal("-33.33"), account=5831, vat_code=VatCode.VAT12),
               SplitLine(amount=Decimal("-33.34"), account=5800, vat_code=VatCode.VAT6)),
        PLAIN,
        ((5410, "26.66", "0"), (2640, "6.67", "0"), (5831, "29.76", "0"), (2640, "3.57", "0"),
         (5800, "31.45", "0"), (2640, "1.89", "0"), (1930, "0", "100.00")),
    ),
    Case(
        "split-hotel-refund-foreign",
        _split("split-hotel-refund-foreign", "1530.00",
               SplitLine(amount=Decimal("1400.00"), account=5831, vat_code=VatCode.VAT12, cost_center="100"),
               SplitLine(amount=Decimal("130.00"), account=5832, vat_code=VatCode.VAT25, project="1"),
               merchant="Hotel Kämp", original_amount=Decimal("140.00"), original_currency="EUR"),
        PLAIN,
        ((5831, "0", "1250.00"), (2640, "0", "150.00"), (5832, "0", "104.00"), (2640, "0", "26.00"),
         (1930, "1530.00", "0")),
    ),
    Case(
        "split-reverse-charge-and-swedish-vat",
        _split("split-reverse-charge-and-swedish-vat", "-1100.00",
               SplitLine(amount=Decimal("-1000.00"), account=6540, vat_code=VatCode.RC_EU_SERVICES),
               SplitLine(amount=Decimal("-100.00"), account=5410, vat_code=VatCode.VAT25)),
        PAIR,
        ((6540, "1000.00", "0"), (2645, "250.00", "0"), (2614, "0", "250.00"), (4535, "1000.00", "0"),
         (4598, "0", "1000.00"), (5410, "80.00", "0"), (2640, "20.00", "0"), (1930, "0", "1100.00")),
    ),
]

CASES: list[Case] = _matrix() + _rounding() + SPLITS


def exact_rows(voucher: Voucher) -> tuple[Row, ...]:
    return tuple((r.account, f"{r.debit:.2f}", f"{r.credit:.2f}") for r in voucher.rows)


def expected(rows: tuple[Row, ...]) -> tuple[Row, ...]:
    return tuple((a, f"{Decimal(d):.2f}", f"{Decimal(c):.2f}") for a, d, c in rows)


def test_the_table_covers_every_vat_code_both_directions_and_both_currencies():
    seen = {(c.tx.vat_code, c.tx.is_refund, c.tx.is_foreign) for c in CASES if not c.tx.splits}
    assert seen >= set(itertools.product(VatCode, (False, True), (False, True)))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_voucher_has_exactly_the_rows_of_the_table_and_balances(case: Case):
    voucher = build_voucher(case.tx, case.settings, "K")
    assert exact_rows(voucher) == expected(case.rows)
    assert voucher.total_debit == voucher.total_credit
    assert voucher.transaction_date == case.tx.date and voucher.series == "K"
    for row in voucher.rows:
        assert (row.debit > 0) != (row.credit > 0), "every row has exactly one side"


def test_refund_mirrors_the_purchase_rows():
    purchase = build_voucher(_tx("p", "-1250.00", 5420, VatCode.VAT25), PLAIN, "K")
    refund = build_voucher(_tx("r", "1250.00", 5420, VatCode.VAT25), PLAIN, "K")
    assert [(r.account, r.debit, r.credit) for r in refund.rows] == [
        (r.account, r.credit, r.debit) for r in purchase.rows
    ]


def test_reporting_pair_is_only_added_for_reverse_charge():
    for code in (VatCode.VAT25, VatCode.NONE):
        tx = _tx("t", "-1250.00", 5410, code)
        assert exact_rows(build_voucher(tx, PAIR, "K")) == exact_rows(build_voucher(tx, PLAIN, "K"))


def test_accounts_come_from_the_company_settings():
    settings = Settings(payment_account=2890, input_vat_account=2641, reverse_charge_input_account=2647,
                        reverse_charge_services_output_account=2617,
                        reporting_pair=ReportingPair(enabled=True, eu_services_account=4425, contra_account=4599))
    swedish = build_voucher(_tx("a", "-125.00", 5410, VatCode.VAT25), settings, "K")
    assert [r.account for r in swedish.rows] == [5410, 2641, 2890]
    rc = build_voucher(_tx("b", "-100.00", 6540, VatCode.RC_EU_SERVICES), settings, "K")
    assert [r.account for r in rc.rows] == [6540, 2647, 2617, 4425, 4599, 2890]


def test_vat_part_is_rounded_half_up_and_symmetric_for_refunds():
    assert vat_part(Decimal("1250.00"), VatCode.VAT25) == Decimal("250.00")
    assert vat_part(Decimal("-1250.00"), VatCode.VAT25) == Decimal("-250.00")
    assert vat_part(Decimal("99.99"), VatCode.VAT12) == Decimal("10.71")
    assert vat_part(Decimal("-99.99"), VatCode.VAT6) == Decimal("-5.66")
    assert vat_part(Decimal("1250.00"), VatCode.NONE) == Decimal("0")
    assert vat_part(Decimal("1250.00"), VatCode.RC_EU_SERVICES) == Decimal("0")


# --- texts ------------------------------------------------------------------------------------------------------


def _all_texts(voucher: Voucher) -> list[str]:
    texts = [voucher.description, voucher.comments or ""]
    for row in voucher.rows:
        texts += [row.description or "", row.transaction_information or ""]
    return texts


def test_description_says_what_from_whom_and_when_and_carries_the_tag():
    tx = _tx("tx-123", "-1250.00", 5420, VatCode.VAT25, description="Creative Cloud")
    voucher = build_voucher(tx, PLAIN, "K")
    assert voucher.description == "Kortköp Adobe 2026-10-05 Creative Cloud (juni tx-123)"
    refund = build_voucher(_tx("tx-124", "50.00", 5420, VatCode.VAT25), PLAIN, "K")
    assert refund.description == "Återbetalning Adobe 2026-10-05 (juni tx-124)"


def test_two_transactions_on_the_same_day_never_get_the_same_description():
    ids = ["a1", "a2", "x" * 60, "y" * 60, "id with spaces", "id with  spaces"]
    descriptions = {build_voucher(_tx(i, "-99.00", 5410, VatCode.VAT25), PLAIN, "K").description for i in ids}
    assert len(descriptions) == len(ids)


def test_texts_fortnox_refuses_are_replaced_not_rejected():
    tx = _tx("t<1>", "-1250.00", 5410, VatCode.VAT25, merchant='Café "Zürich" <AB> | {Bar}\tTab ~ ✓',
             description="Lunch [team] — “kick-off” 🎉", card="****1234", cardholder="Åsa Öberg",
             no_receipt_reason="Kvitto på 'mejl' saknas", original_amount=Decimal("-100.00"),
             original_currency="EUR")
    voucher = build_voucher(tx, PLAIN, "K")
    for text in _all_texts(voucher):
        assert spec.invalid_characters(text) == [], text
    assert "Café" in voucher.description and "Zürich" in voucher.description
    assert voucher.description.endswith(f"({export_tag('t<1>')})")
    assert "Åsa Öberg" in (voucher.comments or "")
    assert check_voucher(voucher, {a: Account(number=a, description="x") for a in (5410, 2640, 1930)}, {}, {}) == []


def test_long_texts_are_cut_to_fortnox_limits_but_never_lose_the_tag():
    tx = _tx("tx-long", "-1250.00", 5410, VatCode.VAT25, merchant="M" * 300, description="D" * 300,
             no_receipt_reason="R" * 2000)
    voucher = build_voucher(tx, PLAIN, "K")
    assert len(voucher.description) <= spec.MAX_VOUCHER_DESCRIPTION
    assert voucher.description.endswith(" (juni tx-long)")
    assert len(voucher.comments or "") <= spec.MAX_VOUCHER_COMMENTS
    for row in voucher.rows:
        assert len(row.description or "") <= spec.MAX_ROW_DESCRIPTION
        assert len(row.transaction_information or "") <= spec.MAX_ROW_TRANSACTION_INFORMATION


def test_foreign_purchase_books_the_settled_sek_and_names_the_original_in_the_row_text():
    tx = _tx("usd", "-1250.00", 6540, VatCode.RC_NON_EU_SERVICES, merchant="GitHub", **FOREIGN)
    voucher = build_voucher(tx, PLAIN, "K")
    cost, payment = voucher.rows[0], voucher.rows[-1]
    assert (cost.debit, payment.credit) == (Decimal("1250.00"), Decimal("1250.00"))
    assert "118,40 USD" in (cost.transaction_information or "")
    assert "118,40 USD" in (payment.transaction_information or "")
    assert "Originalbelopp 118,40 USD, bokfört 1 250,00 SEK" in (voucher.comments or "")


def test_rows_name_the_merchant_the_vat_and_the_card():
    tx = _tx("t", "-1250.00", 5420, VatCode.VAT12, card="****4321", merchant="Adobe")
    cost, vat, payment = build_voucher(tx, PLAIN, "K").rows
    assert cost.description == "Adobe"
    assert vat.description == "Ingående moms 12 %" and vat.transaction_information == "Adobe"
    assert payment.description == "Juni-kort ****4321"


def test_bank_fees_and_no_receipt_reasons_go_in_the_comments():
    fee = _tx("fee", "-35.00", 6570, VatCode.NONE, merchant="Juni", no_receipt_reason="Avgift utan kvitto")
    comments = build_voucher(fee, PLAIN, "K").comments or ""
    assert "Bankavgift, ingen moms" in comments and "Inget kvitto behövs: Avgift utan kvitto" in comments
    plain = build_voucher(_tx("p", "-35.00", 5410, VatCode.VAT25), PLAIN, "K")
    assert plain.comments is None


def test_cost_center_and_project_go_on_the_cost_row_only():
    tx = _tx("cc", "-1250.00", 6540, VatCode.RC_EU_SERVICES, cost_center="300", project="2")
    rows = build_voucher(tx, PAIR, "K").rows
    assert [(r.account, r.cost_center, r.project) for r in rows if r.cost_center or r.project] == [(6540, "300", "2")]
    hotel = next(c for c in CASES if c.name == "split-hotel")
    rows = build_voucher(hotel.tx, PLAIN, "K").rows
    assert [(r.account, r.cost_center, r.project) for r in rows if r.cost_center or r.project] == [(5831, "300", "2")]
    assert [r.description for r in rows[::2][:2]] == ["Scandic Umeå: Logi 2 nätter", "Scandic Umeå: Minibar"]


# --- refusals -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tx", "message"),
    [
        (make_tx("no-account", vat_code=VatCode.VAT25),
         "transaction no-account (Adobe, 2026-10-05): it has no account"),
        (make_tx("no-vat", account=5410), "it has no VAT code"),
        (make_tx("nothing"), "it has no account and no VAT code"),
        (_split("bad-sum", "-100.00", SplitLine(amount=Decimal("-60.00"), account=5410, vat_code=VatCode.VAT25),
                SplitLine(amount=Decimal("-30.00"), account=5410, vat_code=VatCode.VAT25)),
         "the split lines sum to -90.00 SEK, not -100.00 SEK"),
        (_split("line-2", "-100.00", SplitLine(amount=Decimal("-60.00"), account=5410, vat_code=VatCode.VAT25),
                SplitLine(amount=Decimal("-40.00"), vat_code=VatCode.VAT25)),
         "split line 2 has no account"),
        (_split("line-1", "-100.00", SplitLine(amount=Decimal("-60.00"), account=5410),
                SplitLine(amount=Decimal("-40.00"), account=5410, vat_code=VatCode.VAT25)),
         "split line 1 has no VAT code"),
        (_tx("zero", "0.00", 5410, VatCode.VAT25), "is 0.00 SEK: there is nothing to book"),
    ],
    ids=lambda v: v.id if isinstance(v, Transaction) else "",
)
def test_a_transaction_that_cannot_be_booked_is_refused_with_what_it_lacks(tx: Transaction, message: str):
    with pytest.raises(BookkeepingError) as caught:
        build_voucher(tx, PLAIN, "K")
    assert message in str(caught.value)
    assert tx.id in str(caught.value)


# --- checks against Fortnox's lists -------------------------------------------------------------------------------

ACCOUNTS = {
    n: Account(number=n, description=f"Konto {n}", cost_center_settings="NOTALLOWED" if n < 3000 else "ALLOWED",
               project_settings="NOTALLOWED" if n < 3000 else "ALLOWED")
    for n in (1930, 2640, 2645, 2614, 5410, 6540)
}
COST_CENTERS = {"100": CostCenter(code="100"), "900": CostCenter(code="900", active=False)}
PROJECTS = {"1": Project(number="1"), "3": Project(number="3", active=False)}


def _check(tx: Transaction, accounts=ACCOUNTS) -> list[str]:
    return check_voucher(build_voucher(tx, PLAIN, "K"), accounts, COST_CENTERS, PROJECTS)


def test_a_voucher_fortnox_would_take_has_no_problems():
    assert _check(_tx("ok", "-1250.00", 5410, VatCode.VAT25, cost_center="100", project="1")) == []


def test_check_names_unknown_and_inactive_accounts_per_row():
    accounts = dict(ACCOUNTS)
    accounts[5410] = Account(number=5410, description="Förbrukningsinventarier", active=False)
    del accounts[2640]
    problems = _check(_tx("t", "-1250.00", 5410, VatCode.VAT25), accounts)
    assert problems == [
        "row 1 (account 5410): account 5410 Förbrukningsinventarier is inactive in Fortnox",
        "row 2 (account 2640): account 2640 is not in the chart of accounts in Fortnox",
    ]


def test_check_enforces_mandatory_and_notallowed_dimensions():
    accounts = dict(ACCOUNTS)
    accounts[5410] = Account(number=5410, description="Inventarier", cost_center_settings="MANDATORY",
                             project_settings="NOTALLOWED")
    problems = _check(_tx("t", "-1250.00", 5410, VatCode.VAT25, project="1"), accounts)
    assert problems == [
        "row 1 (account 5410): account 5410 Inventarier requires a cost center",
        "row 1 (account 5410): account 5410 Inventarier takes no project (it has 1)",
    ]


def test_check_names_unknown_and_inactive_cost_centers_and_projects():
    problems = _check(_tx("t", "-1250.00", 5410, VatCode.VAT25, cost_center="900", project="7"))
    assert problems == [
        "row 1 (account 5410): cost center 900 is not active in Fortnox",
        "row 1 (account 5410): project 7 does not exist in Fortnox",
    ]


def test_check_finds_unbalanced_vouchers_refused_characters_and_rows_without_an_amount():
    voucher = Voucher(
        series="K",
        transaction_date=date(2026, 10, 5),
        description='Kortköp "Adobe"',
        rows=(
            VoucherRow(account=5410, debit=Decimal("100.00"), description="Adobe <CC>"),
            VoucherRow(account=2640, debit=Decimal("0.00")),
            VoucherRow(account=1930, credit=Decimal("99.99")),
        ),
    )
    problems = check_voucher(voucher, ACCOUNTS, COST_CENTERS, PROJECTS)
    assert problems == [
        "the voucher description has characters Fortnox refuses: '\"'",
        "row 1 (account 5410) text has characters Fortnox refuses: '<' '>'",
        "row 2 (account 2640): needs either a debit or a credit (has debit 0.00, credit 0.00)",
        "the voucher does not balance: debit 100.00, credit 99.99",
    ]
