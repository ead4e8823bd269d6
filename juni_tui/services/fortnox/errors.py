"""What can go wrong with Fortnox, as typed errors, and what each of Fortnox's refusals means and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from juni_tui.services.fortnox import spec

if TYPE_CHECKING:  # only named in signatures: the errors load without the HTTP stack (the TUI's first paint)
    import httpx

# --- errors ---------------------------------------------------------------------------------------------------


class FortnoxError(Exception):
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        meaning: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.meaning = meaning or explain(code, message)
        self.retry_after = retry_after

    def __str__(self) -> str:
        code = f" (code {self.code})" if self.code else ""
        return f"{self.message}{code}"


class FortnoxRejected(FortnoxError):
    """Fortnox answered and refused: permanent until something is changed."""


class NotFound(FortnoxRejected):
    pass


class AuthError(FortnoxError):
    """The credentials or the consent do not work; the user must act."""


class ConsentRevoked(AuthError):
    pass


class NotConnected(AuthError):
    pass


class RateLimited(FortnoxError):
    retryable = True


class NotSent(FortnoxError):
    retryable = True


class Unavailable(FortnoxError):
    """A read that kept failing with 5xx, timeouts or dropped connections."""

    retryable = True


class UnknownOutcome(FortnoxError):
    """A write was sent and no answer came back: Fortnox may have booked it. Look before sending again."""

    retryable = True


# What Fortnox's refusals mean and what to do, by code and by words in the (Swedish) message.
_MEANINGS_BY_CODE = {
    spec.LOCKED_PERIOD_CODE: "The date is in a period that is locked in Fortnox. Unlock the period in Fortnox "
    "(Inställningar → Bokföring → Låst period) or book the transaction in an open period.",
    spec.ACCOUNT_NOT_FOUND_CODE: "An account on the voucher does not exist in Fortnox's chart for that financial "
    "year. Send the transaction back to Prepare and choose an existing account.",
    spec.ACCOUNT_NOT_FOUND_ALT_CODE: "An account on the voucher does not exist in Fortnox's chart for that financial "
    "year. Send the transaction back to Prepare and choose an existing account.",
    spec.INVALID_CHARACTERS_CODE: "A text contains characters Fortnox does not accept. This is a juni-tui bug: "
    "please report it with the transaction id.",
    spec.NOT_AUTHORIZED_FOR_SCOPE_CODE: "juni-tui's Fortnox connection lacks a permission (scope) it needs. Run "
    "`juni-tui connect` again and approve all requested permissions.",
    spec.INACTIVE_COST_CENTER_CODE: "The cost center is inactive in Fortnox. Activate it there or choose another "
    "(send the transaction back to Prepare).",
    spec.INVALID_LOGIN_CODE: "Fortnox did not accept the login. Run `juni-tui connect` again.",
    spec.MISSING_CREDENTIALS_CODE: "Fortnox did not accept the login. Run `juni-tui connect` again.",
    2001101: "The company has no Fortnox licence for a module juni-tui needs (e.g. Bokföring). Add it in Fortnox.",
    2001103: "The company has no Fortnox API licence (Integration licence). Add it in Fortnox.",
}
_MEANINGS_BY_WORDS = [
    ("inte manuell", "The voucher series is not set to manual bookkeeping in Fortnox. Enable 'Manuell kontering' "
     "for the series (Inställningar → Bokföring → Verifikationsserier), or export to another series."),
    ("verifikationsserie", "The voucher series does not exist in Fortnox for that financial year. Create it in "
     "Fortnox or choose another series."),
    ("räkenskapsår", "No financial year in Fortnox covers the transaction date. Create the financial year in "
     "Fortnox, then retry."),
    ("låst", "The date is in a locked period in Fortnox. Unlock the period or book in an open period."),
    ("inaktiv", "An account, cost center or project on the voucher is inactive in Fortnox. Activate it in Fortnox, "
     "or send the transaction back to Prepare and choose another."),
    ("kostnadsställe", "The account's cost-center setting is not met (required, or not allowed). Send the "
     "transaction back to Prepare and fix the cost center."),
    ("projekt", "The account's project setting is not met (required, or not allowed). Send the transaction back "
     "to Prepare and fix the project."),
    ("balans", "The voucher does not balance. This is a juni-tui bug: please report it with the transaction id."),
    ("konto", "An account on the voucher is unknown or inactive in Fortnox. Send the transaction back to Prepare "
     "and choose an active account."),
]


def explain(code: int | None, message: str) -> str:
    if code in _MEANINGS_BY_CODE:
        return _MEANINGS_BY_CODE[code]
    lowered = (message or "").lower()
    for words, meaning in _MEANINGS_BY_WORDS:
        if words in lowered:
            return meaning
    return ""


def error_from_response(response: httpx.Response) -> FortnoxError:
    status = response.status_code
    message, code = f"HTTP {status}", None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        info = body.get("ErrorInformation") or body.get("errorInformation")
        if isinstance(info, dict):
            message = str(info.get("message") or info.get("Message") or message)
            raw_code = info.get("code", info.get("Code"))
            try:
                code = int(raw_code) if raw_code is not None else None
            except (TypeError, ValueError):
                code = None
        elif "message" in body:
            message = str(body["message"])
        elif "error" in body:
            message = str(body.get("error_description") or body["error"])
    wait = retry_after(response)
    if status == 429:
        return RateLimited("Fortnox's rate limit was hit", status=status, retry_after=wait)
    if status in (401, 403) and code not in (spec.NOT_AUTHORIZED_FOR_SCOPE_CODE, 2001101, 2001103):
        return AuthError(message, status=status, code=code)
    if status == 404:
        return NotFound(message, status=status, code=code)
    if status >= 500:
        return Unavailable(message, status=status, code=code, retry_after=wait)
    return FortnoxRejected(message, status=status, code=code)


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
