"""Error answers in Fortnox's shapes, and the error codes the sandbox uses.

Confirmed codes live in ``fortnox_spec``. Every code defined here is invented: no public source gives
Fortnox's code for the case, so clients must not rely on these numbers, only on the HTTP status and shape.
"""

from __future__ import annotations

from starlette.responses import JSONResponse

from juni_tui.services.fortnox import spec

# --- Invented codes (all in 2090xxx so they are easy to spot) -----------------------------------------------
MISSING_FIELD_CODE = 2090001  # invented: no public source
UNKNOWN_SERIES_CODE = 2090010  # invented: no public source ("Ogiltig verifikationsserie angiven")
NON_MANUAL_SERIES_CODE = 2090011  # invented: no public source ("Verifikationsserien är inte manuell")
INVALID_DATE_CODE = 2090020  # invented: no public source
NO_FINANCIAL_YEAR_CODE = 2090021  # invented: no public source ("Räkenskapsår saknas för valt datum")
DATE_OUTSIDE_YEAR_CODE = 2090022  # invented: no public source
INACTIVE_ACCOUNT_CODE = 2090030  # invented: no public source ("Valt bokföringskonto är inaktivt")
DEBIT_AND_CREDIT_CODE = 2090040  # invented: no public source
NEGATIVE_AMOUNT_CODE = 2090041  # invented: no public source
TOO_MANY_DECIMALS_CODE = 2090042  # invented: no public source
TOO_MANY_DIGITS_CODE = 2090043  # invented: no public source
UNBALANCED_CODE = 2090050  # invented: no public source
COST_CENTER_MANDATORY_CODE = 2090060  # invented: no public source
COST_CENTER_NOT_ALLOWED_CODE = 2090061  # invented: no public source
UNKNOWN_COST_CENTER_CODE = 2090062  # invented: no public source
PROJECT_MANDATORY_CODE = 2090063  # invented: no public source ("Projekt är obligatoriskt på konto" is real)
PROJECT_NOT_ALLOWED_CODE = 2090064  # invented: no public source
UNKNOWN_PROJECT_CODE = 2090065  # invented: no public source
CLOSED_PROJECT_CODE = 2090066  # invented: no public source
TEXT_TOO_LONG_CODE = 2090070  # invented: no public source
FILE_MISSING_CODE = 2090080  # invented: no public source
FILE_TYPE_CODE = 2090081  # invented: no public source
FILE_TOO_LARGE_CODE = 2090082  # invented: no public source
UNKNOWN_FOLDER_CODE = 2090083  # invented: no public source
FILE_NOT_FOUND_CODE = 2090084  # invented: no public source
FILE_ALREADY_CONNECTED_CODE = 2090085  # invented: no public source
VOUCHER_NOT_FOUND_CODE = 2090090  # invented: no public source
NOT_FOUND_CODE = 2090099  # invented: no public source (a single resource that does not exist)


class FortnoxError(Exception):
    """Raised anywhere in a request; answered as ``{"ErrorInformation": ...}``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message


def bad_request(code: int, message: str) -> FortnoxError:
    return FortnoxError(400, code, message)


def error_information(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"ErrorInformation": {"error": 1, "message": message, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def no_such_route(status: int = 404) -> JSONResponse:
    return error_information(status, spec.NO_SUCH_ROUTE_CODE, "No such route")


def oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)
