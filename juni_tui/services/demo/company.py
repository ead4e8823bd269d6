"""The demo company: three months of realistic Juni card spend for Nordljus Konsult AB, the sandbox's company.

``create_demo_home(home)`` fills an empty home the way a real one fills up, through the same services:

1. the company's Fortnox lists (chart of accounts, cost centers, projects, financial years, voucher series: the
   sandbox's own, as ``fortnox.reference.sync_reference_data`` would fetch them) and its settings (one commit);
2. a handful of accounting rules, as an accountant would have set them up (merchant, category and custom rules);
3. the transactions, written as ``<home>/demo-transactions.csv`` and read by the importer (one commit); values
   the cardholders entered in Juni come with the file, the rules fill in most of the rest (one commit), and
   about a third stay incomplete for the accountant: coffee that may be representation, a hotel bill worth
   splitting, postage (whose usual account 6250 is inactive in the chart), foreign receipts in NOK and GBP;
4. receipts, real PDFs (``receipt_pdf``) whose text matches the transaction, attached to about half of the
   transactions through ``receipts.attach_file``; a dozen more wait in ``<home>/inbox/`` for the app's matching,
   with two that match nothing and one that fits two purchases.

Everything is deterministic for a given ``today`` and ``seed``. Amounts are Decimal throughout: the random
generator picks prices from lists of exact text and integer offsets, never a float amount.
"""

from __future__ import annotations

import random
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from juni_tui.domain.money import round_ore
from juni_tui.domain.reference import Account, CostCenter, FinancialYear, Project, VoucherSeries
from juni_tui.domain.rules import Condition, ConditionField, ConditionOp, Rule, RuleActions, RuleKind, RuleWhen
from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import Transaction
from juni_tui.domain.vat import VatCode
from juni_tui.sandbox import company
from juni_tui.services import receipts, rules
from juni_tui.services.demo.receipt_pdf import ReceiptLine, ReceiptSpec, render_receipt_pdf
from juni_tui.services.importing import import_file, write_csv
from juni_tui.services.store import Store
from juni_tui.services.store.home import Home

DEMO_FILE = "demo-transactions.csv"
PAYMENT_ACCOUNT = 1930
DEFAULT_SERIES = "K"
#: Juni's accounting categories (Juni has 16 fixed ones; the public pages name only some, e.g. "Food & Drink").
CATEGORIES = (
    "Advertising", "Bank & Fees", "Entertainment", "Equipment", "Food & Drink", "Fuel", "Hotels", "Media",
    "Office", "Other", "Postage & Shipping", "Professional Services", "Software", "Telecom", "Transport", "Travel",
)  # fmt: skip

V25, V12, V6, V0 = VatCode.VAT25, VatCode.VAT12, VatCode.VAT6, VatCode.NONE
RC_EU, RC_NON_EU = VatCode.RC_EU_SERVICES, VatCode.RC_NON_EU_SERVICES

#: SEK per unit of foreign currency, around which each settlement varies a little (card rate plus Juni's markup).
FX_RATES = {"USD": Decimal("10.62"), "EUR": Decimal("11.18"), "NOK": Decimal("0.985"), "GBP": Decimal("13.41")}


@dataclass(frozen=True)
class Card:
    card: str
    holder: str


ANNA = Card("Visa *4821", "Anna Lind")  # CEO: subscriptions and clients
ERIK = Card("Visa *7730", "Erik Berg")  # consultant: travel
SARA = Card("Visa *1954", "Sara Nilsson")  # office manager
JOHAN = Card("Visa *3307", "Johan Ek")  # consultant: car and travel
SAAS = Card("Virtual *9012", "Anna Lind")  # a virtual card for subscriptions
CONSULTING = "300"  # cost center Konsultverksamhet
CLIENT_PROJECT = "2"  # project Kund Alfa, införande


# --- Merchants ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Merchant:
    """A merchant as it shows on card statements, with what a purchase there usually is.

    ``prices`` are in ``currency`` (text, so that they stay exact); ``per_month`` is how many purchases a month
    (a subscription has ``day`` instead: the day of the month it renews). Who codes its purchases: with
    ``file_values`` the cardholders enter account and VAT code in Juni, so they come with the import file; with
    ``rule`` a merchant rule for that name does; with neither, the accountant will.
    """

    names: tuple[str, ...]
    category: str
    country: str
    account: int | None
    vat: VatCode | None
    prices: tuple[str, ...]
    cards: tuple[Card, ...]
    per_month: float = 0.0
    day: int | None = None
    currency: str = "SEK"
    receipt: float = 0.5  # the share of purchases that come with a receipt
    file_values: bool = False
    rule: str = ""
    descriptions: tuple[str, ...] = ()
    ore: bool = False  # prices with öre (fuel)
    weekends: bool = False
    refundable: bool = False
    seller: str = ""  # the name on the receipt, when it differs from the card statement
    address: str = ""
    org_number: str = ""

    @property
    def foreign(self) -> bool:
        return self.currency != "SEK"


