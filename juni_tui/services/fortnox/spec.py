"""Facts about the Fortnox API that both our client and the local sandbox depend on.

Each fact names its source in ``../shared/reference/fortnox-api.md``. Where the source is unconfirmed we take
the stricter reading, so that anything the sandbox accepts, Fortnox accepts too.
"""

from __future__ import annotations

import unicodedata

# --- Text fields ---------------------------------------------------------------------------------------------
# The whitelist published on Fortnox's "formats and encoding" page [FX-FMT], as integrators copy it:
#   [\p{L}\’\\\x{0308}\x{030a}a-zåäöéáœæøüA-ZÅÄÖÉÁÜŒÆØ0-9 –:\.`´’,;\^¤#%§£$€¢¥©™°&\/\(\)=\+\-\*_\!?²³®½\@\x{00a0}\n\r]
# \p{L} is any Unicode letter. Anything else gives error 2000359. Note what is *not* in it: the ASCII apostrophe
# and double quote, brackets, braces, angle brackets, the pipe, the tilde and the tab.
ALLOWED_SYMBOLS = frozenset(
    "0123456789 –:.`´’,;^¤#%§£$€¢¥©™°&/()=+-*_!?²³®½@\\\u00a0\n\r\u0308\u030a"
)
INVALID_CHARACTERS_CODE = 2000359

# Replacements that keep the meaning of common characters that Fortnox refuses.
_REPLACEMENTS = {
    "'": "’",
    '"': "’",
    "“": "’",
    "”": "’",
    "‘": "’",
    "[": "(",
    "]": ")",
    "{": "(",
    "}": ")",
    "<": "(",
    ">": ")",
    "|": "/",
    "~": "-",
    "—": "–",
    "\t": " ",
    "…": "...",
    "×": "x",
}


def is_allowed_char(ch: str) -> bool:
    return ch in ALLOWED_SYMBOLS or unicodedata.category(ch).startswith("L")


def invalid_characters(text: str) -> list[str]:
    """The distinct characters of ``text`` that Fortnox would refuse, in order of appearance."""
    seen: list[str] = []
    for ch in text:
        if not is_allowed_char(ch) and ch not in seen:
            seen.append(ch)
    return seen


#: What a spreadsheet reads as the start of a formula (after leading blanks, tabs and CRs). Fortnox's exports and
#: the SIE files end up in spreadsheets, where ``=HYPERLINK(...)`` or ``+cmd|...`` in a merchant would run.
FORMULA_STARTS = ("=", "+", "-", "@")
#: What goes in front of such a text. A spreadsheet's own "this is text" mark is the ASCII apostrophe, which
#: Fortnox refuses (it is not in the whitelist above: error 2000359); the typographic apostrophe is in it, reads
#: the same, and makes the cell text. Prefixing (rather than dropping the character) keeps ``-2+3`` readable and
#: does not turn it into another text.
FORMULA_GUARD = "’"


def defuse_formula(text: str) -> str:
    """``text``, with ``’`` in front (and leading blanks dropped) if it would start like a spreadsheet formula."""
    stripped = text.lstrip(" \t\r\n\u00a0")
    if stripped.startswith(FORMULA_STARTS):
        return FORMULA_GUARD + stripped
    return text


