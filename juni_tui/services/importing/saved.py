"""The mappings a home has used, each under the signature of the header it was used for (table ``import_mappings``).

The next file with the same header imports without a question. A mapping is saved in the import's own commit (the
Store is the one writer), never on a dry run or a refused file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from juni_tui.domain.clock import utcnow
from juni_tui.services.importing.mapping import Mapping, MappingError
from juni_tui.services.store import Store, Table

TABLE = "import_mappings"


class SavedMapping(BaseModel):
    model_config = ConfigDict(frozen=True)

    signature: str
    header: tuple[str, ...]
    mapping: dict[str, Any]
    file: str = ""
    saved_at: datetime = Field(default_factory=utcnow)


def table(store: Store) -> Table[SavedMapping]:
    return store.table(TABLE, SavedMapping, "signature")


def saved_mappings(store: Store) -> dict[str, Mapping]:
    """Signature → mapping, for reading a file off the store's thread; a stored mapping that no longer checks is
    left out (the file is then asked about again)."""
    out: dict[str, Mapping] = {}
    for item in table(store).values():
        try:
            out[item.signature] = Mapping.from_doc(item.mapping)
        except MappingError:
            continue
    return out


def to_save(store: Store, signature: str, header: list[str], mapping: Mapping, file: str) -> SavedMapping | None:
    """The document to commit for a mapping used on this header; None when the home has it already."""
    known = table(store).get(signature)
    if known is not None and known.mapping == mapping.to_doc():
        return None
    return SavedMapping(signature=signature, header=tuple(header), mapping=mapping.to_doc(), file=file)