def _m(*names: str, **kw) -> Merchant:
    kw["prices"] = tuple(kw["prices"])
    kw["cards"] = tuple(kw["cards"])
    return Merchant(names=names, **kw)


MERCHANTS: tuple[Merchant, ...] = (
    # Software as a service, billed monthly in USD or EUR (reverse charge: US sellers outside the EU, Irish and
    # Luxembourg sellers inside it) or in SEK by an EU seller.
    _m("GitHub, Inc.", category="Software", country="US", account=5420, vat=RC_NON_EU, currency="USD",
       prices=["84.00"], cards=[SAAS], day=3, rule="GitHub", receipt=0.9, descriptions=["GitHub Team, 4 users"]),
    _m("Slack Technologies Ltd", category="Software", country="IE", account=5420, vat=RC_EU, currency="EUR",
       prices=["52.50"], cards=[SAAS], day=7, rule="Slack", receipt=0.9, descriptions=["Slack Pro, 6 members"],
       address="One Park Place, Dublin 2"),
    _m("Atlassian Pty Ltd", category="Software", country="AU", account=5420, vat=RC_NON_EU, currency="USD",
       prices=["64.50"], cards=[SAAS], day=11, rule="Atlassian", receipt=0.8, descriptions=["Jira Software Standard"]),
    _m("Figma Inc", category="Software", country="US", account=5420, vat=RC_NON_EU, currency="USD",
       prices=["45.00"], cards=[SAAS], day=14, rule="Figma", receipt=0.8,
       descriptions=["Figma Professional, 3 editors"]),
    _m("Google Workspace", category="Software", country="IE", account=6540, vat=RC_EU, currency="EUR",
       prices=["81.60"], cards=[SAAS], day=1, receipt=0.9, rule="Google Workspace", seller="Google Cloud EMEA Ltd",
       descriptions=["Business Standard, 6 users"], address="Gordon House, Barrow Street, Dublin 4"),
    _m("AWS EMEA SARL", category="Software", country="LU", account=6540, vat=RC_EU, currency="USD",
       prices=["38.12", "47.90", "61.33", "55.07", "42.18"], cards=[SAAS], day=2, receipt=0.9, rule="AWS",
       descriptions=["Amazon Web Services, usage"], address="38 Avenue John F. Kennedy, Luxembourg"),
    _m("Notion Labs Inc", category="Software", country="US", account=5420, vat=RC_NON_EU, currency="USD",
       prices=["48.00"], cards=[SAAS], day=19, rule="Notion", receipt=0.7, descriptions=["Notion Plus, 4 members"]),
    _m("Adobe Systems Software Ireland", category="Software", country="IE", account=5420, vat=RC_EU,
       prices=["719.00"], cards=[ANNA], day=22, receipt=0.9, rule="Adobe",
       descriptions=["Creative Cloud All Apps"], address="4-6 Riverwalk, Citywest, Dublin 24"),
    _m("Microsoft Ireland Operations", category="Software", country="IE", account=5420, vat=RC_EU,
       prices=["1248.00"], cards=[ANNA], day=26, receipt=0.9, rule="Microsoft", descriptions=["Microsoft 365"]),
    _m("Zoom Video Communications", category="Software", country="US", account=5420, vat=None, currency="USD",
       prices=["15.99"], cards=[ANNA], day=16, receipt=0.5, descriptions=["Zoom Pro"]),
    # Phone and internet.
    _m("TELIA SVERIGE AB", category="Telecom", country="SE", account=6212, vat=V25, prices=["1245.00"],
       cards=[SARA], day=28, rule="Telia", receipt=0.9, descriptions=["Mobilabonnemang 5 st"],
       seller="Telia Sverige AB", org_number="556430-0142"),
    _m("Tele2 Sverige AB", category="Telecom", country="SE", account=6230, vat=V25, prices=["599.00"],
       cards=[SARA], day=25, rule="Tele2", receipt=0.9, descriptions=["Företagsbredband 250/250"]),
    # Travel.
    _m("SJ AB", category="Travel", country="SE", account=5811, vat=V6, cards=[ERIK, JOHAN, ANNA], per_month=9.0,
       prices=["195", "295", "349", "452", "589", "695", "842", "1045", "1245"], receipt=0.7, rule="SJ",
       refundable=True, descriptions=["Stockholm C - Umeå C", "Umeå C - Stockholm C", "Stockholm C - Uppsala C",
                                      "Umeå C - Sundsvall C"], org_number="556196-1599"),
    _m("SAS Scandinavian Airlines", category="Travel", country="SE", account=5811, vat=V6, cards=[ERIK, ANNA],
       per_month=3.0, prices=["1290", "1690", "2140", "2890", "3450"], receipt=0.8, rule="SAS",
       refundable=True, descriptions=["Umeå - Stockholm Arlanda", "Stockholm Arlanda - Umeå"]),
    _m("Norwegian Air Shuttle", category="Travel", country="NO", account=5810, vat=V0, cards=[ERIK],
       per_month=1.0, prices=["1189", "1549", "2210"], receipt=0.8, file_values=True,
       descriptions=["Stockholm Arlanda - Oslo Gardermoen", "Oslo Gardermoen - Stockholm Arlanda"]),
    _m("Taxi Stockholm", category="Transport", country="SE", account=5800, vat=V6, cards=[ERIK, ANNA, JOHAN],
       per_month=6.0, prices=["189", "245", "318", "389", "455", "529", "689"], receipt=0.6, rule="Taxi Stockholm",
       weekends=True, seller="Taxi Stockholm 15 00 00"),
    _m("Arlanda Express", category="Transport", country="SE", account=5811, vat=V6, cards=[ERIK, ANNA],
       per_month=2.5, prices=["320", "599"], receipt=0.5, rule="Arlanda Express"),
    _m("Scandic Grand Central", category="Hotels", country="SE", account=5831, vat=V12, cards=[ERIK, JOHAN],
       per_month=2.5, prices=["1390", "1590", "1890", "2180"], receipt=0.9, file_values=True,
       descriptions=["Logi 1 natt"], address="Kungsgatan 70, Stockholm"),
    _m("Elite Hotel Mimer", category="Hotels", country="SE", account=5831, vat=V12, cards=[ANNA, JOHAN],
       per_month=1.5, prices=["1245", "1495", "1650"], receipt=0.9, file_values=True, descriptions=["Logi 1 natt"],
       address="Storgatan 35, Umeå"),
    # Fuel: a category rule.
    _m("CIRCLE K UMEA", category="Fuel", country="SE", account=None, vat=None, cards=[JOHAN], per_month=3.0,
       prices=["640", "712", "785", "842", "905"], ore=True, weekends=True, receipt=0.6),
    _m("Preem Umeå Ersboda", category="Fuel", country="SE", account=None, vat=None, cards=[JOHAN, ERIK],
       per_month=2.0, prices=["598", "688", "752", "821"], ore=True, weekends=True, receipt=0.6),
    # Restaurants and cafés.
    _m("ESPRESSO HOUSE 112 STOCKHOLM", "ESPRESSO HOUSE 41 UMEA", "Espresso House Kungsgatan",
       category="Food & Drink", country="SE", account=None, vat=None, cards=[ANNA, ERIK, SARA, JOHAN],
       per_month=11.0, prices=["39", "45", "52", "58", "64", "79", "104", "118", "136", "157"], weekends=True,
       receipt=0.35, seller="Espresso House Sverige AB"),
    _m("Pressbyrån Stockholm C", category="Food & Drink", country="SE", account=None, vat=None,
       cards=[ERIK, JOHAN], per_month=2.5, prices=["34", "49", "67", "89", "112"], receipt=0.3),
    _m("Max Hamburgerrestauranger", category="Food & Drink", country="SE", account=6071, vat=V12,
       cards=[ERIK, JOHAN], per_month=4.0, prices=["109", "139", "198", "245", "317"], receipt=0.5,
       file_values=True, descriptions=["Lunch med kund"]),
    _m("Restaurang Tegelbruket", "Rakel & Herman Umeå", "Pelikan Stockholm", category="Food & Drink",
       country="SE", account=6071, vat=V12, cards=[ANNA, ERIK], per_month=4.5,
       prices=["245", "370", "495", "612", "745"], receipt=0.8, file_values=True,
       descriptions=["Lunch med kund"]),
    _m("Tyge & Sessil", "Restaurang Hav", "Gastrologik", category="Entertainment", country="SE", account=None,
       vat=None, cards=[ANNA], per_month=2.0, prices=["1480", "2350", "3120", "4680"], receipt=0.7,
       descriptions=["Middag med kund", "Kundmiddag", "Representation"]),
    # Office.
    _m("CLAS OHLSON 214 UMEA", "Clas Ohlson Drottninggatan", category="Office", country="SE", account=6110,
       vat=V25, rule="Clas Ohlson", cards=[SARA], per_month=3.0,
       prices=["49.90", "129.90", "249.90", "399.00", "899.00"],
       receipt=0.6, refundable=True, seller="Clas Ohlson AB"),
    _m("Kjell & Company 23", "KJELL & COMPANY UMEA", category="Equipment", country="SE", account=5410, vat=V25,
       rule="Kjell & Company", cards=[SARA, JOHAN], per_month=3.0,
       prices=["99.90", "199.90", "349.90", "599.90", "899.90"], receipt=0.6,
       refundable=True, seller="Kjell & Company"),
    _m("Staples Sverige AB", category="Office", country="SE", account=6110, vat=V25, cards=[SARA],
       per_month=2.5, prices=["89", "179", "349", "512", "799"], receipt=0.7, rule="Staples",
       descriptions=["Kontorsmaterial"]),
    _m("IKEA Bäckebol", category="Equipment", country="SE", account=None, vat=None, cards=[SARA],
       per_month=1.0, prices=["199", "499", "899", "1495", "2490"], receipt=0.6, weekends=True),
    _m("Webhallen Sverige AB", category="Equipment", country="SE", account=None, vat=None, cards=[SARA, JOHAN],
       per_month=1.4, prices=["299", "690", "1290", "2490", "3990"], receipt=0.7, refundable=True),
    _m("Amazon.se", category="Equipment", country="LU", account=None, vat=None, cards=[SARA],
       per_month=1.8, prices=["149", "239", "389", "549"], receipt=0.6, seller="Amazon EU S.a.r.l."),
    # Postage: the usual account (6250 Postbefordran) is inactive in this chart, so nobody set one.
    _m("PostNord Sverige AB", category="Postage & Shipping", country="SE", account=None, vat=None, cards=[SARA],
       per_month=3.0, prices=["22", "44", "66", "99", "139", "189"], receipt=0.3),
    # Advertising.
    _m("LinkedIn Ireland", category="Advertising", country="IE", account=5910, vat=RC_EU, cards=[ANNA],
       per_month=1.0, prices=["1500", "2500"], receipt=0.8, file_values=True,
       descriptions=["Sponsored content"]),
    _m("FACEBK *ADS", category="Advertising", country="IE", account=None, vat=None, cards=[ANNA],
       per_month=1.3, prices=["500", "750", "1000"], receipt=0.4, seller="Meta Platforms Ireland Ltd"),
    # Foreign travel, in the local currency: nobody has coded these yet.
    _m("Thon Hotel Oslo Panorama", category="Hotels", country="NO", account=None, vat=None, currency="NOK",
       cards=[ERIK], per_month=0.7, prices=["1690", "1890"], receipt=0.9, descriptions=["Logi 1 natt"]),
    _m("Heathrow Express", category="Transport", country="GB", account=None, vat=None, currency="GBP",
       cards=[ANNA], per_month=0.35, prices=["25.00"], receipt=0.8),
)

