"""``juni-tui import`` headless: every format, overlapping files adding nothing twice, mappings asked for once."""

from __future__ import annotations

import json

import pytest

from juni_tui.cli import main
from juni_tui.services.importing import saved
from juni_tui.services.store import Home, Store
from tests.import_samples import REVOLUT_ROWS, camt, camt_entry, revolut, revolut_card_row, write_lines


def cli(home: Home, *args: str) -> int:
    return main(["--home", str(home.root), "import", *args])


def stored_ids(home: Home) -> list[str]:
    with Store.open(home) as store:
        return sorted(store.transactions.keys())


def test_dry_run_in_a_new_home_creates_no_file(tmp_path, capsys):
    home = Home(tmp_path / "new-home")
    path = write_lines(tmp_path / "t.csv", ["id,date,merchant,amount", "a,2026-09-01,Adobe,-10.00"])
    assert cli(home, str(path), "--dry-run") == 0
    assert "1 transaction would be imported" in capsys.readouterr().out
    assert not home.root.exists()


def _bank(tmp_path, name, rows):
    return write_lines(tmp_path / name, ["Datum;Text;Belopp", *rows], encoding="cp1252")


SEPT = ["2026-09-01;Pressbyrån;-30,00", "2026-09-01;Pressbyrån;-30,00", "2026-09-15;SJ;-450,00"]
OCT = ["2026-10-02;Åhléns;-99,00"]


def test_overlapping_bank_files_add_only_what_is_new_and_identical_rows_stay_two(tmp_path, home, capsys):
    september = _bank(tmp_path, "sep.csv", SEPT)
    assert cli(home, str(september), "--accept-mapping") == 0
    assert len(stored_ids(home)) == 3  # the two identical Pressbyrån rows are two transactions
    both = _bank(tmp_path, "sep-oct.csv", [*SEPT, *OCT])
    capsys.readouterr()
    assert cli(home, str(both)) == 0  # the mapping saved for this header: no question
    out = capsys.readouterr().out
    assert "Mapping: the one saved for this header." in out
    assert "Imported 1 transaction from" in out and "(3 were already there)" in out
    assert len(stored_ids(home)) == 4


def test_overlapping_revolut_files_add_nothing_twice(tmp_path, home, capsys):
    assert cli(home, str(revolut(tmp_path / "a.csv", [revolut_card_row(n) for n in range(1, 4)]))) == 0
    assert cli(home, str(revolut(tmp_path / "b.csv", [revolut_card_row(n) for n in range(1, 6)]))) == 0
    assert stored_ids(home) == ["r-1", "r-2", "r-3", "r-4", "r-5"]


@pytest.mark.parametrize("with_refs", [True, False])
def test_overlapping_camt_statements_add_nothing_twice(tmp_path, home, with_refs):
    def entries(days):
        return [camt_entry(8, ref=f"R{d}" if with_refs else None, amount="10.00", day=f"2026-09-{d:02d}")
                for d in days]

    assert cli(home, str(camt(tmp_path / "a.xml", 8, entries([1, 2])))) == 0
    assert cli(home, str(camt(tmp_path / "b.xml", 8, entries([1, 2, 3])))) == 0
    assert len(stored_ids(home)) == 3


def test_an_unknown_header_prints_the_proposed_mapping_and_writes_nothing(tmp_path, home, capsys):
    path = _bank(tmp_path, "sep.csv", SEPT)
    assert cli(home, str(path)) == 3
    captured = capsys.readouterr()
    assert 'date = "Datum"' in captured.out and 'merchant = "Text"' in captured.out and 'decimal = ","' in captured.out
    assert "--accept-mapping" in captured.err
    assert stored_ids(home) == []
    with Store.open(home) as store:
        assert not list(saved.table(store).values())


