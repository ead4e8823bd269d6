"""Files that are not what they claim (issue 10, item 11): every route in (``attach``, the inbox, bytes given to
``add_receipt``) opens a receipt with its real decoder before it is accepted, reads only regular files, and stays
inside the inbox. Each refusal is a sentence naming the file and what to do; none hangs or eats memory."""

from __future__ import annotations

import io
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from juni_tui.cli import main
from juni_tui.services import receipts as svc
from juni_tui.services.receipts import files as receipt_files
from tests.conftest import make_tx
from tests.test_receipts import drop, image, noisy_jpeg, pdf

GARBAGE = bytes(range(256)) * 40

FAKES = {
    "kvitto.jpg": b"\xff\xd8\xff\xe0" + GARBAGE,
    "scan.tif": b"II*\x00" + GARBAGE,
    "faktura.pdf": b"%PDF-1.7\n" + GARBAGE + b"\n%%EOF\n",
}


def bounded(fn, seconds: float = 5.0):
    """Run ``fn`` and fail the test if it has not finished after ``seconds`` (no pytest-timeout here). An alarm,
    not a thread: the store has one writer thread, and the alarm also interrupts a blocking ``open`` of a FIFO."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: it hangs or reads without end")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def release_fifo(path: Path) -> None:
    """Give a reader blocked on the FIFO its end of file (so a failing test leaves no thread stuck)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def pdf_writer_bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    """144 megapixels in 17 kB: a 1-bit PNG of 12 000 × 12 000 white pixels."""
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, "PNG")
    return buffer.getvalue()


def assert_sentence(message: str, name: str) -> None:
    assert name in message and "Traceback" not in message
    assert message.rstrip().endswith("."), message
    assert any(word in message.lower() for word in ("again", "instead", "move", "copy", "save", "give", "remove")), message


# --- fake content ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FAKES))
def test_a_file_with_only_the_right_magic_bytes_is_refused_with_what_to_do(store, tmp_path, name):
    store.commit([make_tx("t1")])
    path = tmp_path / name
    path.write_bytes(FAKES[name])
    with pytest.raises(svc.ReceiptError) as refused:
        svc.attach_file(store, "t1", path)
    assert_sentence(str(refused.value), name)
    assert "not a readable" in str(refused.value)
    assert len(store.receipts) == 0 and store.transactions["t1"].receipts == ()


@pytest.mark.parametrize("name", list(FAKES))
def test_a_fake_file_in_the_inbox_is_a_refusal_not_a_receipt(store, home, name):
    drop(home, name, FAKES[name])
    report = svc.scan_inbox(store)
    assert [(f.name, f.outcome) for f in report.files] == [(name, "refused")]
    assert_sentence(report.files[0].message, name)
    assert len(store.receipts) == 0


def test_a_truncated_jpeg_is_refused(store):
    data = noisy_jpeg((600, 400), 90)
    result = svc.add_receipt(store, data[: len(data) // 2], "halv.jpg")
    assert result.outcome == "refused"
    assert_sentence(result.message, "halv.jpg")


def test_a_pdf_without_pages_is_refused(store):
    result = svc.add_receipt(store, pdf_writer_bytes(PdfWriter()), "tom.pdf")
    assert result.outcome == "refused" and "no pages" in result.message
    assert_sentence(result.message, "tom.pdf")


def test_a_pdf_locked_with_a_password_is_refused_and_one_that_opens_without_is_taken(store):
    locked = PdfWriter()
    locked.add_blank_page(200, 200)
    locked.encrypt(user_password="hemligt", owner_password="ägare", algorithm="RC4-128")
    result = svc.add_receipt(store, pdf_writer_bytes(locked), "låst.pdf")
    assert result.outcome == "refused" and "password" in result.message
    assert_sentence(result.message, "låst.pdf")

    restricted = PdfWriter(clone_from=io.BytesIO(pdf()))
    restricted.encrypt(user_password="", owner_password="ägare", algorithm="RC4-128")  # opens, printing restricted
    taken = svc.add_receipt(store, pdf_writer_bytes(restricted), "begränsad.pdf")
    assert taken.outcome == "added", taken.message


def test_real_pdfs_and_images_are_still_taken(store):
    assert svc.add_receipt(store, pdf(), "a.pdf").outcome == "added"
    assert svc.add_receipt(store, image("JPEG"), "b.jpg").outcome == "added"
    assert svc.add_receipt(store, image("TIFF", mode="RGB"), "c.tif").outcome == "added"
    assert svc.add_receipt(store, image("PNG", color=(9, 9, 9)), "d.png").outcome == "added"


# --- decompression bombs --------------------------------------------------------------------------------------


def test_a_decompression_bomb_png_is_refused_at_once_without_decoding_it(store, bomb_png, recwarn):
    limit = Image.MAX_IMAGE_PIXELS
    started = time.perf_counter()
    result = bounded(lambda: svc.add_receipt(store, bomb_png, "bomb.png"))
    assert time.perf_counter() - started < 2.0
    assert result.outcome == "refused" and "12000 × 12000" in result.message and "megapixels" in result.message
    assert_sentence(result.message, "bomb.png")
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]
    assert Image.MAX_IMAGE_PIXELS == limit  # the limit is ours, not Pillow's global changed under other code


def test_an_image_over_the_local_pixel_limit_is_refused_even_below_pillows_own(store):
    buffer = io.BytesIO()
    Image.new("1", (8_000, 7_000)).save(buffer, "PNG")  # 56 megapixels: Pillow would not even warn
    result = svc.add_receipt(store, buffer.getvalue(), "stor.png")
    assert result.outcome == "refused" and "56.0 megapixels" in result.message


def test_the_preview_of_a_stored_image_does_not_decode_a_bomb(store, recwarn):
    receipt = svc.add_receipt(store, image("TIFF", mode="RGB"), "c.tif").receipt
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, "TIFF", compression="group4")
    (store.home.root / receipt.path).write_bytes(bomb.getvalue())  # the home's file replaced behind our back
    rows = dict(bounded(lambda: svc.receipt_metadata(store, receipt)))
    assert rows["Image"] == "cannot be read"
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]