#: The bank's own fees (Juni): no VAT, no receipt (a custom rule says so).
JUNI_CARD_FEE = "Juni card fee"
JUNI_FX_FEE = "Juni FX fee"


def demo_rules() -> list[Rule]:
    """The rules the demo company's accountant set up."""

    def merchant(name: str, account: int, vat: VatCode | None = None) -> Rule:
        return Rule(kind=RuleKind.MERCHANT, merchant=name, then=RuleActions(account=account, vat_code=vat))

    return [
        Rule(kind=RuleKind.CUSTOM, name="Juni fees: bank cost, no VAT, no receipt",
             when=RuleWhen(conditions=(Condition(field=ConditionField.MERCHANT, op=ConditionOp.CONTAINS,
                                                 value="Juni"),)),
             then=RuleActions(account=6570, vat_code=V0, no_receipt_reason="bank fee")),
        *(merchant(m.rule, m.account, m.vat) for m in MERCHANTS if m.rule and m.account is not None),
        merchant("Amazon", 5410),  # Amazon's VAT depends on the seller: left to the accountant
        Rule(kind=RuleKind.CATEGORY, category="Fuel", then=RuleActions(account=5611, vat_code=V25)),
    ]


# --- Generating the transactions ------------------------------------------------------------------------------


@dataclass
class DemoTx:
    tx: Transaction
    merchant: Merchant | None  # None for Juni's fees
    receipt: str = "none"  # "attach", "inbox", "none"
    refund_of: str | None = None
    twin: bool = False  # one of two same-priced coffees on the same day: the inbox's doubtful receipt fits both


