"""What can go wrong with Fortnox, as typed errors, and what each of Fortnox's refusals means and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from juni_tui.services.fortnox import spec

if TYPE_CHECKING:  # only named in signatures: the errors load without the HTTP stack (the TUI's first paint)
    import httpx

# --- errors ---------------------------------------------------------------------------------------------------


class FortnoxError(Exception):
    """What went wrong, in Fortnox's words or ours (``message``), and what it means and what to do (``meaning``):
    from the code or the words of Fortnox's answer when they are known (``explain``), else the kind of error's own
    sentence (``MEANING``)."""

    retryable = False
    MEANING = ("Fortnox could not do what juni-tui asked. Nothing was booked twice: juni-tui checks what Fortnox has "
               "before it sends again. Retry later; if it keeps happening, check Fortnox's status page.")

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
        self.meaning = meaning or explain(code, message) or self.MEANING
        self.retry_after = retry_after

    def __str__(self) -> str:
        code = f" (code {self.code})" if self.code else ""
        return f"{self.message}{code}"


class FortnoxRejected(FortnoxError):
    """Fortnox answered and refused: permanent until something is changed."""

    MEANING = ("Fortnox refused it and booked nothing; its words say what it objects to. Fix that (send the "
               "transaction back to Prepare to change it, or change the setting in Fortnox), then retry.")


class NotFound(FortnoxRejected):
    MEANING = ("Fortnox does not have what juni-tui asked for: it was removed in Fortnox, or belongs to another "
               "financial year. Check it in Fortnox; nothing was booked by this request.")


class AuthError(FortnoxError):
    """The credentials or the consent do not work; the user must act."""

    MEANING = ("Fortnox did not accept juni-tui's login. Run `juni-tui connect` again; everything waiting stays "
               "safely in the export queue.")


class ConsentRevoked(AuthError):
    MEANING = ""  # its messages say what to do (connect again)


class NotConnected(AuthError):
    MEANING = ""  # its messages say what to do (connect)


def bad_address(what: str, url: str, option: str, env: str) -> NotConnected:
    """A Fortnox address that is not a web address (``htp://…``, a stray space): a setting to correct, not a network
    that is down, and nothing was sent."""
    return NotConnected(f"The Fortnox {what} address {url!r} is not an http:// or https:// address juni-tui can "
                        f"use; nothing was sent. Correct it with `juni-tui connect {option} URL` (or {env}).")


class RateLimited(FortnoxError):
    retryable = True
    MEANING = ("Fortnox asks juni-tui to slow down (it takes 25 requests in 5 seconds). juni-tui waits and goes on "
               "by itself; nothing is lost or sent twice.")


class NotSent(FortnoxError):
    retryable = True
    MEANING = ("The request never reached Fortnox: the network is down or Fortnox cannot be reached. Nothing was "
               "booked; juni-tui tries again, or retry later.")


class Unavailable(FortnoxError):
    """A read that kept failing with 5xx, timeouts or dropped connections."""

    retryable = True
    MEANING = ("Fortnox is not answering properly (down, overloaded or under maintenance). Nothing was booked "
               "twice: juni-tui checks what Fortnox has before it sends again. Retry later; if it lasts, check "
               "Fortnox's status page.")


class UnknownOutcome(FortnoxError):
    """A write was sent and no answer came back: Fortnox may have booked it. Look before sending again."""

    retryable = True
    MEANING = ("The request was sent but Fortnox's answer never came, so Fortnox may have done it. juni-tui looks "
               "it up in Fortnox before it sends anything again, so nothing is booked twice.")


# What Fortnox's refusals mean and what to do, by code and by words in the (Swedish) message.
_ACCOUNT_NOT_FOUND = ("An account on the voucher does not exist in Fortnox's chart for that financial year. Send "
                      "the transaction back to Prepare and choose an existing account (`juni-tui sync` fetches the "
                      "chart).")
_LOGIN = "Fortnox did not accept the login. Run `juni-tui connect` again."
_BUG = "This is a juni-tui bug, not something you did: please report it with the transaction id."
_MEANINGS_BY_CODE = {
    spec.SYSTEM_EXCEPTION_CODE: "Fortnox had an unexpected error of its own (System exception) and may not have "
    "finished the request. Nothing is booked twice: juni-tui looks up what Fortnox has before it sends again. It "
    "usually passes: retry in a while. If a receipt keeps failing this way, Fortnox may not be able to read the "
    "file: open it, save it again as PDF, attach the new file and retry; if it goes on, contact Fortnox support "
    "with the time of the error.",
    spec.INVALID_ACCEPT_CODE: f"Fortnox did not accept the format juni-tui asked for. {_BUG}",
    spec.INVALID_CONTENT_TYPE_CODE: "Fortnox did not accept the kind of file or data sent. For a receipt: Fortnox "
    "takes PDF, JPEG and TIFF; attach the receipt in one of those. Otherwise: " + _BUG,
    spec.VALUE_NOT_ALPHANUMERIC_CODE: f"Fortnox expected letters or digits in a field and got something else. {_BUG}",
    spec.VALUE_NOT_NUMERIC_CODE: f"Fortnox expected a number in a field and got something else. {_BUG}",
    2000134: f"Fortnox expected yes or no in a field and got something else. {_BUG}",
    spec.LOCKED_PERIOD_CODE: "The date is in a period that is locked in Fortnox. Unlock the period in Fortnox "
    "(Inställningar → Bokföring → Låst period) or book the transaction in an open period.",
    2002141: "The date is in a period that is locked in Fortnox. Unlock the period in Fortnox (Inställningar → "
    "Bokföring → Låst period) or book the transaction in an open period.",
    spec.ACCOUNT_NOT_FOUND_CODE: _ACCOUNT_NOT_FOUND,
    spec.ACCOUNT_NOT_FOUND_ALT_CODE: _ACCOUNT_NOT_FOUND,
    spec.INVALID_CHARACTERS_CODE: f"A text contains characters Fortnox does not accept. {_BUG}",
    spec.INVALID_PARAMETER_CODE: f"Fortnox did not accept a parameter of the request. {_BUG}",
    2000729: "Fortnox was not given a valid identifier (a voucher number, file or year it knows). Check that the "
    "financial year and the voucher exist in Fortnox, then retry; if they do, " + _BUG[0].lower() + _BUG[1:],
    spec.NOT_AUTHORIZED_FOR_SCOPE_CODE: "juni-tui's Fortnox connection lacks a permission (scope) it needs. Run "
    "`juni-tui connect` again and approve all requested permissions.",
    spec.NO_SUCH_ROUTE_CODE: "Fortnox does not know the address juni-tui asked (a page past the end of a list, or "
    "an API that changed). Retry; if it keeps happening, " + _BUG[0].lower() + _BUG[1:],
    spec.INACTIVE_COST_CENTER_CODE: "The cost center is inactive in Fortnox. Activate it there or choose another "
    "(send the transaction back to Prepare).",
    spec.INVALID_LOGIN_CODE: _LOGIN,
    spec.MISSING_CREDENTIALS_CODE: _LOGIN,
    spec.INCORRECT_BODY_CODE: f"Fortnox found the request empty or malformed. {_BUG}",
    spec.INVALID_FIELD_NAME_CODE: f"Fortnox does not know a field juni-tui sent. {_BUG}",
    2001740: f"Fortnox could not read the request. {_BUG}",
    spec.JSON_SYNTAX_CODE: f"Fortnox could not read the request. {_BUG}",
    2001101: "The company has no Fortnox licence for a module juni-tui needs (e.g. Bokföring). Add it in Fortnox.",
    2001103: "The company has no Fortnox API licence (Integration licence). Add it in Fortnox.",
}
_MEANINGS_BY_WORDS = [
    ("system exception", _MEANINGS_BY_CODE[spec.SYSTEM_EXCEPTION_CODE]),
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
    ("balans", f"The voucher does not balance. {_BUG}"),
    ("konto", "An account on the voucher is unknown or inactive in Fortnox. Send the transaction back to Prepare "
     "and choose an active account."),
]


def explain(code: int | None, message: str) -> str:
    """What one of Fortnox's answers means and what to do, from its code or its words; "" if neither is known."""
    if code in _MEANINGS_BY_CODE:
        return _MEANINGS_BY_CODE[code]
    lowered = (message or "").lower()
    for words, meaning in _MEANINGS_BY_WORDS:
        if words in lowered:
            return meaning
    return ""


def failure_text(message: str, meaning: str, code: int | None = None) -> str:
    """A failure as the queue and the CLI show it: what happened, then what it means and what to do (explained
    afresh from Fortnox's code or words when it was recorded without, as by an earlier version)."""
    meaning = meaning or explain(code, message)
    message = message.strip().rstrip(".")
    return f"{message}. {meaning}" if meaning and message else meaning or message


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
