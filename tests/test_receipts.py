"""Receipts as files: stored by content hash, checked against Fortnox's limits, attached by hand, kept for good.

The helpers at the top (real PDFs with text, Pillow images, an inbox) are shared by the other test_receipts_*
modules.
"""

from __future__ import annotations

import io
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from juni_tui.domain.receipts import MatchState
from juni_tui.domain.transactions import ExportState, Status
from juni_tui.services import receipts as svc
from juni_tui.services.demo.receipt_pdf import ReceiptLine, ReceiptSpec, render_receipt_pdf
from juni_tui.services.fortnox.spec import MAX_ATTACHMENT_BYTES, sniff_content_type
from juni_tui.services.receipts.library import sha256
from juni_tui.services.store import ImmutableError, Store
from juni_tui.services.store.home import Home
from juni_tui.services.workflow import WorkflowError, mark_ready
from tests.conftest import make_tx

# --- helpers (used by the other receipt test modules too) -----------------------------------------------------


def pdf(merchant: str = "Espresso House", day: date = date(2026, 10, 5), total: str = "104.00",
        currency: str = "SEK", **extra) -> bytes:
    return render_receipt_pdf(ReceiptSpec(merchant=merchant, day=day, total=Decimal(total), currency=currency,
                                          lines=(ReceiptLine("Vara", Decimal(total)),), **extra))


def image(kind: str = "PNG", size: tuple[int, int] = (300, 200), color=(40, 90, 200), *, mode: str = "RGB",
          **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, kind, **save)
    return buffer.getvalue()


