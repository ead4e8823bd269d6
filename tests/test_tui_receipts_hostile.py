"""The TUI's attach dialog (t in Prepare) uses the same acceptance check as the CLI and the inbox (issue 10,
item 11): a FIFO, /dev/zero or a fake PDF typed as the path is refused at once with a sentence under the input;
the app never blocks on it."""

from __future__ import annotations

import os
import signal

import pytest

from juni_tui.screens.modals.attach import AttachFilePrompt
from tests.helpers import text_of
from tests.test_receipt_files_hostile import FAKES, release_fifo
from tests.test_tui_receipts import app_for, settle, tx

pytestmark = pytest.mark.usefixtures("quick_flush")


@pytest.mark.skipif(not (hasattr(os, "mkfifo") and os.path.exists("/dev/zero")), reason="needs FIFOs and /dev/zero")
async def test_the_attach_dialog_refuses_a_fifo_dev_zero_and_a_fake_pdf_at_once(store, tmp_path):
    store.commit([tx("kjell", "Kjell & Company", "-1299.00")])
    fifo = tmp_path / "kvitto.pdf"
    os.mkfifo(fifo)
    fake = tmp_path / "faktura.pdf"
    fake.write_bytes(FAKES["faktura.pdf"])
    app = app_for(store, watch=False)

    def expire(signum, frame):  # the old code blocked the event loop in open(); an alarm still ends the test
        raise TimeoutError("the attach dialog hangs on a FIFO or /dev/zero")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, 20)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("t")
            assert isinstance(app.screen, AttachFilePrompt)
            for path, says in ((fifo, "is a pipe (FIFO), not a file"), ("/dev/zero", "is a device, not a file"),
                               (fake, "is not a readable PDF")):
                app.screen.query_one("#path").value = str(path)
                await pilot.press("enter")
                await pilot.pause()
                assert isinstance(app.screen, AttachFilePrompt)  # still open: nothing lost, fix the path
                error = text_of(app.screen.query_one("#error"))
                assert error.startswith("Not attached") and says in error, error
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        release_fifo(fifo)
    assert store.transactions["kjell"].receipts == () and len(store.receipts) == 0