@dataclass(frozen=True)
class DemoSummary:
    """What ``create_demo_home`` did (``created=False``: the home already had data and was left alone)."""

    home: Path
    created: bool
    transactions: int = 0
    complete: int = 0
    incomplete: int = 0
    foreign: int = 0
    refunds: int = 0
    receipts_attached: int = 0
    inbox_files: tuple[str, ...] = ()
    first_day: date | None = None
    last_day: date | None = None
    rules: int = 0

    @property
    def message(self) -> str:
        if not self.created:
            return f"{self.home} already has transactions; the demo data was not added."
        return (
            f"Demo company {company.COMPANY['CompanyName']}: {self.transactions} card transactions from "
            f"{self.first_day} to {self.last_day} ({self.complete} with account and VAT code, {self.incomplete} "
            f"to complete), {self.receipts_attached} receipts attached, {len(self.inbox_files)} in the inbox."
        )


def demo_period(today: date) -> tuple[date, date]:
    """About three months up to ``today``, inside one of the sandbox's financial years and after its locked
    period (so that every demo voucher can be exported)."""
    years = [fy for fy in company.FINANCIAL_YEARS if fy.from_date <= today]
    if not years:
        raise ValueError(f"The sandbox has no financial year on or before {today}.")
    fy = years[-1]
    end = min(today, fy.to_date)
    start = max(end - timedelta(days=91), fy.from_date, company.LOCKED_PERIOD_END + timedelta(days=1))
    if start > end:
        raise ValueError(f"The sandbox's books are locked up to {company.LOCKED_PERIOD_END}; no demo before that.")
    return start, end


