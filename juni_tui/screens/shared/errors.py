"""The TUI's last resort: an unexpected error in a worker or an action is said, with a log file, not swallowed.

Textual drops the error of a worker started with ``exit_on_error=False`` (every worker here: a failed background
job must not take the app down) after logging it to its devtools, so the user would see nothing at all. Every
screen and the app itself mix in ``ReportsWorkerErrors``: a worker that ends in an error becomes a toast with one
sentence and the path of a log file with the traceback (``services.display.unexpected_error``). The app's
``run_action`` does the same for a key's action. Errors in Textual's own message handling still end the app:
after one, the widget's message loop has stopped and the app would be left half-working.
"""

from __future__ import annotations

from textual.worker import Worker, WorkerState


class ReportsWorkerErrors:
    """Mixin for the app and every screen: say a worker's unexpected error (``JuniApp.report_unexpected``)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        report = getattr(self.app, "report_unexpected", None)  # type: ignore[attr-defined]
        if report is not None:
            report(event.worker.error)