def sanitize_text(text: str, max_length: int | None = None) -> str:
    """Make ``text`` acceptable to Fortnox: replace what has a near equivalent, drop accents that have no
    precomposed letter, turn anything else into a space, and collapse the spaces that leaves. A text that would
    start like a spreadsheet formula gets ``’`` in front (``defuse_formula``). Only for texts: never amounts."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if is_allowed_char(ch):
            out.append(ch)
        elif ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
        else:
            # e.g. a letter with a combining mark Fortnox lacks: keep the base letter if it has one
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if is_allowed_char(c) and c not in "\u0308\u030a")
            out.append(base or " ")
    cleaned = " ".join("".join(out).split(" "))
    while "  " in cleaned:
        cleaned = cleaned.replace("  ", " ")
    cleaned = defuse_formula(cleaned.strip())
    if max_length is not None and len(cleaned) > max_length:
        cleaned = cleaned[:max_length].rstrip()
    return cleaned


# Lengths. Fortnox does not publish them for vouchers; Midday truncates Description to 200 and
# TransactionInformation to 100 [MIDDAY]. We hold ourselves (and the sandbox) to those.
MAX_VOUCHER_DESCRIPTION = 200
MAX_VOUCHER_COMMENTS = 1000
MAX_ROW_TRANSACTION_INFORMATION = 100
MAX_ROW_DESCRIPTION = 200

# --- Attachments (§8) ----------------------------------------------------------------------------------------
# PDF, TIFF and JPEG only; 2.5 MB. The API limit is unconfirmed, so we read "2.5 MB" as 2 500 000 bytes.
MAX_ATTACHMENT_BYTES = 2_500_000
ACCEPTED_TYPES = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/tiff": (".tif", ".tiff"),
}
VOUCHER_INBOX_FOLDER = "inbox_v"


def sniff_content_type(data: bytes) -> str | None:
    """The file type by its first bytes, for the types that matter here (what Fortnox takes, plus PNG)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "image/heic"
    return None


def extension_matches(filename: str, content_type: str) -> bool:
    return filename.lower().endswith(ACCEPTED_TYPES.get(content_type, ()))


# --- Rate limit (§2) -----------------------------------------------------------------------------------------
RATE_LIMIT_REQUESTS = 25
RATE_LIMIT_WINDOW_SECONDS = 5.0

# --- Auth (§1) -----------------------------------------------------------------------------------------------
# What juni-tui asks for: vouchers and accounts, company name, locked period, the inbox, file connections,
# and the cost-center and project lists.
REQUIRED_SCOPES = ("bookkeeping", "companyinformation", "settings", "inbox", "connectfile", "costcenter", "project")
AUTHORIZATION_CODE_TTL_SECONDS = 600
ACCESS_TOKEN_TTL_SECONDS = 3600
REFRESH_TOKEN_TTL_SECONDS = 45 * 24 * 3600
# Scopes Fortnox knows [FX-SCOPES]; space-delimited and case-sensitive in /oauth-v1/auth.
KNOWN_SCOPES = frozenset({
    "archive", "article", "assets", "bookkeeping", "companyinformation", "connectfile", "costcenter",
    "currency", "customer", "inbox", "invoice", "noxfinansinvoice", "offer", "order", "payment", "price",
    "print", "profile", "project", "salary", "settings", "supplier", "supplierinvoice", "timereporting",
})

# --- Lists (§5) ----------------------------------------------------------------------------------------------
DEFAULT_PAGE_LIMIT = 100
MAX_PAGE_LIMIT = 500

# --- Error codes (§9) ----------------------------------------------------------------------------------------
# Codes a public source confirms, as they arrive in {"ErrorInformation":{"error":1,"message":..,"code":N}}.
SYSTEM_EXCEPTION_CODE = 1000003
INVALID_ACCEPT_CODE = 1000030
INVALID_CONTENT_TYPE_CODE = 1000031
VALUE_NOT_ALPHANUMERIC_CODE = 2000106
VALUE_NOT_NUMERIC_CODE = 2000108
INVALID_LOGIN_CODE = 2000310
MISSING_CREDENTIALS_CODE = 2000311
LOCKED_PERIOD_CODE = 2000401
ACCOUNT_NOT_FOUND_CODE = 2001304  # also seen as 2000423 "Kan inte hitta kontot."
ACCOUNT_NOT_FOUND_ALT_CODE = 2000423
INVALID_PARAMETER_CODE = 2000588
NOT_AUTHORIZED_FOR_SCOPE_CODE = 2000663
NO_SUCH_ROUTE_CODE = 2000762
INACTIVE_COST_CENTER_CODE = 2000947
INCORRECT_BODY_CODE = 2001392
INVALID_FIELD_NAME_CODE = 2001399
JSON_SYNTAX_CODE = 2002115
