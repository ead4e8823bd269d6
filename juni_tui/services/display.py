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
from datetime import UTC, datetime
from pathlib import Path

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
    as their ``\\xNN``/``\\uNNNN`` code. One line unless ``multiline``. See the module's docstring."""
    s = text if type(text) is str else ("" if text is None else str(text))
    if s.isprintable():  # the common case, answered in C: no control, format or separator characters at all
        return s
    if _ANY_UNSAFE.search(s) is None:  # printable after all: no-break and thin spaces, Swedish amounts
        return s
    return _UNSAFE.sub(_many_lines if multiline else _one_line, s)


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
