"""The state machine. A transaction's status and values change only through these functions.

    prepare ──m──▶ ready ──e──▶ queued ─▶ sending ─▶ attaching ─▶ exported
       ▲             │            │           │            │
       └─────u───────┘            └──── failed ◀───────────┘   (r: back to queued; u: back to prepare)

Every rule is enforced here, for the TUI and the CLI alike: only Prepare transactions can be edited, only
complete ones can be marked ready, and exported ones cannot change at all (the store refuses that too).
Each function commits once, however many transactions it touches, and leaves a line in the audit log.

The package's modules:

- ``base``: the refusals (``WorkflowError``), what a bulk move did (``Outcome``), loading and touching transactions;
- ``values``: pre-accounting values (by hand, filled where missing, splits, receipts) and their checks;
- ``moves``: Prepare → Ready → Export queue, back to Prepare, retry;
- ``sending``: the exporter's durable steps (intent, voucher, attachments, exported, failed, waiting).
"""

from juni_tui.services.workflow.base import MANUAL, UNSET, Outcome, WorkflowError, editable
from juni_tui.services.workflow.moves import back_to_prepare, export_tag, mark_ready, queue, retry
from juni_tui.services.workflow.sending import (
    begin_voucher,
    mark_exported,
    mark_failed,
    record_attachment,
    record_voucher,
    set_waiting,
    settle_attempts,
)
from juni_tui.services.workflow.values import (
    FIELD_LABELS,
    LINE_FIELDS,
    Fill,
    Filled,
    Lists,
    attach,
    check_account,
    check_value,
    detach,
    fill_missing,
    fill_vat_from_account,
    fillable,
    set_no_receipt,
    set_representation,
    set_splits,
    set_values,
    suggested_vat_code,
    value_problem,
)

__all__ = [
    "FIELD_LABELS", "LINE_FIELDS", "Lists", "MANUAL", "UNSET", "Fill", "Filled", "Outcome", "WorkflowError", "attach",
    "back_to_prepare", "begin_voucher", "check_account", "check_value", "detach", "editable", "export_tag",
    "fill_missing", "fill_vat_from_account", "fillable", "mark_exported", "mark_failed", "mark_ready", "queue", "record_attachment",
    "record_voucher", "retry", "set_no_receipt", "set_representation", "set_splits", "set_values", "set_waiting", "settle_attempts",
    "suggested_vat_code", "value_problem",
]
