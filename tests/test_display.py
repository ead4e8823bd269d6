"""``printable``: the one sanitiser for text shown to a person."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from juni_tui.services.display import printable


@pytest.mark.parametrize("text, shown", [
    ("Clas Ohlson", "Clas Ohlson"),
    ("Kjell & Company åäö 1\u00a0234,00", "Kjell & Company åäö 1\u00a0234,00"),
    ("Evil\x1b[2J\x1b[HShop", "Evil\\x1b\\x1bShop"),  # clear screen, cursor home
    ("a\x1b]52;c;SGFja2Vk\x07b", "a\\x1bb"),  # OSC 52: the clipboard payload is gone
    ("a\x1b]0;title\x1b\\b", "a\\x1bb"),  # window title, ended by ST
    ("\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\", "\\x1blink\\x1b"),  # OSC 8 hyperlink
    ("x\x9b31mred", "x\\x9bred"),  # 8-bit CSI
    ("y\x9d0;title\x9cz", "y\\x9dz"),  # 8-bit OSC
    ("\x1bP1$r\x1b\\after", "\\x1bafter"),  # DCS
    ("\x1b_apc\x1b\\ok", "\\x1bok"),  # APC
    ("reset\x1bc", "reset\\x1b"),  # ESC c
    ("lone\x1b", "lone\\x1b"),
    ("unterminated\x1b]52;c;SGFja2Vk", "unterminated\\x1b"),  # a terminal would swallow the rest too
    ("bel\x07 nul\x00 del\x7f c1\x85x", "bel\\x07 nul\\x00 del\\x7f c1 x"),
    ("\u202eevil\u2066x\u2069\u200e\u200f\u061c", "\\u202eevil\\u2066x\\u2069\\u200e\\u200f\\u061c"),
    ("a\nb\tc\r\nd\re\u2028f", "a b c d e f"),
])
def test_escape_sequences_are_removed_and_control_characters_shown_as_codes(text, shown):
    assert printable(text) == shown


def test_multiline_text_keeps_its_lines_and_tabs():
    assert printable("a\r\nb\rc\nd\te\x1b[2J", multiline=True) == "a\nb\nc\nd\te\\x1b"


def test_anything_is_shown_as_text():
    assert printable(None) == "" and printable(42) == "42"


@given(st.text())
def test_nothing_a_terminal_would_obey_survives(text):
    shown = printable(text)
    assert not any(ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f for ch in shown)
    assert not set(shown) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def test_ten_thousand_cells_cost_milliseconds():
    clean = [f"Clas Ohlson {i} Stockholm" for i in range(10_000)]
    swedish = [f"Köp åäö {i}\u00a0SEK" for i in range(10_000)]
    hostile = [f"Evil\x1b[2J\x1b]52;c;SGVsbG8=\x07Shop{i}\u202e" for i in range(10_000)]
    for data, budget in ((clean, 0.02), (swedish, 0.05), (hostile, 0.25)):
        start = time.perf_counter()
        for text in data:
            printable(text)
        assert time.perf_counter() - start < budget


@pytest.mark.parametrize("text, secret", [
    ("refresh_token=abc123secret&x=1", "abc123secret"),
    ('{"access_token": "eyJhbGciOi.xyz", "expires_in": 3600}', "eyJhbGciOi"),
    ("Authorization: Bearer eyJabcdefgh12345", "eyJabcdefgh12345"),
    ("GET /callback?code=SECRETCODE&state=STATE1", "SECRETCODE"),
    ("{'client_secret': 's3cr3t'}", "s3cr3t"),
])
def test_secrets_never_reach_a_crash_log(text, secret):
    from juni_tui.services.display import redact

    assert secret not in redact(text)
    assert redact("Fortnox error code 2000359") == "Fortnox error code 2000359"
