"""The company's settings: accounts, the default series, the reporting pair, the Fortnox connection."""

from __future__ import annotations

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


#: Fortnox's own manual series ("Redovisning"): for a voucher not sent yet when no default series is set.
FALLBACK_SERIES = "A"


class ReportingPair(BaseModel):
    """Optional extra rows that put reverse-charge purchases in the VAT return's boxes 20–22 (e.g. 4535 / 4598)."""

    model_config = ConfigDict(frozen=True)

    enabled: bool = False
    eu_services_account: int = 4535
    non_eu_services_account: int = 4531
    eu_goods_account: int = 4515
    contra_account: int = 4598


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
    reverse_charge_goods_output_account: int = 2615
    reporting_pair: ReportingPair = ReportingPair()
    vat_code_map: dict[str, VatCode] = Field(default_factory=lambda: dict(DEFAULT_VAT_CODE_MAP))
    inbox_dir: str | None = None
    fortnox: FortnoxSettings = FortnoxSettings()
    # the TUI's characters: "auto" follows the locale's encoding; "ascii" for a terminal that shows no Unicode
    display: Literal["auto", "unicode", "ascii"] = "auto"

    def series_for_preview(self) -> str:
        """The series a voucher not yet sent is shown in: the default one, else Fortnox's manual series."""
        return self.default_series or FALLBACK_SERIES