def _price(rng: random.Random, m: Merchant) -> Decimal:
    base = Decimal(rng.choice(m.prices))
    if m.ore:
        base += Decimal(rng.randrange(0, 100)) / 100
    return base


def _settle(rng: random.Random, amount: Decimal, currency: str) -> Decimal:
    """The SEK a foreign amount settles at: the day's rate, varying by up to ±1.5 %."""
    rate = FX_RATES[currency] * (1 + Decimal(rng.randrange(-150, 151)) / 10000)
    return round_ore(amount * rate)


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def new(self, day: date) -> str:
        while True:
            tx_id = f"jn-{day:%y%m%d}-{self.rng.getrandbits(24):06x}"
            if tx_id not in self.taken:
                self.taken.add(tx_id)
                return tx_id


def _purchase(rng: random.Random, ids: _Ids, m: Merchant, day: date, *, price: Decimal | None = None,
              card: Card | None = None, name: str | None = None) -> DemoTx:
    price = price if price is not None else _price(rng, m)
    card = card or rng.choice(m.cards)
    fields: dict = dict(
        id=ids.new(day), date=day, merchant=name or rng.choice(m.names), card=card.card, cardholder=card.holder,
        category=m.category, merchant_country=m.country,
        description=rng.choice(m.descriptions) if m.descriptions else None,
    )
    if m.foreign:
        fields.update(amount=-_settle(rng, price, m.currency), original_amount=-price, original_currency=m.currency)
    else:
        fields["amount"] = -price
    if m.file_values:
        fields.update(account=m.account, vat_code=m.vat)
    if m.category in ("Travel", "Hotels", "Transport") and card in (ERIK, JOHAN):
        fields["cost_center"] = CONSULTING  # the consultants tag their trips, some for a client's project
        if rng.random() < 0.4:
            fields["project"] = CLIENT_PROJECT
    return DemoTx(Transaction(**fields), m)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def generate(today: date, seed: int = 7) -> list[DemoTx]:
    """The demo's transactions, oldest first: the same list for the same ``today`` and ``seed``."""
    rng = random.Random(f"{seed}:{today.isoformat()}")
    start, end = demo_period(today)
    days = _days(start, end)
    weekdays = [d for d in days if d.weekday() < 5] or days
    # About three months of spend, even when the financial year began less than three months ago.
    months = Decimal("3.25")
    ids = _Ids(rng)
    out: list[DemoTx] = []
    for m in MERCHANTS:
        if m.day is not None:
            for d in days:
                if d.day == m.day:
                    out.append(_purchase(rng, ids, m, d))
            continue
        expected = Decimal(str(m.per_month)) * months
        count = int(expected) + (1 if rng.random() < float(expected - int(expected)) else 0)
        for _ in range(count):
            day = rng.choice(days if m.weekends and rng.random() < 0.3 else weekdays)
            out.append(_purchase(rng, ids, m, day))
    out.extend(_fees(rng, ids, days, out))
    out.extend(_refunds(rng, ids, end, out))
    out.extend(_twins(rng, ids, weekdays))
    out.append(_hotel_bill(rng, ids, weekdays))
    out.sort(key=lambda d: (d.tx.date, d.tx.id))
    _plan_receipts(rng, out)
    return out


