"""The VAT of each line of a transaction, as Skatteverket reads it. Pure functions: no I/O, no store.

Per line: the VAT (included in the amount for Swedish codes: computed, or the amount printed on the receipt after a
check against the code's rate; on top of the amount for reverse charge and import), and the part of it that may be
deducted: the line's ``vat_deductible`` share (else the account's default share in Settings, else 100 %), and for
representation the cap over all the transaction's representation lines (13 kap. ML):

* the VAT on at most 300 kr excluding VAT per participant: when the lines' net amount is above 300 × participants,
  the deductible VAT is the lines' VAT × (300 × participants) / net, which spreads the capped base over the rates
  in proportion (a meal at 12 % and wine at 25 % alike);
* or, for a meal with alcohol, Skatteverket's simplification: at most 46 kr of VAT per participant.

The capped VAT is shared among the representation lines in proportion to their VAT (rounding the running total,
so no line gets less than nothing), and then each line's deductible share applies to its part of the cap. What
may not be deducted stays on the cost row.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from juni_tui.domain.money import ZERO, round_ore
from juni_tui.domain.settings import HUNDRED, Settings
from juni_tui.domain.transactions import SplitLine, Transaction
from juni_tui.domain.vat import VatCode, printed_vat_problem, vat_part

#: 13 kap. ML: input VAT on representation meals is deductible on at most this much excluding VAT per participant.
CAP_NET_PER_PARTICIPANT = Decimal("300")
#: Skatteverket's simplification for a meal with alcohol: at most this much VAT per participant.
ALCOHOL_VAT_PER_PARTICIPANT = Decimal("46")


class BookkeepingError(ValueError):
    """A transaction that cannot become a voucher yet, with the transaction and what it lacks in the message."""


def who(tx: Transaction) -> str:
    return f"transaction {tx.id} ({tx.merchant}, {tx.date.isoformat()})"


_KR = str.maketrans(",.", " ,")


def kr(amount: Decimal) -> str:
    """The one amount format of voucher texts and explanations: ``1 890,00`` (a plain space between thousands):
    ``format_sek``'s, with a plain space (it runs for every foreign voucher)."""
    return f"{round_ore(amount):,.2f}".translate(_KR)


class Line(NamedTuple):
    """A transaction's one accounting line when it is not split: ``SplitLine``'s fields, without building a model
    (the values were validated with the transaction)."""

    amount: Decimal
    account: int | None
    vat_code: VatCode | None
    cost_center: str | None
    project: str | None
    text: str | None
    vat_deductible: Decimal | None
    vat_amount: Decimal | None


AnyLine = SplitLine | Line


def lines_of(tx: Transaction) -> tuple[AnyLine, ...]:
    """``tx.lines()`` for bookkeeping: the split lines, or one ``Line``."""
    if tx.splits:
        return tx.splits
    return (Line(tx.amount, tx.account, tx.vat_code, tx.cost_center, tx.project, None, tx.vat_deductible,
                 tx.vat_amount),)


def reverse_charge_part(amount: Decimal, code: VatCode) -> Decimal:
    """The VAT a reverse-charge or import purchase computes on itself: the rate × the amount, half-up."""
    if not code.is_computed:
        return ZERO
    return round_ore(amount * code.rate)


@dataclass(frozen=True, slots=True)
class LineVat:
    """One line's VAT: ``vat`` in (Swedish) or on top of (computed) the amount, and the part that is deducted."""

    gross: Decimal
    vat: Decimal
    deductible: Decimal
    representation: bool = False
    computed: bool = False  # the VAT is on top of the amount (reverse charge, import)
    share: Decimal = HUNDRED  # the percentage of the VAT that may be deducted (before the representation cap)

    @property
    def cost(self) -> Decimal:
        """The cost row: what was paid less the VAT deducted; the VAT not deducted is cost."""
        if self.computed:
            return self.gross + self.vat - self.deductible
        return self.gross - self.deductible


@dataclass(frozen=True, slots=True)
class Representation:
    """How the deductible VAT of a representation was worked out (the detail view and the preview show it)."""

    participants: int
    alcohol: bool
    net: Decimal  # the representation lines' amount excluding VAT
    vat: Decimal  # their VAT
    cap: Decimal  # the most that may be deducted
    deductible: Decimal  # min(vat, cap), less the part the lines' deductible shares leave out

    def explain(self) -> list[str]:
        if self.alcohol:
            how = (f"meal with alcohol: at most {kr(ALCOHOL_VAT_PER_PARTICIPANT)} of VAT per participant × "
                   f"{self.participants} = {kr(self.cap)}")
        else:
            base = CAP_NET_PER_PARTICIPANT * self.participants
            how = (f"VAT on at most {kr(CAP_NET_PER_PARTICIPANT)} excl. VAT per participant × {self.participants}"
                   f" = {kr(base)} of {kr(self.net)} excl. VAT: {kr(self.cap)}")
        lines = [f"Representation, {self.participants} participant{'s' if self.participants != 1 else ''}: {how}.",
                 f"VAT deducted {kr(self.deductible)} of {kr(self.vat)}; "
                 f"{kr(self.vat - self.deductible)} stays on the cost row."]
        return lines