# --- not a regular file ---------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_given_to_attach_is_refused_at_once(store, tmp_path):
    store.commit([make_tx("t1")])
    fifo = tmp_path / "kvitto.pdf"
    os.mkfifo(fifo)
    try:
        with pytest.raises(svc.ReceiptError) as refused:
            bounded(lambda: svc.attach_file(store, "t1", fifo))
    finally:
        release_fifo(fifo)
    assert_sentence(str(refused.value), "kvitto.pdf")
    assert "not a file" in str(refused.value)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_given_to_attach_is_refused_at_once(store):
    store.commit([make_tx("t1")])
    with pytest.raises(svc.ReceiptError) as refused:
        bounded(lambda: svc.attach_file(store, "t1", "/dev/zero"))
    assert_sentence(str(refused.value), "zero")
    assert "device" in str(refused.value)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_the_attach_command_refuses_dev_zero_in_a_sentence(home, capsys):
    from juni_tui.services.store import Store

    with Store.open(home) as store:
        store.commit([make_tx("t1")])
    assert bounded(lambda: main(["--home", str(home.root), "attach", "t1", "/dev/zero"])) == 1
    captured = capsys.readouterr()
    assert "/dev/zero" in captured.err or "zero is a device" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_a_file_over_the_size_limit_is_refused_without_being_read(store, tmp_path):
    store.commit([make_tx("t1")])
    big = tmp_path / "foto.jpg"
    with open(big, "wb") as handle:  # sparse: 60 MB on paper, nothing on disk
        handle.truncate(60_000_000)
    with pytest.raises(svc.ReceiptError) as refused:
        bounded(lambda: svc.attach_file(store, "t1", big))
    assert "foto.jpg is 60.0 MB" in str(refused.value)
    assert f"{receipt_files.MAX_READ_BYTES // 1_000_000} MB" in str(refused.value)


# --- the inbox stays inside itself ----------------------------------------------------------------------------


