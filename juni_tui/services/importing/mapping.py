"""A mapping: which column of a bank's or card's CSV holds which value, and how the file writes them (a TOML file).

    [columns]          # field = column name in the file
    date = "Bokföringsdag"
    amount = "Belopp"
    merchant = "Beskrivning"
    id = "Referens"    # optional: without it, a stable id is derived (statement.derived_id)
    [format]
    encoding = "cp1252"          # found when absent (text.decode)
    delimiter = ";"              # guessed from the header when absent
    decimal = ","                # "." by default
    date_format = "%Y-%m-%d"     # YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD when absent
    purchases = "negative"       # or "positive", when the file shows money out as positive

``Mapping.load`` reads and checks one (every problem named); ``to_toml`` writes it; ``signature`` names a header so
that the mapping used for it is found again (``saved.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from juni_tui.services.importing.statement import normalised
from juni_tui.services.importing.text import known_codec

REQUIRED = ("date", "amount", "merchant")
OPTIONAL = ("id", "currency", "original_amount", "original_currency", "card", "cardholder", "category",
            "description", "merchant_country")  # fmt: skip
FIELDS = REQUIRED + OPTIONAL
#: What each field is, for the dialog and the docs.
FIELD_HELP = {
    "date": "the purchase's date", "amount": "the amount in SEK", "merchant": "the merchant (or the bank's text)",
    "id": "a unique id per row (else one is derived)", "currency": "the amount's currency (rows not in SEK are "
    "skipped)", "original_amount": "the amount in the purchase's currency", "original_currency": "that currency",
    "card": "the card", "cardholder": "the cardholder", "category": "the category", "description": "a description",
    "merchant_country": "the merchant's country (two letters)",
}  # fmt: skip
MAX_MAPPING_BYTES = 64_000
DELIMITERS = (";", ",", "\t", "|")
_FORMAT_KEYS = ("encoding", "delimiter", "decimal", "date_format", "purchases")


class MappingError(ValueError):
    """A mapping file that cannot be used: every problem, one per line."""


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    date_format: str | None = None
    purchases: str = "negative"

    def with_column(self, name: str, column: str | None) -> Mapping:
        columns = {k: v for k, v in self.columns.items() if k != name}
        if column:
            columns[name] = column
        return replace(self, columns=columns)

    def with_setting(self, name: str, value: str | None) -> Mapping:
        """The mapping with one ``[format]`` setting changed (None: found from the file, or the default)."""
        if name not in _FORMAT_KEYS:
            raise ValueError(f"{name!r} is not a setting")
        changed: dict[str, Any] = {name: value if value is not None or name not in ("decimal", "purchases")
                                   else getattr(Mapping(), name)}
        return replace(self, **changed)

    def missing(self) -> list[str]:
        return [name for name in REQUIRED if not self.columns.get(name)]

    def to_toml(self) -> str:
        lines = ["[columns]"]
        lines += [f"{name} = {json.dumps(self.columns[name], ensure_ascii=False)}" for name in FIELDS
                  if name in self.columns]
        lines.append("")
        lines.append("[format]")
        for key in _FORMAT_KEYS:
            value = getattr(self, key)
            if value is not None:
                lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        return "\n".join(lines) + "\n"

    def to_doc(self) -> dict[str, Any]:
        return {"columns": dict(self.columns), **{key: getattr(self, key) for key in _FORMAT_KEYS}}

    @classmethod
    def from_doc(cls, doc: dict[str, Any], where: str = "the mapping") -> Mapping:
        """A mapping from a TOML document (or a stored one), checked: ``MappingError`` with every problem."""
        problems: list[str] = []
        if not isinstance(doc, dict):
            raise MappingError(f"{where}: it is not a table of settings")
        for key in doc:
            if key not in ("columns", "format") and key not in _FORMAT_KEYS:
                problems.append(f"unknown section {key!r} (the sections are [columns] and [format])")
        columns = doc.get("columns", {})
        fmt = doc.get("format", {k: doc[k] for k in _FORMAT_KEYS if k in doc})
        if "format" in doc:  # a setting above [columns] as well as a [format] table: which one is meant?
            problems.extend(f"{key!r} is above [columns]: put it under [format] with the other settings"
                            for key in _FORMAT_KEYS if key in doc)
        if not isinstance(columns, dict) or not isinstance(fmt, dict):
            raise MappingError(f"{where}: [columns] and [format] must be tables")
        checked: dict[str, str] = {}
        for name, column in columns.items():
            if name not in FIELDS:
                problems.append(f"[columns] {name!r} is not a field (the fields are: {', '.join(FIELDS)})")
            elif not isinstance(column, str) or not column.strip():
                problems.append(f"[columns] {name} must be the name of a column, as text")
            else:
                checked[name] = column.strip()
        missing = [name for name in REQUIRED if name not in checked]
        if missing:
            problems.append(f"[columns] must name the column{'s' * (len(missing) > 1)} for {', '.join(missing)}")
        for key in fmt:
            if key not in _FORMAT_KEYS:
                problems.append(f"[format] {key!r} is not a setting (the settings are: {', '.join(_FORMAT_KEYS)})")
        options = {key: fmt[key] for key in _FORMAT_KEYS if fmt.get(key) is not None}
        for key, value in options.items():
            if not isinstance(value, str):
                problems.append(f"[format] {key} must be text")
        if problems:
            raise MappingError(f"{where} cannot be used:\n  " + "\n  ".join(problems))
        if options.get("delimiter") in ("tab", "\\t"):
            options["delimiter"] = "\t"
        if "delimiter" in options and options["delimiter"] not in DELIMITERS:
            problems.append(f"[format] delimiter {options['delimiter']!r} must be one of \";\", \",\", \"\\t\", \"|\"")
        if options.get("decimal", ".") not in (".", ","):
            problems.append(f"[format] decimal {options['decimal']!r} must be \".\" or \",\"")
        if options.get("purchases", "negative") not in ("negative", "positive"):
            problems.append(f"[format] purchases {options['purchases']!r} must be \"negative\" or \"positive\"")
        if "date_format" in options and (wrong := date_format_problem(options["date_format"])):
            problems.append(f"[format] {wrong}")
        if "encoding" in options and known_codec(options["encoding"]) is None:
            problems.append(f"[format] encoding {options['encoding']!r} is not one juni-tui knows (utf-8, cp1252 …)")
        if problems:
            raise MappingError(f"{where} cannot be used:\n  " + "\n  ".join(problems))
        return cls(columns=checked, **options)

    @classmethod
    def load(cls, path: Path | str) -> Mapping:
        path = Path(path)
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):
                raise MappingError(f"the mapping {path} is not a file")
            with open(path, "rb") as f:
                raw = f.read(MAX_MAPPING_BYTES + 1)
        except FileNotFoundError:
            raise MappingError(f"there is no mapping file {path}") from None
        except OSError as exc:
            raise MappingError(f"the mapping {path} cannot be read: {exc.strerror or exc}") from None
        if len(raw) > MAX_MAPPING_BYTES:
            raise MappingError(f"the mapping {path} is larger than {MAX_MAPPING_BYTES // 1000} kB: is it a mapping?")
        try:
            doc = tomllib.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise MappingError(f"the mapping {path} is not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(f"the mapping {path} is not valid TOML: {exc}") from None
        return cls.from_doc(doc, f"the mapping {path.name}")


def date_format_problem(date_format: str) -> str | None:
    """What is wrong with a mapping's ``date_format`` (strptime's codes), or None: it must name the year, the month
    and the day (``%d.%m`` would date every row in 1900)."""
    codes = set(re.findall(r"%(.)", date_format.replace("%%", "")))
    if not codes:
        return f"date_format {date_format!r} has no %-codes (such as %Y-%m-%d)"
    if not codes & {"Y", "y"} or not (codes & {"m", "b", "B"} and "d" in codes or "j" in codes):
        return (f"date_format {date_format!r} must name the year (%Y), the month (%m) and the day (%d), such as "
                "%d.%m.%Y")
    return None


def header_key(cell: str) -> str:
    return normalised(cell.lstrip("\ufeff"))


def signature(header: list[str]) -> str:
    """The header's signature: the same columns in the same order, whatever their case or spacing."""
    return hashlib.sha256("\x1f".join(header_key(c) for c in header).encode()).hexdigest()[:20]
