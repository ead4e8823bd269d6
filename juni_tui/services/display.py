"""What may be shown to a person: the one sanitiser for text from outside, and the last-resort error report.

Merchants, descriptions, ids, file names, PDF text, rule names and Fortnox's messages are input (GUIDE §7). A
terminal obeys the escape sequences in them: clear the screen, move the cursor, set the window title, write the
clipboard (OSC 52), make links (OSC 8). Every such text passes ``printable`` before it reaches the TUI or the
terminal.

What ``printable`` shows, one rule for everything:

* An escape sequence (CSI ``ESC [ … final``, OSC ``ESC ] … BEL/ST``, DCS, SOS, PM and APC strings up to their ST,
  any other ``ESC x``, a lone ESC, and the 8-bit forms introduced by U+0090, U+0098, U+009B, U+009D, U+009E and
  U+009F) is removed whole: its parameters and payload never show. Its introducer is shown as its code
  (``\\x1b``, ``\\x9b``), so the reader sees that something was there.
* Any other control character (C0, DEL, C1) and the invisible characters that reorder or disguise text (the bidi
  controls U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C, and the zero-width U+200B, U+2060, U+FEFF) is
  shown as its code, ``\\xNN`` or ``\\uNNNN``: ASCII, one width per character, unambiguous.
* Newlines: ``printable(text)`` is for one line (a table cell, a title, a toast): a newline, tab, CR or line
  separator becomes a space. ``printable(text, multiline=True)`` keeps ``\\n`` (a CR LF or lone CR becomes a
  newline) and tabs, for dialogs, the detail view and the CLI's output.

It is cheap: text that is printable as it is (``str.isprintable``, in C) is returned unchanged, text with only
harmless non-printables (no-break spaces in amounts) costs one character-class search, and the rest is one pass of
a precompiled regex. Measured per 10 000 cells: ~0.8 ms plain, ~1.6 ms Swedish text with no-break spaces, ~27 ms
when every one holds escape sequences (``tests/test_display.py`` keeps it so).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import traceback
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from juni_tui.domain.money import set_group_separator

# --- the sanitiser --------------------------------------------------------------------------------------------

_ST = r"(?:\x1b\\|\x9c)"
_SEQUENCE = (
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI: parameters, intermediates, final byte
    rf"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|{_ST})?"  # OSC: up to BEL or ST (or the end: a terminal eats it all)
    rf"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|{_ST})?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"  # any other escape (ESC c, ESC 7, ESC ( B, …), and a lone ESC
)
_INVISIBLE = "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
_LINE_BREAK = "\u2028\u2029\x85"  # NEL (U+0085) is C1 too, but reads as a line break: it is one
_UNSAFE = re.compile(
    rf"(?P<seq>{_SEQUENCE})"
    r"|(?P<crlf>\r\n?)"
    rf"|(?P<brk>[\n{_LINE_BREAK}])"
    r"|(?P<tab>\t)"
    rf"|(?P<ctl>[\x00-\x1f\x7f-\x9f{_INVISIBLE}])"
)
#: One character class: does a text that is not plainly printable (e.g. it has a no-break space) need a change?
_ANY_UNSAFE = re.compile(rf"[\x00-\x1f\x7f-\x9f{_INVISIBLE}{_LINE_BREAK}]")


def _code(ch: str) -> str:
    n = ord(ch)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def _one_line(m: re.Match[str]) -> str:
    kind = m.lastgroup
    if kind == "seq":
        return _code(m.group()[0])
    if kind == "ctl":
        return _code(m.group())
    return " "  # a line break or a tab


def _many_lines(m: re.Match[str]) -> str:
    kind = m.lastgroup
    if kind == "seq":
        return _code(m.group()[0])
    if kind == "ctl":
        return _code(m.group())
    if kind == "tab":
        return "\t"
    return "\n"


def printable(text: object, *, multiline: bool = False) -> str:
    """``text`` (any object, as ``str``) safe to show: escape sequences removed, control and bidi characters shown
    as their ``\\xNN``/``\\uNNNN`` code. One line unless ``multiline``. In ASCII mode (``use_ascii``) the result
    is ASCII. See the module's docstring."""
    s = text if type(text) is str else ("" if text is None else str(text))
    if s.isprintable() or _ANY_UNSAFE.search(s) is None:  # the common case, answered in C; no-break spaces too
        return to_ascii(s) if GLYPHS.ascii and not s.isascii() else s
    s = _UNSAFE.sub(_many_lines if multiline else _one_line, s)
    return to_ascii(s) if GLYPHS.ascii else s


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """``Umeå Ö-vik`` → ``umea o-vik``: lower case without accents, for searches that ignore both (``/``, account
    completion). Merchants and account names repeat, so the cache answers most calls."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# --- what the terminal can show: Unicode, or ASCII only -------------------------------------------------------


@dataclass(frozen=True)
class Glyphs:
    """The marks the screens draw. ``UNICODE`` or ``ASCII``; ``use_ascii`` is the one switch between them."""

    ascii: bool
    ok: str  # a value filled in, a receipt attached
    not_ok: str
    selected: str  # a selected row's mark, two cells
    none: str  # nothing there (no receipt)
    ellipsis: str


UNICODE = Glyphs(ascii=False, ok="✔", not_ok="✘", selected="● ", none="—", ellipsis="…")
ASCII = Glyphs(ascii=True, ok="[x]", not_ok="[ ]", selected="* ", none="-", ellipsis="...")
GLYPHS = UNICODE


def glyphs() -> Glyphs:
    return GLYPHS


def use_ascii(on: bool) -> None:
    """Draw with ASCII only (``[x]``, ``...``, plain spaces in amounts), or with Unicode: one switch for every mark,
    every amount and every outside text shown (``printable``)."""
    global GLYPHS
    GLYPHS = ASCII if on else UNICODE
    set_group_separator(" " if on else "\u202f")


def locale_wants_ascii(env: Mapping[str, str] | None = None) -> bool:
    """Does the locale say the terminal cannot show Unicode? ``LC_ALL``, else ``LC_CTYPE``, else ``LANG``: the C and
    POSIX locales and any encoding but UTF-8 (``sv_SE``, ``sv_SE.ISO-8859-1``) are ASCII. Python turns a C locale
    into ``LC_CTYPE=C.UTF-8`` for itself (PEP 538): that is still a C terminal."""
    env = os.environ if env is None else env
    lang = env.get("LANG", "")
    ctype = env.get("LC_ALL") or env.get("LC_CTYPE") or lang
    if not env.get("LC_ALL") and ctype == "C.UTF-8" and lang in ("", "C", "POSIX"):
        ctype = lang  # coerced by Python, not chosen by the user
    name = ctype.split("@")[0]
    if name in ("", "C", "POSIX"):
        return True
    encoding = name.partition(".")[2].lower().replace("-", "")
    return encoding != "utf8"


#: Width-keeping ASCII for the characters the screens draw: lines and blocks, marks, dashes, quotes and spaces.
_ASCII_ONE = str.maketrans({
    **{chr(c): "-" for c in (0x2500, 0x2501, 0x2504, 0x2505, 0x2508, 0x2509, 0x254C, 0x254D, 0x2550, 0x2574, 0x2576,
                             0x2578, 0x257A, 0x2594, 0x2581, 0x23AF, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212)},
    **{chr(c): "|" for c in (*range(0x2502, 0x2504), 0x2506, 0x2507, 0x250A, 0x250B, 0x254E, 0x254F, 0x2551,
                             0x2575, 0x2577, 0x2579, 0x257B, 0x258F, 0x2595, 0x2590, 0x258C)},
    **{chr(c): "+" for c in range(0x250C, 0x254C)}, **{chr(c): "+" for c in range(0x2552, 0x2570)},
    **{chr(c): "+" for c in range(0x256D, 0x2571)},
    **{chr(c): "#" for c in range(0x2580, 0x25A0) if chr(c) not in "▔▁▏▕▐▌"},
    "✔": "x", "✓": "x", "✘": "!", "✗": "!", "●": "*", "•": "*", "·": ".", "…": ".", "→": ">", "←": "<", "↑": "^",
    "↓": "v", "‘": "'", "’": "'", "“": '"', "”": '"', "«": '"', "»": '"', "\u00a0": " ", "\u202f": " ",
    "\u2009": " ", "\u2007": " ", "×": "x", "±": "+", "≠": "#", "≤": "<", "≥": ">", "§": "S", "°": "o",
})
#: Where a text may grow (a message, a cell before it is cut to width): the clearer, longer forms.
_ASCII_WIDE = str.maketrans({"…": "...", "→": "->", "←": "<-", "✔": "[x]", "✘": "[ ]", "—": "--", "≠": "!=",
                             "≤": "<=", "≥": ">=", "€": "EUR", "£": "GBP", "§": "par."})


def _fold(ch: str, width_kept: bool) -> str:
    """One character that has no ASCII form in the tables: its letter without accents (å → a), else ``?``."""
    base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
    wide = unicodedata.east_asian_width(ch) in ("W", "F")
    if width_kept:
        return (base[:1] or "?") * (2 if wide else 1) if len(base) <= 1 or not wide else base[:2]
    return base or ("??" if wide else "?")


def to_ascii(text: str, *, keep_width: bool = False) -> str:
    """``text`` in ASCII: ``…`` → ``...``, ``å`` → ``a``, box lines → ``-|+``, anything else → ``?``. With
    ``keep_width`` every character keeps its width on screen (what the terminal gets after the layout is done)."""
    if text.isascii():
        return text
    text = text.translate(_ASCII_ONE if keep_width else _ASCII_WIDE)
    if not keep_width:
        text = text.translate(_ASCII_ONE)
    if text.isascii():
        return text
    return "".join(ch if ch.isascii() else _fold(ch, keep_width) for ch in text)


# --- the last resort: an unexpected error becomes a sentence and a log file -----------------------------------

#: Values that must never reach a log file: tokens, secrets, codes and passwords, in JSON, a query or a header.
_SECRET = re.compile(
    r"(?i)((?:access|refresh|id)_?token|client_?secret|secret|password|passwd|authorization|api[_-]?key|"
    r"(?<![a-z])code|(?<![a-z])state)"
    r"""(["']?\s*[:=]\s*["']?)(?:(?:bearer|basic)\s+)?[^\s"'&,;}]+"""
    r"|((?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}"
)


def redact(text: str) -> str:
    """``text`` with the values of anything that looks like a secret (``access_token=…``, ``"client_secret": …``,
    ``Authorization: Bearer …``, an OAuth ``code=``) replaced by ``***``."""
    return _SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}***" if m.group(1) else f"{m.group(3)}***", text)


def log_dir(home_root: Path | None = None) -> Path:
    """Where crash logs go: the home's ``logs`` folder if the home exists, else the platform's user log folder."""
    if home_root is not None and Path(home_root).is_dir():
        return Path(home_root) / "logs"
    import platformdirs

    return Path(platformdirs.user_log_dir("juni-tui", appauthor=False))


def write_crash_log(exc: BaseException, home_root: Path | None = None) -> Path | None:
    """Write ``exc``'s traceback (redacted, no local variables) to a new 0600 file; its path, or None if no folder
    would take it."""
    try:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    except RecursionError:  # a traceback as deep as the recursion that caused it
        text = f"{type(exc).__name__}: (traceback too deep to format)\n"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    body = (f"juni-tui {_version()} on Python {sys.version.split()[0]}, {sys.platform}\n"
            f"{datetime.now(UTC).isoformat()}\n\n{redact(text)}")
    for folder in (log_dir(home_root), log_dir(None), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = folder / f"juni-tui-error-{stamp}-{os.getpid()}.log"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as f:
                f.write(body)
            return path
        except (OSError, MemoryError):
            continue
    return None


def _version() -> str:
    try:
        import juni_tui

        return juni_tui.__version__
    except Exception:  # noqa: BLE001 - the crash report must not crash
        return "?"


def unexpected_error(exc: BaseException, home_root: Path | None = None) -> str:
    """Log ``exc`` and return the sentence to show: what happened, that nothing was lost, where the details are."""
    path = write_crash_log(exc, home_root)
    try:
        message = printable(redact(str(exc)))
    except Exception:  # noqa: BLE001 - str() of a hostile exception may itself fail
        message = ""
    if len(message) > 300:
        message = message[:300] + "…"
    what = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    where = f"the details are in {printable(path)}" if path else "no log file could be written"
    return f"juni-tui hit an unexpected error: {what}. Nothing was lost; {where}. Please report it."