def test_an_inbox_link_to_a_file_outside_the_inbox_is_refused_not_copied(store, home, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(pdf("Hemlig AB"))
    home.default_inbox.mkdir(parents=True, exist_ok=True)
    os.symlink(outside / "secret.pdf", home.default_inbox / "kvitto.pdf")
    drop(home, "real.pdf", pdf("Espresso House"))
    report = svc.scan_inbox(store)
    outcomes = {f.name: f for f in report.files}
    assert outcomes["real.pdf"].outcome == "added"
    assert outcomes["kvitto.pdf"].outcome == "refused" and "outside the inbox" in outcomes["kvitto.pdf"].message
    assert_sentence(outcomes["kvitto.pdf"].message, "kvitto.pdf")
    assert len(store.receipts) == 1
    assert [f.name for f in svc.inbox_refusals(store)] == ["kvitto.pdf"]  # listed until the link is removed


def test_a_link_inside_the_inbox_to_a_file_inside_it_is_read(store, home):
    drop(home, "a/real.pdf", pdf())
    os.symlink(home.default_inbox / "a" / "real.pdf", home.default_inbox / "link.pdf")
    report = svc.scan_inbox(store)
    assert {f.name: f.outcome for f in report.files} == {"a/real.pdf": "added", "link.pdf": "duplicate"}


def test_an_inbox_that_is_itself_a_link_is_read(store, tmp_path):
    real = tmp_path / "Dropbox" / "Kvitton"
    real.mkdir(parents=True)
    (real / "a.pdf").write_bytes(pdf())
    os.symlink(real, tmp_path / "inbox-link")
    store.save_settings(store.settings.model_copy(update={"inbox_dir": str(tmp_path / "inbox-link")}))
    assert [f.outcome for f in svc.scan_inbox(store).files] == ["added"]


def test_a_folder_link_in_the_inbox_is_not_followed_and_a_loop_ends(store, home):
    drop(home, "a.pdf", pdf())
    os.symlink(home.default_inbox, home.default_inbox / "loop")
    report = bounded(lambda: svc.scan_inbox(store))
    outcomes = {f.name: f for f in report.files}
    assert outcomes["a.pdf"].outcome == "added"
    assert outcomes["loop"].outcome == "refused" and "link to a folder" in outcomes["loop"].message
    assert_sentence(outcomes["loop"].message, "loop")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_in_the_inbox_is_refused_and_never_opened(store, home):
    drop(home, "a.pdf", pdf())
    fifo = home.default_inbox / "kvitto.pdf"
    os.mkfifo(fifo)
    try:
        report = bounded(lambda: svc.scan_inbox(store))
    finally:
        release_fifo(fifo)
    outcomes = {f.name: f for f in report.files}
    assert outcomes["a.pdf"].outcome == "added"
    assert outcomes["kvitto.pdf"].outcome == "refused" and "not a file" in outcomes["kvitto.pdf"].message


@pytest.fixture
def deep_inbox():
    """An inbox 1 100 folders deep, outside pytest's temporary folders: pytest's own clean-up (shutil.rmtree)
    recurses and cannot remove it, which would break the next test run of anyone on this machine. Removed here,
    deepest first, without recursion."""
    root = Path(tempfile.mkdtemp(prefix="juni-deep-inbox-"))
    deep = root
    try:
        for _ in range(1100):  # one at a time: Path.mkdir(parents=True) itself recurses too deep for this
            deep = deep / "d"
            deep.mkdir()
        yield root, deep
    finally:
        remove_tree(root)


def remove_tree(root: Path) -> None:
    """``shutil.rmtree`` without recursion (os.walk recurses too, before Python 3.12)."""
    folders, stack = [], [root]
    while stack:
        folder = stack.pop()
        folders.append(folder)
        for entry in os.scandir(folder):
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            else:
                os.unlink(entry.path)
    for folder in reversed(folders):
        os.rmdir(folder)


def test_an_inbox_1100_folders_deep_is_read_to_a_depth_and_says_what_it_skipped(store, deep_inbox):
    root, deep = deep_inbox
    (root / "2026" / "10").mkdir(parents=True)
    (root / "2026" / "10" / "a.pdf").write_bytes(pdf())
    (deep / "b.pdf").write_bytes(pdf("Djup AB"))
    store.save_settings(store.settings.model_copy(update={"inbox_dir": str(root)}))
    assert bounded(lambda: svc.inbox_signature(store))
    report = bounded(lambda: svc.scan_inbox(store))
    outcomes = {f.name: f for f in report.files}
    assert outcomes["2026/10/a.pdf"].outcome == "added"
    skipped = [f for f in report.refused if f.name.startswith("d/")]
    assert len(skipped) == 1 and "levels deep" in skipped[0].message
    assert skipped[0].name.count("/") == svc.MAX_INBOX_DEPTH  # the first folder not read
    assert len(store.receipts) == 1


def test_refusals_are_not_reported_as_new_when_nothing_changed(store, home, tmp_path):
    (tmp_path / "out.pdf").write_bytes(pdf())
    home.default_inbox.mkdir(parents=True, exist_ok=True)
    os.symlink(tmp_path / "out.pdf", home.default_inbox / "link.pdf")
    svc.scan_inbox(store)
    again = svc.scan_inbox(store)
    assert [(f.name, f.outcome) for f in again.files] == [("link.pdf", "unchanged")]
    assert again.files[0].message.startswith("still refused")


def test_reading_a_file_checks_what_it_is_before_opening_it(tmp_path):
    with pytest.raises(receipt_files.FileRefused, match="is a folder"):
        receipt_files.read_file(tmp_path)
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    assert receipt_files.read_file(tmp_path / "a.pdf") == b"%PDF-1.4"
