"""juni-tui's own CSV saved by Swedish Excel (cp1252) is read in the encoding found, and the report says which; an
import into a new home creates it only when something is imported."""

from __future__ import annotations

import json

from juni_tui.cli import main
from juni_tui.services.store import Home, Store

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


def test_a_new_home_is_not_created_for_a_mapping_to_accept_nor_for_a_refused_file(tmp_path, capsys):
    new_home = tmp_path / "new-home"
    bank = tmp_path / "bank.csv"
    bank.write_text("Bokföringsdag;Text;Belopp\n2026-10-01;ICA Nära;-149,50\n", encoding="utf-8")
    assert main(["--home", str(new_home), "import", str(bank)]) == 3  # the proposed mapping, printed
    assert not new_home.exists()
    broken = tmp_path / "broken.csv"
    broken.write_text(HEADER + "a,2026-13-01,Adobe,-1.00,,\n", encoding="utf-8")
    assert main(["--home", str(new_home), "import", str(broken)]) == 1
    assert "nothing was changed" in capsys.readouterr().err
    assert not new_home.exists()
    assert main(["--home", str(new_home), "import", str(bank), "--accept-mapping"]) == 0
    with Store.open(Home(new_home)) as store:
        assert [tx.merchant for tx in store.transactions.values()] == ["ICA Nära"]