def _share(tx: Transaction, line: AnyLine, settings: Settings) -> Decimal:
    if line.vat_deductible is not None:
        return line.vat_deductible
    share = settings.deductible_share(line.account)
    if not ZERO <= share <= HUNDRED:  # a settings file edited by hand
        raise BookkeepingError(f"Cannot book {who(tx)}: the deductible VAT share of account {line.account} in "
                               f"Settings is {share} %; a share is 0 to 100 %. Correct it in Settings.")
    return share


def _printed(tx: Transaction, n: int | None, line: AnyLine, code: VatCode, gross: Decimal) -> Decimal:
    """The VAT printed on the receipt, after checking it fits the code's rate."""
    assert line.vat_amount is not None
    problem = printed_vat_problem(gross, code, line.vat_amount)
    if problem is not None:
        where = f"split line {n} of {who(tx)}" if n else who(tx)
        raise BookkeepingError(f"Cannot book {where}: {problem}.")
    return line.vat_amount


def line_vats(tx: Transaction, lines: tuple[AnyLine, ...], settings: Settings
              ) -> tuple[list[LineVat], Representation | None]:
    """Each line's VAT and deducted VAT, and the representation cap when a line is representation."""
    out: list[LineVat] = []
    representation_accounts = settings.representation_accounts
    numbered = len(lines) > 1 or bool(tx.splits)
    for n, line in enumerate(lines, 1):
        code = line.vat_code
        assert code is not None
        gross = abs(line.amount)
        if code.is_computed:
            if line.vat_amount is not None:
                _printed(tx, n if numbered else None, line, code, gross)
            vat = reverse_charge_part(gross, code)
        elif line.vat_amount is not None:
            vat = _printed(tx, n if numbered else None, line, code, gross)
        else:
            vat = vat_part(gross, code)
        share = _share(tx, line, settings)
        deductible = vat if share == HUNDRED else round_ore(vat * share / HUNDRED)
        out.append(LineVat(gross, vat, deductible, code.is_swedish and line.account in representation_accounts,
                           code.is_computed, share))
    if not any(item.representation for item in out):
        return out, None
    return _capped(tx, out)


def _capped(tx: Transaction, items: list[LineVat]) -> tuple[list[LineVat], Representation | None]:
    """Cap the representation lines' VAT, then apply each line's deductible share to what the cap leaves (a company
    that deducts 50 % deducts half of the capped VAT, not the lesser of half the VAT and the cap)."""
    if tx.participants is None:
        raise BookkeepingError(f"Cannot book {who(tx)}: it is representation and has no number of participants.")
    chosen = [i for i, item in enumerate(items) if item.representation]
    net = sum((items[i].gross - items[i].vat for i in chosen), ZERO)
    full = sum((items[i].vat for i in chosen), ZERO)
    if tx.alcohol:
        cap = ALCOHOL_VAT_PER_PARTICIPANT * tx.participants
    else:
        base = CAP_NET_PER_PARTICIPANT * tx.participants
        cap = full if net <= base else round_ore(full * base / net)
    out = list(items)
    if cap < full:
        # Share the capped VAT over the lines in proportion to their VAT, rounding the running total: every line
        # gets between nothing and its own VAT, and the lines together exactly the cap.
        running = shared = ZERO
        for i in chosen:
            item = items[i]
            running += item.vat
            upto = round_ore(running * cap / full)
            capped, shared = upto - shared, upto
            deductible = capped if item.share == HUNDRED else round_ore(capped * item.share / HUNDRED)
            out[i] = LineVat(item.gross, item.vat, deductible, True, item.computed, item.share)
    allowed = sum((out[i].deductible for i in chosen), ZERO)
    return out, Representation(tx.participants, tx.alcohol, net, full, cap, allowed)


def representation_of(tx: Transaction, settings: Settings) -> Representation | None:
    """The representation cap's working for a complete transaction (None when it is not representation, lacks
    its values, or cannot be booked)."""
    lines = lines_of(tx)
    if any(line.vat_code is None or line.account is None for line in lines) or tx.participants is None:
        return None
    try:
        return line_vats(tx, lines, settings)[1]
    except BookkeepingError:
        return None