def _fees(rng: random.Random, ids: _Ids, days: Sequence[date], purchases: Sequence[DemoTx]) -> list[DemoTx]:
    """Juni's monthly card fee and, at each month's end, its fee on that month's foreign-currency purchases."""
    out: list[DemoTx] = []
    def fee(name: str, what: str) -> Merchant:
        return Merchant(names=(name,), category="Bank & Fees", country="SE", account=None, vat=None,
                        prices=("99.00",), cards=(ANNA,), descriptions=(what,))

    card_fee, fx_fee = fee(JUNI_CARD_FEE, "Monthly card fee"), fee(JUNI_FX_FEE, "Currency exchange fee 1.75 %")
    for d in days:
        if d.day == 1:
            out.append(replace(_purchase(rng, ids, card_fee, d), merchant=None))
        if (d + timedelta(days=1)).day == 1 or d == days[-1]:
            foreign = sum((-p.tx.amount for p in purchases
                           if p.tx.is_foreign and p.tx.date.month == d.month and p.tx.date <= d), Decimal(0))
            if foreign:
                amount = max(round_ore(foreign * Decimal("0.0175")), Decimal("1.00"))
                out.append(replace(_purchase(rng, ids, fx_fee, d, price=amount), merchant=None))
    return out


def _refunds(rng: random.Random, ids: _Ids, end: date, purchases: Sequence[DemoTx]) -> list[DemoTx]:
    """A few returns and cancelled tickets: positive amounts that mirror an earlier purchase."""
    latest = end - timedelta(days=4)
    candidates = sorted((p for p in purchases if p.merchant and p.merchant.refundable and p.tx.date <= latest),
                        key=lambda p: p.tx.id)
    out: list[DemoTx] = []
    for p in rng.sample(candidates, min(5, len(candidates))):
        assert p.merchant is not None  # the candidates all have one
        day = min(end, p.tx.date + timedelta(days=rng.randrange(2, 10)))
        amount = -p.tx.amount
        what = "Avbokad resa, återbetalning" if p.merchant.category == "Travel" else "Retur"
        if p.merchant.category == "Travel" and rng.random() < 0.5:
            amount = round_ore(amount * Decimal("0.8"))  # a cancellation fee kept
            what = "Avbokad resa, återbetalning minus avgift"
        tx = p.tx.model_copy(update={"id": ids.new(day), "date": day, "amount": amount, "description": what})
        out.append(DemoTx(tx, p.merchant, refund_of=p.tx.id))
    return out


