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
from juni_tui.domain.settings import Settings
from juni_tui.domain.transactions import Transaction
from juni_tui.domain.vat import food_vat_code
from juni_tui.sandbox import chart, company
from juni_tui.services import receipts, rules
from juni_tui.services.demo.merchants import (
    ANNA,
    CATEGORIES,
    CLIENT_PROJECT,
    CONSULTING,
    DEFAULT_SERIES,
    DEMO_FILE,
    ERIK,
    FX_RATES,
    JOHAN,
    JUNI_CARD_FEE,
    JUNI_FX_FEE,
    MERCHANTS,
    PAYMENT_ACCOUNT,
    SARA,
    V0,
    V12,
    V25,
    Card,
    Merchant,
    demo_rules,
)
from juni_tui.services.demo.receipt_pdf import ReceiptLine, ReceiptSpec, render_receipt_pdf
from juni_tui.services.importing import import_file, write_csv
from juni_tui.services.store import Store
from juni_tui.services.store.home import Home

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
        fields.update(account=m.account, vat_code=food_vat_code(day) if m.food else m.vat)
    if m.participants:
        fields.update(participants=rng.choice(m.participants), purpose=fields["description"],
                      attendees=rng.choice(m.attendees) if m.attendees else None)
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
        for a in chart.ACCOUNTS.values()
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
