"""The month-end headless, as a script author gets it wrong: a closed stdout, a --home that is a file, odd values."""

from __future__ import annotations

import pytest

from juni_tui.cli import main
from juni_tui.services.store.home import Home

CSV = """id,date,merchant,amount,original_amount,original_currency,account,vat_code
a1,2026-10-01,Adobe Systems,-1250.00,,,5420,25
a3,2026-10-03,Espresso House,-104.00,,,,
"""


def cli(home: Home, *args: str) -> int:
    return main(["--home", str(home.root), *args])


@pytest.mark.parametrize("command", [["list"], ["list", "--json"], ["export", "--dry-run", "--series", "K"]])
def test_a_home_that_is_a_file_is_refused_not_shown_as_empty(tmp_path, capsys, command):
    not_a_folder = tmp_path / "juni.csv"
    not_a_folder.write_text(CSV)
    assert main(["--home", str(not_a_folder), *command]) == 1
    out = capsys.readouterr()
    assert out.out == "" and "is a file where juni-tui needs a folder" in out.err
    assert not_a_folder.read_text() == CSV
