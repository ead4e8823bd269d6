"""The demo company's world: its cards and people, the merchants they buy from (with prices, VAT and accounts),
and the rules an accountant would have set up for them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from juni_tui.domain.rules import Condition, ConditionField, ConditionOp, Rule, RuleActions, RuleKind, RuleWhen
from juni_tui.domain.vat import VatCode

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
    #: representation: how many took part (a choice of counts), the purpose and who was there, as Skatteverket asks
    participants: tuple[int, ...] = ()
    attendees: tuple[str, ...] = ()
    #: food (livsmedel): the VAT code follows Sweden's food rate on the day (6 % from 2026-04-01 to 2027-12-31)
    food: bool = False

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
    # Client lunches: representation on 6072 (meals are not deductible for income tax since 2017), with the
    # participants, purpose and attendees the cardholder entered in Juni; the VAT is capped at 300 kr per person.
    _m("Max Hamburgerrestauranger", category="Food & Drink", country="SE", account=6072, vat=V12,
       cards=[ERIK, JOHAN], per_month=4.0, prices=["109", "139", "198", "245", "317"], receipt=0.5,
       file_values=True, descriptions=["Lunch med kund"], participants=(1, 2, 2, 3),
       attendees=("Lena Holm (Alfa AB)", "Per Sjö (Umeå Energi)")),
    _m("Restaurang Tegelbruket", "Rakel & Herman Umeå", "Pelikan Stockholm", category="Food & Drink",
       country="SE", account=6072, vat=V12, cards=[ANNA, ERIK], per_month=4.5,
       prices=["245", "370", "495", "612", "745", "1120"], receipt=0.8, file_values=True,
       descriptions=["Lunch med kund"], participants=(2, 2, 3, 4),
       attendees=("Karin Åberg, Jonas Lund (Kund Alfa AB)", "Maria Falk (Norrskog AB)")),
    # Groceries for the office: food, at the food rate of the day.
    _m("ICA Nära Odenplan", "Coop Umeå Ersboda", category="Food & Drink", country="SE", account=7690, vat=V6,
       cards=[SARA], per_month=2.0, prices=["189.50", "264.90", "412.75"], receipt=0.7, file_values=True,
       descriptions=["Frukt och fika till kontoret"], food=True),
    # Car hire: 50 % of the VAT is deductible (13 kap. 21 § ML), the account's default share in Settings.
    _m("Hertz Sverige AB", category="Transport", country="SE", account=5820, vat=V25, cards=[JOHAN, ERIK],
       per_month=1.0, prices=["1290", "1850", "2490"], receipt=0.9, file_values=True,
       descriptions=["Hyrbil 2 dagar"]),
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