def noisy_jpeg(size: tuple[int, int] = (1600, 1400), quality: int = 98) -> bytes:
    """A photo-like JPEG that does not compress well: 1600×1400 at quality 98 is about 2.9 MB."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def drop(home: Home, name: str, data: bytes) -> Path:
    path = home.default_inbox / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def exported(tx, number: int = 1):
    return tx.model_copy(update={
        "status": Status.EXPORTED,
        "export": ExportState(series="A", tag=f"juni {tx.id}", voucher_number=number, voucher_year=1,
                              exported_at=datetime(2026, 11, 1, tzinfo=UTC)),
    })


# --- storage --------------------------------------------------------------------------------------------------


def test_a_pdf_is_stored_by_its_content_hash_with_what_it_says(store, tmp_path):
    data = pdf("Espresso House", date(2026, 10, 5), "104.00")
    source = tmp_path / "kvitto.pdf"
    source.write_bytes(data)
    result = svc.add_receipt(store, source)
    receipt = result.receipt
    assert result.outcome == "added"
    path = svc.receipt_file(store, receipt)
    assert path == store.home.receipts / receipt.id[:2] / f"{receipt.id}.pdf"
    assert path.read_bytes() == data
    assert (receipt.amount, receipt.currency, receipt.receipt_date) == (Decimal("104.00"), "SEK", date(2026, 10, 5))
    assert receipt.merchant == "Espresso House"
    assert store.receipts[receipt.id].filename == "kvitto.pdf"


def test_the_same_pdf_added_twice_is_one_receipt(store):
    first = svc.add_receipt(store, pdf(), "a.pdf")
    second = svc.add_receipt(store, pdf(), "copy of a.pdf")
    assert second.outcome == "duplicate"
    assert second.receipt.id == first.receipt.id
    assert "a.pdf" in second.message
    assert len(store.receipts) == 1


def test_a_png_is_converted_to_jpeg_and_recognised_when_dropped_again(store):
    png = image("PNG")
    first = svc.add_receipt(store, png, "skärmbild.png")
    receipt = first.receipt
    stored = svc.receipt_file(store, receipt).read_bytes()
    assert sniff_content_type(stored) == "image/jpeg"
    assert receipt.content_type == "image/jpeg"
    assert receipt.filename == "skärmbild.jpg" and receipt.source_name == "skärmbild.png"
    assert receipt.converted_from == "image/png" and "PNG converted to JPEG" in receipt.conversion
    again = svc.add_receipt(store, png, "skärmbild (1).png")
    assert again.outcome == "duplicate" and again.receipt.id == receipt.id
    assert len(store.receipts) == 1


def test_a_transparent_screenshot_turns_white_not_black(store):
    result = svc.add_receipt(store, image("PNG", mode="RGBA", color=(0, 0, 0, 0)), "shot.png")
    converted = Image.open(svc.receipt_file(store, result.receipt))
    assert converted.getpixel((5, 5)) >= (250, 250, 250)


def test_gif_and_webp_are_converted_and_heic_is_refused_with_what_to_do(store):
    assert svc.add_receipt(store, image("GIF", mode="P", color=3), "a.gif").receipt.content_type == "image/jpeg"
    assert svc.add_receipt(store, image("WEBP"), "b.webp").receipt.content_type == "image/jpeg"
    heic = svc.add_receipt(store, b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + b"\x00" * 64, "IMG_0001.HEIC")
    assert heic.outcome == "refused"
    assert "JPEG" in heic.message and "Most Compatible" in heic.message


def test_an_oversize_jpeg_is_reduced_under_the_limit_and_stays_readable(store):
    big = noisy_jpeg()
    assert len(big) > MAX_ATTACHMENT_BYTES
    result = svc.add_receipt(store, big, "foto.jpg")
    receipt = result.receipt
    assert receipt.size <= MAX_ATTACHMENT_BYTES
    assert "reduced from 2.9 MB" in receipt.conversion
    reduced = Image.open(svc.receipt_file(store, receipt))
    assert reduced.format == "JPEG" and max(reduced.size) >= 1200
    assert svc.add_receipt(store, big, "foto igen.jpg").outcome == "duplicate"


def test_an_oversize_pdf_is_refused_with_the_limit_and_its_size(store):
    big = pdf() + b"\n%" + b"x" * 2_600_000
    result = svc.add_receipt(store, big, "scan.pdf")
    assert result.outcome == "refused"
    assert "scan.pdf is 2.6 MB" in result.message and "at most 2.5 MB" in result.message
    assert len(store.receipts) == 0
    assert not any(p.is_file() for p in store.home.receipts.rglob("*"))


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("kvitto.pdf", image("PNG"), "named as a PDF, but its content is a PNG image"),
        ("photo.jpg", pdf(), "named as a JPEG image, but its content is a PDF"),
        ("kvitto.pdf", b"<html>not a pdf</html>", "named as a PDF, but its content is not a PDF"),
        ("notes.txt", pdf(), "named .txt"),
        ("notes.docx", b"PK\x03\x04 a word file", "not a receipt juni-tui can take"),
        ("empty.pdf", b"", "empty.pdf is empty"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(store, name, data, says):
    result = svc.add_receipt(store, data, name)
    assert result.outcome == "refused"
    assert says in result.message
    assert len(store.receipts) == 0


def test_tiff_is_kept_as_it_is(store):
    tiff = image("TIFF")
    receipt = svc.add_receipt(store, tiff, "scan.tif").receipt
    assert receipt.content_type == "image/tiff" and receipt.id == sha256(tiff)
    assert svc.receipt_file(store, receipt).read_bytes() == tiff


# --- attaching by hand ----------------------------------------------------------------------------------------


def test_attach_file_attaches_a_manual_receipt_and_completes_the_checkmark(store, tmp_path):
    store.commit([make_tx("t1")])
    (tmp_path / "adobe.pdf").write_bytes(pdf("Adobe", total="1250.00"))
    receipt = svc.attach_file(store, "t1", tmp_path / "adobe.pdf")
    tx = store.transactions["t1"]
    assert tx.receipts == (receipt.id,) and tx.attachment_complete
    assert receipt.match == MatchState.MANUAL and receipt.transaction_id == "t1"
    assert store.receipts[receipt.id].transaction_id == "t1"


def test_a_transaction_can_have_more_than_one_receipt_and_detach_removes_one(store, tmp_path):
    store.commit([make_tx("t1")])
    for name, total in (("a.pdf", "1000.00"), ("b.pdf", "250.00")):
        (tmp_path / name).write_bytes(pdf("Adobe", total=total))
    a = svc.attach_file(store, "t1", tmp_path / "a.pdf")
    b = svc.attach_file(store, "t1", tmp_path / "b.pdf")
    assert store.transactions["t1"].receipts == (a.id, b.id)
    detached = svc.detach(store, a.id)
    assert store.transactions["t1"].receipts == (b.id,)
    assert detached.match == MatchState.UNMATCHED and detached.transaction_id is None
    assert a.id in store.receipts  # the receipt stays, to be attached elsewhere


def test_attach_file_is_one_commit(store, tmp_path):
    store.commit([make_tx("t1")])
    (tmp_path / "a.pdf").write_bytes(pdf())
    commits = []
    store.subscribe(commits.append)
    svc.attach_file(store, "t1", tmp_path / "a.pdf")
    assert len(commits) == 1 and commits[0].of("transactions") == {"t1"} and len(commits[0].of("receipts")) == 1


def test_attaching_to_an_exported_transaction_is_refused_and_copies_nothing(store, tmp_path):
    store.commit([exported(make_tx("t1"))])
    (tmp_path / "a.pdf").write_bytes(pdf())
    with pytest.raises(ImmutableError, match="exported to Fortnox as voucher A 1"):
        svc.attach_file(store, "t1", tmp_path / "a.pdf")
    assert len(store.receipts) == 0 and not any(p.is_file() for p in store.home.receipts.rglob("*"))


def test_attaching_to_an_unknown_or_ready_transaction_or_a_bad_file_is_refused(store, tmp_path):
    store.commit([make_tx("t1", account=5410, vat_code="25", no_receipt_reason="bank fee")])
    mark_ready(store, ["t1"])
    (tmp_path / "a.pdf").write_bytes(pdf())
    (tmp_path / "fake.pdf").write_bytes(image("PNG"))
    with pytest.raises(svc.ReceiptError, match="There is no transaction nope"):
        svc.attach_file(store, "nope", tmp_path / "a.pdf")
    with pytest.raises(WorkflowError, match="Ready to export"):
        svc.attach_file(store, "t1", tmp_path / "a.pdf")
    store.commit([make_tx("t2")])
    with pytest.raises(svc.ReceiptError, match="not what its name says"):
        svc.attach_file(store, "t2", tmp_path / "fake.pdf")
    with pytest.raises(svc.ReceiptError, match="no such file"):
        svc.attach_file(store, "t2", tmp_path / "missing.pdf")
    assert store.transactions["t2"].receipts == ()


def test_a_receipt_attached_to_one_transaction_is_not_silently_moved_to_another(store, tmp_path):
    store.commit([make_tx("t1"), make_tx("t2")])
    (tmp_path / "a.pdf").write_bytes(pdf())
    svc.attach_file(store, "t1", tmp_path / "a.pdf")
    with pytest.raises(svc.ReceiptError, match="already the receipt of transaction t1"):
        svc.attach_file(store, "t2", tmp_path / "a.pdf")
    assert store.transactions["t2"].receipts == ()


def test_detach_through_workflow_alone_still_shows_the_receipt_as_unattached(store, tmp_path):
    from juni_tui.services import workflow

    store.commit([make_tx("t1")])
    (tmp_path / "a.pdf").write_bytes(pdf())
    receipt = svc.attach_file(store, "t1", tmp_path / "a.pdf")
    workflow.detach(store, "t1", receipt.id)
    (listed,) = svc.list_receipts(store, unmatched=True)
    assert listed.id == receipt.id and listed.match == MatchState.UNMATCHED


# --- the inbox ------------------------------------------------------------------------------------------------


def test_every_inbox_file_ends_up_a_receipt_or_a_reported_refusal(store, home):
    drop(home, "a.pdf", pdf("Adobe", total="1250.00"))
    drop(home, "b.png", image("PNG"))
    drop(home, "sub/c.jpg", image("JPEG"))
    drop(home, "fake.pdf", image("PNG", color=(1, 2, 3)))
    drop(home, "notes.txt", b"hello")
    drop(home, ".DS_Store", b"\x00\x00\x00\x01Bud1")
    report = svc.scan_inbox(store)
    outcomes = {f.name: f.outcome for f in report.files}
    assert outcomes == {"a.pdf": "added", "b.png": "added", "sub/c.jpg": "added", "fake.pdf": "refused",
                        "notes.txt": "refused"}
    assert len(store.receipts) == 3
    assert {f.name for f in svc.inbox_refusals(store)} == {"fake.pdf", "notes.txt"}
    assert "not what its name says" in next(f.message for f in report.refused if f.name == "fake.pdf")


def test_a_rescan_reads_nothing_again_and_adds_no_duplicates(store, home):
    drop(home, "a.pdf", pdf())
    drop(home, "fake.pdf", image("PNG"))
    svc.scan_inbox(store)
    drop(home, "same as a.pdf", pdf())
    report = svc.scan_inbox(store)
    outcomes = {f.name: (f.outcome, f.message) for f in report.files}
    assert outcomes["a.pdf"] == ("unchanged", "already added")
    assert outcomes["same as a.pdf"][0] == "duplicate"
    assert outcomes["fake.pdf"][0] == "unchanged" and outcomes["fake.pdf"][1].startswith("still refused")
    assert len(store.receipts) == 1


def test_a_refusal_is_forgotten_when_the_file_leaves_the_inbox(store, home):
    bad = drop(home, "fake.pdf", image("PNG"))
    svc.scan_inbox(store)
    bad.unlink()
    svc.scan_inbox(store)
    assert svc.inbox_refusals(store) == []


def test_a_download_in_progress_is_read_once_complete(store, home):
    partial = drop(home, "kvitto.pdf.crdownload", pdf()[:100])
    report = svc.scan_inbox(store)
    assert [f.outcome for f in report.files] == ["skipped"] and len(store.receipts) == 0
    partial.rename(home.default_inbox / "kvitto.pdf")
    partial.with_name("kvitto.pdf").write_bytes(pdf())
    assert [f.outcome for f in svc.scan_inbox(store).files] == ["added"]


def test_a_scan_is_one_commit_however_many_files(store, home):
    store.commit([make_tx("t1", merchant="Espresso House", amount=Decimal("-104.00"))])
    for n in range(5):
        drop(home, f"r{n}.pdf", pdf(total=f"{100 + n}.00"))
    commits = []
    store.subscribe(commits.append)
    report = svc.scan_inbox(store)
    assert len(commits) == 1
    assert len(report.of("added")) == 5 and report.match.counts["auto"] == 1


def test_receipts_survive_the_inbox_being_emptied(home):
    drop(home, "espresso.pdf", pdf("Espresso House", total="104.00"))
    with Store.open(home) as store:
        store.commit([make_tx("t1", merchant="ESPRESSO HOUSE 12", amount=Decimal("-104.00"))])
        svc.scan_inbox(store)
    for path in home.default_inbox.iterdir():
        path.unlink()
    with Store.open(home) as store:
        svc.scan_inbox(store)
        (receipt_id,) = store.transactions["t1"].receipts
        name, data, content_type = svc.upload_payload(store, receipt_id)
        assert data == pdf("Espresso House", total="104.00") and content_type == "application/pdf"
        assert store.receipts[receipt_id].match == MatchState.AUTO


def test_inbox_signature_changes_only_when_the_inbox_does(store, home):
    home.default_inbox.mkdir()
    before = svc.inbox_signature(store)
    assert before == svc.inbox_signature(store)
    path = drop(home, "a.pdf", pdf())
    after = svc.inbox_signature(store)
    assert after != before and after == svc.inbox_signature(store)
    os.utime(path, ns=(1, 1))
    assert svc.inbox_signature(store) != after


def test_the_inbox_folder_comes_from_settings(store, tmp_path):
    elsewhere = tmp_path / "Receipts"
    elsewhere.mkdir()
    store.save_settings(store.settings.model_copy(update={"inbox_dir": str(elsewhere)}))
    (elsewhere / "a.pdf").write_bytes(pdf())
    assert svc.inbox_path(store) == elsewhere
    assert [f.outcome for f in svc.scan_inbox(store).files] == ["added"]
    store.save_settings(store.settings.model_copy(update={"inbox_dir": str(tmp_path / "gone")}))
    with pytest.raises(svc.ReceiptError, match="does not exist"):
        svc.scan_inbox(store)


def test_scan_in_three_steps_reads_off_the_store_thread(store, home):
    import threading

    drop(home, "a.pdf", pdf())
    scan = svc.begin_scan(store)
    progress = []
    worker = threading.Thread(target=scan.read, kwargs={"progress": lambda n, total: progress.append((n, total))})
    worker.start()
    worker.join()
    report = svc.finish_scan(store, scan)
    assert progress == [(1, 1)] and [f.outcome for f in report.files] == ["added"]


# --- for the exporter and the preview -------------------------------------------------------------------------


def test_upload_payload_gives_a_unique_telling_name_the_bytes_and_the_type(store):
    first = svc.add_receipt(store, pdf(total="104.00"), "Kvitto Espresso House.pdf").receipt
    second = svc.add_receipt(store, pdf(total="105.00"), "Kvitto Espresso House.pdf").receipt
    name1, data, content_type = svc.upload_payload(store, first)
    name2, _, _ = svc.upload_payload(store, second)
    assert name1 == f"Kvitto-Espresso-House-{first.id[:8]}.pdf" and name1 != name2
    assert content_type == "application/pdf" and data == svc.receipt_file(store, first).read_bytes()
    png_name, _, png_type = svc.upload_payload(store, svc.add_receipt(store, image("PNG"), "skärm.png").receipt)
    assert png_name.startswith("skarm-") and png_name.endswith(".jpg") and png_type == "image/jpeg"


def test_a_damaged_or_missing_file_is_not_uploaded(store):
    receipt = svc.add_receipt(store, pdf(), "a.pdf").receipt
    path = svc.receipt_file(store, receipt)
    path.write_bytes(path.read_bytes() + b"garbage")
    with pytest.raises(svc.ReceiptError, match="has changed on disk"):
        svc.upload_payload(store, receipt)
    path.unlink()
    with pytest.raises(svc.ReceiptError, match="missing"):
        svc.upload_payload(store, receipt)


def test_preview_shows_the_pdf_text_and_metadata(store):
    receipt = svc.add_receipt(store, pdf("Espresso House", total="104.00"), "e.pdf").receipt
    assert "Totalt SEK" in svc.receipt_text(store, receipt)
    rows = dict(svc.receipt_metadata(store, receipt))
    assert rows["Pages"] == "1" and rows["Read"] == "104,00 SEK, 2026-10-05, Espresso House"
    assert rows["Match"].startswith("unmatched")
    image_receipt = svc.add_receipt(store, image("PNG", size=(640, 480)), "i.png").receipt
    assert svc.receipt_text(store, image_receipt) == ""
    assert dict(svc.receipt_metadata(store, image_receipt))["Image"] == "640 × 480 pixels"


def test_viewer_command_is_none_where_nothing_can_be_shown():
    assert svc.viewer_command("/r/a.pdf", platform="linux", environ={}) is None
    assert svc.viewer_command("/r/a.pdf", platform="darwin", environ={"SSH_CONNECTION": "1 2 3 4"}) is None
    assert svc.viewer_command("/r/a.pdf", platform="darwin", environ={}) == ["open", "/r/a.pdf"]


def test_path_completion_offers_folders_and_receipt_files(tmp_path):
    (tmp_path / "Kvitton").mkdir()
    (tmp_path / "kvitto.pdf").write_bytes(b"%PDF-")
    (tmp_path / "kvitto.txt").write_text("no")
    (tmp_path / ".hidden.pdf").write_bytes(b"%PDF-")
    (tmp_path / "Kvitton" / "okt.jpg").write_bytes(b"\xff\xd8\xff")
    assert svc.complete_path("kv", cwd=tmp_path) == ["Kvitton/", "kvitto.pdf"]
    assert svc.complete_path("Kvitton/", cwd=tmp_path) == ["Kvitton/okt.jpg"]
    assert svc.complete_path(f"{tmp_path}/.h") == [f"{tmp_path}/.hidden.pdf"]