def test_a_dry_run_does_not_save_the_mapping(tmp_path, home, capsys):
    path = _bank(tmp_path, "sep.csv", SEPT)
    assert cli(home, str(path), "--accept-mapping", "--dry-run") == 0
    assert cli(home, str(path)) == 3


def test_a_mapping_file_is_used_and_saved(tmp_path, home, capsys):
    mapping = tmp_path / "bank.toml"
    mapping.write_text('[columns]\ndate = "Datum"\namount = "Belopp"\nmerchant = "Text"\n[format]\ndecimal = ","\n'
                       'encoding = "cp1252"\n', encoding="utf-8")
    assert cli(home, str(_bank(tmp_path, "sep.csv", SEPT)), "--mapping", str(mapping), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["format"], report["encoding"], len(report["added"])) == ("mapped", "cp1252 (Windows Latin-1)", 3)
    assert cli(home, str(_bank(tmp_path, "oct.csv", OCT))) == 0


def test_the_report_counts_skipped_rows_with_reasons(tmp_path, home, capsys):
    assert cli(home, str(revolut(tmp_path / "r.csv", list(REVOLUT_ROWS.values())))) == 0
    out = capsys.readouterr().out
    assert "Read as a Revolut Business CSV, encoding UTF-8." in out
    assert "Skipped 4 rows: not a card payment 2, other currency 1, pending (not booked yet) 1." in out


def test_a_broken_mapping_file_is_a_sentence(tmp_path, home, capsys):
    mapping = tmp_path / "bad.toml"
    mapping.write_text("[columns\n")
    assert cli(home, str(_bank(tmp_path, "sep.csv", SEPT)), "--mapping", str(mapping)) == 1
    assert "is not valid TOML" in capsys.readouterr().err


def test_a_mapping_saved_for_a_header_below_title_lines_is_found_for_the_next_period(tmp_path, home, capsys):
    mapping = tmp_path / "swedbank.toml"
    mapping.write_text('[columns]\ndate = "Transaktionsdag"\namount = "Belopp"\nmerchant = "Beskrivning"\n')
    header = "Radnummer\tTransaktionsdag\tBeskrivning\tBelopp\tBokfört saldo"

    def statement(name, period, rows):
        return write_lines(tmp_path / name, [f"* Transaktionsrapport Period {period}", header, *rows])

    september = statement("sep.csv", "2026-09-01 - 2026-09-30", ["1\t2026-09-03\tSJ AB\t-450.00\t0"])
    october = statement("oct.csv", "2026-10-01 - 2026-10-31", ["1\t2026-10-03\tSJ AB\t-450.00\t0"])
    assert cli(home, str(september), "--mapping", str(mapping)) == 0
    assert cli(home, str(october)) == 0
    assert "Mapping: the one saved for this header." in capsys.readouterr().out
    assert len(stored_ids(home)) == 2


def test_the_audit_record_says_how_the_file_was_read(tmp_path, home):
    assert cli(home, str(_bank(tmp_path, "sep.csv", [*SEPT, "Reserverat;ICA;-5,00"])), "--accept-mapping") == 0
    with Store.open(home) as store:
        record = store.audit_log()[-1]
    assert (record["action"], record["format"], record["encoding"]) == ("import", "mapped", "cp1252 (Windows Latin-1)")
    assert record["mapping"]["columns"] == {"date": "Datum", "amount": "Belopp", "merchant": "Text"}
    assert record["skipped"] == {"pending (not booked yet)": 1} and len(record["ids"]) == 3


def test_a_saved_mapping_survives_a_checkpoint_and_a_restart(tmp_path, home):
    assert cli(home, str(_bank(tmp_path, "sep.csv", SEPT)), "--accept-mapping") == 0
    with Store.open(home) as store:
        store.checkpoint()  # the journal folded into juni.json, the mapping's table with it
    with Store.open(home) as store:
        assert len(saved.saved_mappings(store)) == 1
    assert cli(home, str(_bank(tmp_path, "oct.csv", OCT))) == 0
