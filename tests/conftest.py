from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from juni_tui.models import Transaction
from juni_tui.services.home import Home

# Tests never touch the real user data folder.
os.environ.pop("JUNI_TUI_HOME", None)


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


def make_tx(tx_id: str = "tx1", **fields) -> Transaction:
    values = dict(id=tx_id, date=date(2026, 10, 5), merchant="Adobe", amount=Decimal("-1250.00"))
    values.update(fields)
    return Transaction(**values)
