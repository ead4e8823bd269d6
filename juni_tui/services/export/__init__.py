"""The exactly-once export to Fortnox: what callers use, re-exported from the package's modules.

    worker.py   the queue worker (Exporter): queueing, the run, one transaction's voucher and receipts, send back
    lookup.py   what Fortnox already has: the sweep, the lookups by tag, the exact match, vouchers already claimed
    checks.py   the checks before queueing: every reason Fortnox would refuse a voucher (precheck, receipt_problems)

Fortnox's reference data (financial years, series, the chart) is ``juni_tui.services.fortnox.reference``.
"""

from __future__ import annotations

from juni_tui.services.export.checks import precheck, receipt_problems
from juni_tui.services.export.worker import Exporter, ExportEvent, RetryLater, RunReport, upload_name

__all__ = ["ExportEvent", "Exporter", "RetryLater", "RunReport", "precheck", "receipt_problems", "upload_name"]