def _twins(rng: random.Random, ids: _Ids, weekdays: Sequence[date]) -> list[DemoTx]:
    """Two coffees of the same price on the same day on two cards: one inbox receipt fits both."""
    m = next(m for m in MERCHANTS if m.names[0].startswith("ESPRESSO"))
    day = weekdays[len(weekdays) * 2 // 3]
    price = Decimal("127")
    return [replace(_purchase(rng, ids, m, day, price=price, card=card, name=m.names[0]), twin=True)
            for card in (ERIK, SARA)]


#: The hotel bill worth splitting: room (12 %), dinner (12 %) and drinks (25 %) on one card payment.
HOTEL_BILL_TEXT = "Logi 2 nätter, middag och bar"
HOTEL_BILL = (("Logi 2 nätter", Decimal("2980.00")), ("Middag 2 pers", Decimal("845.00")),
              ("Bar", Decimal("310.00")))


def _hotel_bill(rng: random.Random, ids: _Ids, weekdays: Sequence[date]) -> DemoTx:
    m = next(m for m in MERCHANTS if m.names[0] == "Scandic Grand Central")
    m = replace(m, file_values=False, descriptions=(HOTEL_BILL_TEXT,))
    total = sum((amount for _, amount in HOTEL_BILL), Decimal(0))
    d = _purchase(rng, ids, m, weekdays[len(weekdays) // 3], price=total, card=ERIK)
    d.receipt = "attach"
    return d


def _plan_receipts(rng: random.Random, txs: list[DemoTx]) -> None:
    """Which transactions get a receipt attached, and which a receipt in the inbox for the app to match."""
    plain = [d for d in txs if d.merchant is not None and not d.twin and d.refund_of is None]
    for d in plain:
        if rng.random() < d.merchant.receipt * 0.85:  # type: ignore[union-attr]
            d.receipt = "attach"
    # A dozen inbox receipts, each fitting exactly one transaction: its amount appears nowhere else open.
    amounts = Counter(_receipt_total(d)[0] for d in txs if d.receipt != "attach")
    unique = [d for d in plain if d.receipt == "none" and amounts[_receipt_total(d)[0]] == 1]
    for d in rng.sample(unique, min(12, len(unique))):
        d.receipt = "inbox"


# --- Receipts as PDFs -----------------------------------------------------------------------------------------


def _receipt_total(d: DemoTx) -> tuple[Decimal, str]:
    tx = d.tx
    if tx.is_foreign and tx.original_amount is not None:
        return abs(tx.original_amount), tx.original_currency or "SEK"
    return abs(tx.amount), "SEK"


def _vat_rate(m: Merchant) -> Decimal | None:
    vat = m.vat or {"Fuel": V25, "Food & Drink": V12, "Entertainment": V12, "Office": V25, "Equipment": V25,
                    "Postage & Shipping": None}.get(m.category)
    if vat is None or vat.is_reverse_charge or vat == V0:
        return None
    return vat.rate


def receipt_spec(d: DemoTx, rng: random.Random) -> ReceiptSpec:
    """A receipt that says what the transaction is: merchant, date, amount and currency, VAT."""
    m = d.merchant
    assert m is not None
    total, currency = _receipt_total(d)
    lines: tuple[ReceiptLine, ...]
    if d.tx.description == HOTEL_BILL_TEXT:
        lines = tuple(ReceiptLine(text, amount) for text, amount in HOTEL_BILL)
    else:
        lines = (ReceiptLine(d.tx.description or m.category, total),)
    return ReceiptSpec(
        merchant=m.seller or d.tx.merchant, day=d.tx.date, total=total, currency=currency, lines=lines,
        vat_rate=_vat_rate(m), address=m.address, org_number=m.org_number,
        reference=f"{rng.randrange(100000, 999999)}",
    )


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:40]


def receipt_name(d: DemoTx) -> str:
    seller = (d.merchant.seller if d.merchant else "") or d.tx.merchant
    return f"kvitto-{d.tx.date.isoformat()}-{_slug(seller)}-{d.tx.id[-6:]}.pdf"


def _stray_receipts(rng: random.Random, start: date, end: date, twins: Sequence[DemoTx]) -> list[tuple[str, bytes]]:
    """Inbox files the app cannot simply attach: two that fit no transaction, one that fits two."""
    mid = start + (end - start) / 2
    out = [
        ("kvitto-hotel-rival.pdf", render_receipt_pdf(ReceiptSpec(
            merchant="Hotel Rival", day=mid, total=Decimal("2400.00"), vat_rate=Decimal("0.12"),
            lines=(ReceiptLine("Logi 1 natt", Decimal("2400.00")),), address="Mariatorget 3, Stockholm",
            reference=str(rng.randrange(100000, 999999))))),
        ("apple-receipt.pdf", render_receipt_pdf(ReceiptSpec(
            merchant="Apple Distribution International", day=end - timedelta(days=3), total=Decimal("12.99"),
            currency="EUR", lines=(ReceiptLine("iCloud+ 2 TB", Decimal("12.99")),),
            reference=str(rng.randrange(100000, 999999))))),
    ]
    if twins:
        first = twins[0]
        out.append((f"espresso-house-{first.tx.date.isoformat()}.pdf", render_receipt_pdf(ReceiptSpec(
            merchant="Espresso House Sverige AB", day=first.tx.date, total=-first.tx.amount,
            vat_rate=Decimal("0.12"), lines=(ReceiptLine("Kaffe och bulle x2", -first.tx.amount),),
            reference=str(rng.randrange(100000, 999999))))))
    return out


# --- The home -------------------------------------------------------------------------------------------------


def reference_models() -> list:
    """The sandbox company's Fortnox lists as juni-tui stores them (what ``sync_reference_data`` would fetch)."""
    out: list = [
        Account(number=a.number, description=a.description, active=a.active, vat_code=a.vat_code,
                cost_center_settings=a.cost_center_settings, project_settings=a.project_settings)
        for a in company.ACCOUNTS.values()
    ]
    out += [CostCenter(code=c["Code"], description=c["Description"], active=c["Active"]) for c in company.COST_CENTERS]
    out += [Project(number=p["ProjectNumber"], description=p["Description"], active=p["Status"] != "COMPLETED")
            for p in company.PROJECTS]
    out += [FinancialYear(id=fy.id, from_date=fy.from_date, to_date=fy.to_date) for fy in company.FINANCIAL_YEARS]
    out += [VoucherSeries(code=s.code, description=s.description, manual=s.manual) for s in company.VOUCHER_SERIES]
    return out


def demo_settings(current: Settings) -> Settings:
    return current.model_copy(update={
        "company_name": company.COMPANY["CompanyName"],
        "org_number": company.COMPANY["OrganizationNumber"],
        "payment_account": PAYMENT_ACCOUNT,
        "default_series": DEFAULT_SERIES,
    })


def _has_data(store: Store) -> bool:
    return len(store.transactions) > 0 or len(store.history_index) > 0


def create_demo_home(home: Home, *, today: date | None = None, seed: int = 7) -> DemoSummary:
    """Fill an empty home with the demo company (see the module's docstring). A home that has transactions is
    never touched: the summary says ``created=False``."""
    home = home.ensure()
    today = today or date.today()
    with Store.open(home) as store:
        if _has_data(store):
            return DemoSummary(home=home.root, created=False)
        demo = generate(today, seed)
        rng = random.Random(f"receipts:{seed}:{today.isoformat()}")
        store.commit([*reference_models(), demo_settings(store.settings)],
                     audit={"action": "demo-setup", "company": company.COMPANY["CompanyName"]})
        existing = {r.name for r in rules.list_rules(store)}
        with store.batch():
            added_rules = [rules.add(store, rule) for rule in demo_rules() if rule.name not in existing]
        csv_path = home.root / DEMO_FILE
        write_csv((d.tx for d in demo), csv_path)
        result = import_file(store, csv_path)
        rules.apply_to_new(store, result.added)
        attached = _attach_receipts(store, demo, rng)
        inbox = _fill_inbox(home, demo, rng)
        txs = [store.transactions[d.tx.id] for d in demo]
        complete = sum(1 for tx in txs if tx.values_complete)
        store.audit({"action": "demo-created", "transactions": len(txs), "receipts_attached": attached,
                     "inbox_files": len(inbox)})
        return DemoSummary(
            home=home.root, created=True, transactions=len(txs), complete=complete, incomplete=len(txs) - complete,
            foreign=sum(1 for tx in txs if tx.is_foreign), refunds=sum(1 for tx in txs if tx.is_refund),
            receipts_attached=attached, inbox_files=tuple(inbox), first_day=min(tx.date for tx in txs),
            last_day=max(tx.date for tx in txs), rules=len(added_rules),
        )


def _attach_receipts(store: Store, demo: Sequence[DemoTx], rng: random.Random) -> int:
    count = 0
    with tempfile.TemporaryDirectory(prefix="juni-demo-") as folder, store.batch():
        for d in demo:
            if d.receipt != "attach":
                continue
            path = Path(folder) / receipt_name(d)
            path.write_bytes(render_receipt_pdf(receipt_spec(d, rng)))
            receipts.attach_file(store, d.tx.id, path, origin="demo")
            count += 1
    return count


def _fill_inbox(home: Home, demo: Sequence[DemoTx], rng: random.Random) -> list[str]:
    inbox = home.default_inbox
    inbox.mkdir(parents=True, exist_ok=True, mode=0o700)
    files = [(receipt_name(d), render_receipt_pdf(receipt_spec(d, rng))) for d in demo if d.receipt == "inbox"]
    twins = [d for d in demo if d.twin]
    start, end = demo[0].tx.date, demo[-1].tx.date
    files += _stray_receipts(rng, start, end, twins)
    for name, data in files:
        (inbox / name).write_bytes(data)
    return sorted(name for name, _ in files)


__all__ = ["CATEGORIES", "DEMO_FILE", "DemoSummary", "DemoTx", "create_demo_home", "demo_period", "demo_rules",
           "generate", "reference_models"]
