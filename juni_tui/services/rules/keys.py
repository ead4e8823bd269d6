"""How merchants and categories are matched: the keys their names reduce to, and a merchant's readable name."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_PROCESSOR_PREFIX = re.compile(r"^\s*(?:sq|sp|sumup|iz|izettle|zettle_?|paypal|pp|tst)\s*\*\s*", re.IGNORECASE)
_TRAILING_NOISE = frozenset(
    # cities and districts that card descriptors append
    "stockholm sthlm goteborg gothenburg malmo uppsala vasteras orebro linkoping helsingborg jonkoping norrkoping "
    "lund umea gavle boras sodertalje eskilstuna halmstad vaxjo karlstad sundsvall lulea solna sundbyberg nacka "
    "kista arlanda bromma taby huddinge oslo copenhagen kobenhavn helsinki london dublin amsterdam berlin "
    # countries and country codes
    "se swe sweden sverige no nor norway dk dnk denmark fi fin finland de deu germany gb gbr uk ie irl ireland us "
    "usa nl nld fr fra lu lux ee "
    # company forms and web suffixes
    "ab publ inc ltd llc gmbh oy aps bv as limited corp com net org io".split()
)


@lru_cache(maxsize=65536)
def merchant_key(name: str) -> str:
    """A merchant's name reduced to what identifies it: ``ESPRESSO HOUSE 123 STOCKHOLM`` → ``espresso house``.

    Case, accents and punctuation go; so do a card processor's prefix (``SQ *``, ``PAYPAL *``) and trailing
    store numbers, cities, countries and company forms (``AB``, ``Ltd``). The first word always stays.
    Merchant rules and the history match on these keys, by whole-word prefix (``merchant_prefixes``).
    """
    text = _PROCESSOR_PREFIX.sub("", name)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    tokens = re.sub(r"[^0-9a-z]+", " ", text).split()
    if tokens and tokens[0] == "www":
        tokens = tokens[1:]
    while len(tokens) > 1 and (
        tokens[-1] in _TRAILING_NOISE
        or any(ch.isdigit() for ch in tokens[-1])
        or (len(tokens[-1]) == 1 and tokens[-2] in _TRAILING_NOISE)  # STOCKHOLM C
    ):
        tokens.pop()
    return " ".join(tokens) or " ".join(name.casefold().split())


def merchant_prefixes(key: str) -> list[str]:
    """The key and its shorter word prefixes, longest first: ``adobe creative cloud``, ``adobe creative``,
    ``adobe``. A merchant rule (or the history) for ``adobe`` covers all of them; a longer one is more specific."""
    words = key.split()
    return [" ".join(words[:n]) for n in range(len(words), 0, -1)]


def merchant_display(name: str, key: str | None = None) -> str:
    """A readable form of the merchant for messages: ``ESPRESSO HOUSE 123 STOCKHOLM`` → ``Espresso House``."""
    key = key if key is not None else merchant_key(name)
    words = _PROCESSOR_PREFIX.sub("", name).split()[: len(key.split())]
    shown = " ".join(words).strip(" .,;:-*#")
    if not shown or merchant_key(shown) != key:
        return key.title()
    return shown.title() if shown.isupper() else shown


def norm(text: str) -> str:
    return " ".join(text.casefold().split())


def category_key(category: str) -> str:
    return norm(category)
