"""The company's settings: accounts, the default series, the reporting pair, the Fortnox connection."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from juni_tui.domain.vat import VatCode

# --- Settings -------------------------------------------------------------------------------------------------

#: Fortnox account VATCode → the VAT code juni-tui suggests when that account is chosen. Fortnox does not publish
#: its full list (reference §7), so this is a company setting with these defaults.
DEFAULT_VAT_CODE_MAP: dict[str, VatCode] = {
    "I": VatCode.VAT25,
    "I25": VatCode.VAT25,
    "MP1": VatCode.VAT25,
    "I12": VatCode.VAT12,
    "MP2": VatCode.VAT12,
    "I6": VatCode.VAT6,
    "MP3": VatCode.VAT6,
    "MF": VatCode.NONE,
    "ITEU": VatCode.RC_EU_SERVICES,
    "ITGLOB": VatCode.RC_NON_EU_SERVICES,
    "IVEU": VatCode.RC_EU_GOODS,
}

#: BAS accounts of representation (6071/6072 external, 7631/7632 staff): input VAT capped, participants required.
DEFAULT_REPRESENTATION_ACCOUNTS: tuple[int, ...] = (6071, 6072, 7631, 7632)
#: The share of input VAT that may be deducted, per account (13 kap. 21–22 §§ ML: leasing and hiring a passenger
#: car, 50 %). An account not named here deducts 100 %.
DEFAULT_DEDUCTIBLE_SHARES: dict[int, Decimal] = {5615: Decimal("50"), 5820: Decimal("50")}
#: Balance-sheet accounts a card purchase may be booked on without a warning: private purchases (1610, 1680) and
#: cash withdrawals (1910).
DEFAULT_ALLOWED_BALANCE_ACCOUNTS: tuple[int, ...] = (1610, 1680, 1910)
#: Accounts where 12 % VAT is expected: food, hotel, restaurant and representation (BAS 2026).
DEFAULT_TWELVE_PERCENT_ACCOUNTS: tuple[int, ...] = (4010, 5460, 5800, 5830, 5831, 5832, 6071, 6072, 7631, 7632, 7690)
#: The account the old default credited for EU goods (import VAT, box 60), and today's (box 30, BAS since 2015).
OLD_EU_GOODS_OUTPUT_ACCOUNT = 2615



HUNDRED = Decimal("100")

#: Fortnox's own manual series ("Redovisning"): for a voucher not sent yet when no default series is set.
FALLBACK_SERIES = "A"


class ReportingPair(BaseModel):
    """Optional extra rows that put reverse-charge and import purchases in the VAT return's boxes 20–22 and 50
    (e.g. 4535 / 4598, 4545 / 4549): one account per family and rate (25 / 12 / 6 %)."""

    model_config = ConfigDict(frozen=True)

    enabled: bool = False
    eu_services_account: int = 4535
    eu_services_12_account: int = 4536
    eu_services_6_account: int = 4537
    non_eu_services_account: int = 4531
    non_eu_services_12_account: int = 4532
    non_eu_services_6_account: int = 4533
    eu_goods_account: int = 4515
    eu_goods_12_account: int = 4516
    eu_goods_6_account: int = 4517
    contra_account: int = 4598
    import_account: int = 4545
    import_12_account: int = 4546
    import_6_account: int = 4547
    import_contra_account: int = 4549

    def box_account(self, code: VatCode) -> int:
        """The account that carries the base of a reverse-charge or import purchase at its rate."""
        suffix = {Decimal("0.25"): "", Decimal("0.12"): "_12", Decimal("0.06"): "_6"}[code.rate]
        return int(getattr(self, f"{code.kind}{suffix}_account"))

    def contra(self, code: VatCode) -> int:
        return self.import_contra_account if code.is_import else self.contra_account


class FortnoxSettings(BaseModel):
    """Where and how to reach Fortnox. Secrets are never here: they live in 0600 files (services.fortnox.oauth)."""

    model_config = ConfigDict(frozen=True)

    api_url: str = "https://api.fortnox.se/3"
    auth_url: str = "https://apps.fortnox.se/oauth-v1"
    client_id: str | None = None
    tenant_id: str | None = None
    redirect_uri: str = "http://localhost:8719/callback"
    # "service": client-credentials grant with TenantId; "oauth": authorization code + rotating refresh token
    mode: Literal["service", "oauth"] | None = None


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: Literal["settings"] = "settings"
    company_name: str | None = None  # from Fortnox's company information, for SIE files and the title bar
    org_number: str | None = None
    payment_account: int = 1930
    default_series: str | None = None
    input_vat_account: int = 2640
    reverse_charge_input_account: int = 2645
    reverse_charge_services_output_account: int = 2614
    reverse_charge_goods_output_account: int = 2614
    reverse_charge_output_12_account: int = 2624
    reverse_charge_output_6_account: int = 2634
    import_output_account: int = 2615
    import_output_12_account: int = 2625
    import_output_6_account: int = 2635
    reporting_pair: ReportingPair = ReportingPair()
    representation_accounts: tuple[int, ...] = DEFAULT_REPRESENTATION_ACCOUNTS
    deductible_shares: dict[int, Decimal] = Field(default_factory=lambda: dict(DEFAULT_DEDUCTIBLE_SHARES))
    allowed_balance_accounts: tuple[int, ...] = DEFAULT_ALLOWED_BALANCE_ACCOUNTS
    twelve_percent_accounts: tuple[int, ...] = DEFAULT_TWELVE_PERCENT_ACCOUNTS
    #: the one-time move of the EU-goods output VAT account from 2615 to 2614 has been looked at
    eu_goods_account_reviewed: bool = False
    vat_code_map: dict[str, VatCode] = Field(default_factory=lambda: dict(DEFAULT_VAT_CODE_MAP))
    inbox_dir: str | None = None
    fortnox: FortnoxSettings = FortnoxSettings()
    # the TUI's characters: "auto" follows the locale's encoding; "ascii" for a terminal that shows no Unicode
    display: Literal["auto", "unicode", "ascii"] = "auto"

    def output_account(self, code: VatCode) -> int:
        """The output VAT account a reverse-charge or import purchase credits, by its family and rate."""
        if code.is_import:
            return {Decimal("0.25"): self.import_output_account, Decimal("0.12"): self.import_output_12_account,
                    Decimal("0.06"): self.import_output_6_account}[code.rate]
        if code.rate == Decimal("0.12"):
            return self.reverse_charge_output_12_account
        if code.rate == Decimal("0.06"):
            return self.reverse_charge_output_6_account
        if code.kind == "eu_goods":
            return self.reverse_charge_goods_output_account
        return self.reverse_charge_services_output_account

    def deductible_share(self, account: int | None) -> Decimal:
        """The percentage of input VAT the account deducts by default (100 unless Settings say otherwise)."""
        return self.deductible_shares.get(account, HUNDRED) if account is not None else HUNDRED

    def series_for_preview(self) -> str:
        """The series a voucher not yet sent is shown in: the default one, else Fortnox's manual series."""
        return self.default_series or FALLBACK_SERIES
