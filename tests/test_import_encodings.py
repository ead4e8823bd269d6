"""juni-tui's own CSV saved by Swedish Excel (cp1252) is read in the encoding found, and the report says which."""

from __future__ import annotations

import json

from juni_tui.cli import main
from juni_tui.services.store import Store

HEADER = "id,date,merchant,amount,account,vat_code\n"


def _cli(home, *args: str) -> int:
    return main(["--home", str(home.root), *args])


def test_a_canonical_csv_in_cp1252_is_imported_and_the_report_names_the_encoding(tmp_path, home, capsys):
    path = tmp_path / "oktober.csv"
    path.write_bytes((HEADER + "a,2026-10-01,Åhléns City,-149.00,5460,25\nb,2026-10-02,Café Ölstugan,-85.50,,\n")
                     .encode("cp1252"))
    assert _cli(home, "import", str(path), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["encoding"] == "cp1252 (Windows Latin-1)"
    with Store.open(home) as store:
        assert sorted(tx.merchant for tx in store.transactions.values()) == ["Café Ölstugan", "Åhléns City"]


def test_the_cp1252_file_is_said_in_the_text_report_and_a_utf8_one_is_not(tmp_path, home, capsys):
    path = tmp_path / "oktober.csv"
    path.write_bytes((HEADER + "a,2026-10-01,Åhléns,-149.00,,\n").encode("cp1252"))
    assert _cli(home, "import", str(path)) == 0
    assert "Read as juni-tui's own CSV/JSON, encoding cp1252 (Windows Latin-1)." in capsys.readouterr().out
    path.write_text(HEADER + "b,2026-10-01,Åhléns,-149.00,,\n", encoding="utf-8")
    assert _cli(home, "import", str(path)) == 0
    assert "Read as" not in capsys.readouterr().out
