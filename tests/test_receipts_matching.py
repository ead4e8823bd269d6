"""Matching receipts to transactions: three tiers, remembered rejections, foreign currency, the date window.

Receipts are real PDFs with text (receipt_pdf), dropped in the inbox and scanned, as a user would.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from juni_tui.domain.receipts import MatchState
from juni_tui.services import receipts as svc
from juni_tui.services.receipts.matching import MatchIndex, OpenTx, merchant_similarity
from juni_tui.services.receipts.reading import ReceiptFacts
from tests.conftest import make_tx
from tests.test_receipts import drop, image, pdf

DAY = date(2026, 10, 5)


def scan_one(store, home, name: str, data: bytes, **kwargs):
    drop(home, name, data)
    report = svc.scan_inbox(store, **kwargs)
    (outcome,) = [o for o in report.match.outcomes if o.filename == name or o.filename.startswith(name.rsplit(".", 1)[0])]
    return outcome


# --- tier 1: auto ---------------------------------------------------------------------------------------------


def test_exact_amount_date_and_merchant_is_attached_automatically(store, home):
    store.commit([make_tx("t1", merchant="ESPRESSO HOUSE 123", amount=Decimal("-104.00")),
                  make_tx("t2", merchant="Pressbyrån", amount=Decimal("-54.00"))])
    outcome = scan_one(store, home, "espresso.pdf", pdf("Espresso House Odengatan", DAY, "104.00"))
    assert outcome.state == MatchState.AUTO and outcome.transaction_id == "t1"
    tx = store.transactions["t1"]
    assert tx.receipts == (outcome.receipt_id,) and tx.attachment_complete
    assert store.receipts[outcome.receipt_id].match == MatchState.AUTO
    assert store.transactions["t2"].receipts == ()


def test_the_merchant_picks_one_of_two_same_amount_transactions(store, home):
    store.commit([make_tx("t1", merchant="ESPRESSO HOUSE 123", amount=Decimal("-104.00")),
                  make_tx("t2", merchant="Clas Ohlson", amount=Decimal("-104.00"))])
    outcome = scan_one(store, home, "espresso.pdf", pdf("Espresso House", DAY, "104.00"))
    assert outcome.state == MatchState.AUTO and outcome.transaction_id == "t1"


def test_a_usd_receipt_matches_the_original_amount_not_the_sek_amount(store, home):
    store.commit([
        make_tx("sek21", merchant="Anthropic", amount=Decimal("-21.00")),
        make_tx("usd", merchant="ANTHROPIC* CLAUDE", amount=Decimal("-230.45"),
                original_amount=Decimal("-21.00"), original_currency="USD"),
    ])
    outcome = scan_one(store, home, "claude.pdf", pdf("Anthropic", DAY, "21.00", currency="USD"))
    assert outcome.state == MatchState.AUTO and outcome.transaction_id == "usd"
    assert store.transactions["sek21"].receipts == ()


def test_an_image_with_no_text_is_matched_by_its_file_name(store, home):
    store.commit([make_tx("t1", merchant="Espresso House", amount=Decimal("-104.00"))])
    outcome = scan_one(store, home, "2026-10-05_Espresso-House_104.00.png", image("PNG"))
    assert outcome.state == MatchState.AUTO and outcome.transaction_id == "t1"


def test_a_refund_is_matched_by_a_credit_note_not_by_a_receipt(store):
    store.commit([make_tx("buy", merchant="Clas Ohlson", amount=Decimal("-500.00")),
                  make_tx("refund", merchant="Clas Ohlson", amount=Decimal("500.00"))])
    credit = svc.add_receipt(store, pdf("Kreditnota Clas Ohlson", DAY, "500.00"), "kreditnota.pdf").receipt
    receipt = svc.add_receipt(store, pdf("Clas Ohlson", DAY, "500.00"), "kvitto.pdf").receipt
    report = svc.match_receipts(store)
    attached = {o.receipt_id: o.transaction_id for o in report.auto}
    assert attached == {credit.id: "refund", receipt.id: "buy"}


# --- tier 2: suggested ----------------------------------------------------------------------------------------


def test_two_transactions_with_the_same_amount_on_the_same_day_are_suggested_not_attached(store, home):
    store.commit([make_tx("t1", merchant="Adobe", amount=Decimal("-1250.00")),
                  make_tx("t2", merchant="ADOBE *ACROPRO", amount=Decimal("-1250.00"))])
    outcome = scan_one(store, home, "adobe.pdf", pdf("Adobe Systems", DAY, "1250.00"))
    assert outcome.state == MatchState.SUGGESTED
    assert set(outcome.candidates) == {"t1", "t2"}
    assert "2 transactions" in outcome.note
    assert store.transactions["t1"].receipts == () == store.transactions["t2"].receipts


def test_one_ore_off_is_suggested_never_attached(store, home):
    store.commit([make_tx("t1", merchant="Espresso House", amount=Decimal("-104.01"))])
    outcome = scan_one(store, home, "espresso.pdf", pdf("Espresso House", DAY, "104.00"))
    assert outcome.state == MatchState.SUGGESTED and outcome.candidates == ("t1",)
    assert "0,01 off" in outcome.note
    assert store.transactions["t1"].receipts == ()


def test_a_near_amount_with_another_merchant_is_not_suggested(store, home):
    store.commit([make_tx("t1", merchant="Clas Ohlson", amount=Decimal("-104.01"))])
    outcome = scan_one(store, home, "espresso.pdf", pdf("Espresso House", DAY, "104.00"))
    assert outcome.state == MatchState.UNMATCHED


def test_amount_and_date_with_a_different_merchant_is_only_suggested(store, home):
    store.commit([make_tx("t1", merchant="Clas Ohlson", amount=Decimal("-104.00"))])
    outcome = scan_one(store, home, "espresso.pdf", pdf("Espresso House", DAY, "104.00"))
    assert outcome.state == MatchState.SUGGESTED and "merchant differs" in outcome.note


def test_a_receipt_without_a_date_is_suggested_even_with_one_candidate(store, home):
    store.commit([make_tx("t1", merchant="Adobe", amount=Decimal("-1250.00"))])
    outcome = scan_one(store, home, "kvitto adobe 1250 SEK.jpg", image("JPEG"))
    assert outcome.state == MatchState.SUGGESTED and outcome.candidates == ("t1",)
    assert "no readable date" in outcome.note


def test_confirm_attaches_the_suggestion_with_one_call(store, home):
    store.commit([make_tx("t1", merchant="Adobe", amount=Decimal("-1250.00")),
                  make_tx("t2", merchant="Adobe", amount=Decimal("-1250.00"))])
    outcome = scan_one(store, home, "adobe.pdf", pdf("Adobe", DAY, "1250.00"))
    receipt = svc.confirm(store, outcome.receipt_id, "t2")
    assert receipt.match == MatchState.CONFIRMED and store.transactions["t2"].receipts == (receipt.id,)
    assert svc.list_receipts(store, unmatched=True) == []


def test_a_transaction_that_got_a_receipt_is_no_longer_suggested_for_others(store, home):
    store.commit([make_tx("t1", merchant="Adobe", amount=Decimal("-1250.00")),
                  make_tx("t2", merchant="Adobe", amount=Decimal("-1250.00"))])
    first = svc.add_receipt(store, pdf("Adobe", DAY, "1250.00"), "a.pdf").receipt
    second = svc.add_receipt(store, pdf("Adobe", DAY, "1250.00", reference="2"), "b.pdf").receipt
    svc.match_receipts(store)
    svc.confirm(store, first.id, "t1")
    assert svc.get_receipt(store, second.id).candidates == ("t2",)
    assert [r.id for r in svc.suggestions_for(store, "t2")] == [second.id]


# --- rejections -----------------------------------------------------------------------------------------------


def test_a_rejected_suggestion_is_never_suggested_again(store, home):
    store.commit([make_tx("t1", merchant="Adobe", amount=Decimal("-1250.00")),
                  make_tx("t2", merchant="Adobe", amount=Decimal("-1250.00"))])
    outcome = scan_one(store, home, "adobe.pdf", pdf("Adobe", DAY, "1250.00"))
    after = svc.reject(store, outcome.receipt_id, "t1")
    assert after.match == MatchState.SUGGESTED and after.candidates == ("t2",)
    svc.reject(store, outcome.receipt_id, "t2")
    report = svc.match_receipts(store)
    (again,) = report.outcomes
    assert again.state == MatchState.UNMATCHED and again.candidates == ()
    assert "rejected" in again.note


def test_rejecting_an_auto_match_detaches_it_and_it_is_not_attached_again(store, home):
    store.commit([make_tx("t1", merchant="Espresso House", amount=Decimal("-104.00"))])
    outcome = scan_one(store, home, "espresso.pdf", pdf("Espresso House", DAY, "104.00"))
    assert outcome.state == MatchState.AUTO
    svc.reject(store, outcome.receipt_id, "t1")
    assert store.transactions["t1"].receipts == ()
    svc.match_receipts(store)
    assert store.transactions["t1"].receipts == ()
    assert svc.get_receipt(store, outcome.receipt_id).match == MatchState.UNMATCHED


def test_a_rejection_survives_a_restart(home):
    from juni_tui.services.store import Store

    with Store.open(home) as store:
        store.commit([make_tx("t1", merchant="Espresso House", amount=Decimal("-104.00"))])
        svc.reject(store, scan_one(store, home, "e.pdf", pdf("Espresso House", DAY, "104.00")).receipt_id, "t1")
    with Store.open(home) as store:
        assert svc.scan_inbox(store).match.auto == []
        assert store.transactions["t1"].receipts == ()


def test_a_hand_attach_overrides_an_earlier_rejection(store, home):
    store.commit([make_tx("t1", merchant="Espresso House", amount=Decimal("-104.00"))])
    outcome = scan_one(store, home, "e.pdf", pdf("Espresso House", DAY, "104.00"))
    svc.reject(store, outcome.receipt_id, "t1")
    receipt = svc.attach_existing(store, outcome.receipt_id, "t1")
    assert receipt.match == MatchState.MANUAL and receipt.rejected == ()


# --- tier 3: unmatched ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "tier"), [(-3, MatchState.AUTO), (-4, MatchState.UNMATCHED),
                                            (7, MatchState.AUTO), (8, MatchState.UNMATCHED)])
def test_the_date_window_runs_from_three_days_before_to_seven_after_the_receipt(store, home, days, tier):
    store.commit([make_tx("t1", merchant="Espresso House", amount=Decimal("-104.00"), date=DAY + timedelta(days))])
    assert scan_one(store, home, "e.pdf", pdf("Espresso House", DAY, "104.00")).state == tier


def test_a_receipt_outside_the_date_window_is_unmatched_and_says_why(store, home):
    store.commit([make_tx("t1", merchant="Espresso House", amount=Decimal("-104.00"), date=date(2026, 11, 20))])
    outcome = scan_one(store, home, "e.pdf", pdf("Espresso House", DAY, "104.00"))
    assert outcome.state == MatchState.UNMATCHED
    assert "none dated 3 days before to 7 days after the receipt (2026-10-05)" in outcome.note
    assert "t1 on 2026-11-20" in outcome.note
    wider = svc.match_receipts(store, window=(-60, 60))
    assert wider.outcomes[0].state == MatchState.AUTO


def test_unmatched_receipts_are_listed_and_attachable_to_any_transaction(store, home):
    store.commit([make_tx("t1", merchant="Taxi Stockholm", amount=Decimal("-389.00"))])
    outcome = scan_one(store, home, "hotel.pdf", pdf("Hotel Rival", DAY, "2400.00"))
    assert outcome.state == MatchState.UNMATCHED and "2 400,00 SEK" in outcome.note
    (listed,) = svc.list_receipts(store, unmatched=True)
    assert listed.id == outcome.receipt_id
    svc.attach_existing(store, listed.id, "t1")
    assert store.transactions["t1"].receipts == (listed.id,)
    assert svc.list_receipts(store, unmatched=True) == []


def test_a_receipt_with_nothing_readable_is_kept_and_listed(store, home):
    outcome = scan_one(store, home, "IMG_4021.jpg", image("JPEG"))
    assert outcome.state == MatchState.UNMATCHED and "no amount" in outcome.note
    assert [r.id for r in svc.list_receipts(store, unmatched=True)] == [outcome.receipt_id]


def test_transactions_with_a_receipt_or_no_receipt_needed_are_not_matched(store, home):
    store.commit([make_tx("fee", merchant="Espresso House", amount=Decimal("-104.00"), no_receipt_reason="bank fee"),
                  make_tx("has", merchant="Espresso House", amount=Decimal("-104.00"), receipts=("x" * 64,))])
    assert scan_one(store, home, "e.pdf", pdf("Espresso House", DAY, "104.00")).state == MatchState.UNMATCHED


def test_two_copies_of_one_receipt_do_not_both_attach(store, home):
    store.commit([make_tx("t1", merchant="Espresso House", amount=Decimal("-104.00"))])
    drop(home, "e1.pdf", pdf("Espresso House", DAY, "104.00"))
    drop(home, "e2.pdf", pdf("Espresso House", DAY, "104.00", reference="mail"))  # other bytes, same facts
    report = svc.scan_inbox(store)
    assert len(report.match.auto) == 1 and len(report.match.unmatched) == 1
    assert len(store.transactions["t1"].receipts) == 1


def test_list_puts_receipts_that_need_the_user_first(store, home):
    store.commit([make_tx("t1", merchant="Espresso House", amount=Decimal("-104.00")),
                  make_tx("t2", merchant="Adobe", amount=Decimal("-1250.00")),
                  make_tx("t3", merchant="Adobe", amount=Decimal("-1250.00"))])
    drop(home, "a.pdf", pdf("Espresso House", DAY, "104.00"))
    drop(home, "b.pdf", pdf("Adobe", DAY, "1250.00"))
    drop(home, "c.pdf", pdf("Hotel", DAY, "999.00"))
    svc.scan_inbox(store)
    assert [r.match for r in svc.list_receipts(store)] == [MatchState.SUGGESTED, MatchState.UNMATCHED, MatchState.AUTO]


# --- the matcher itself ---------------------------------------------------------------------------------------


def test_merchant_similarity_ignores_case_legal_forms_and_store_numbers():
    assert merchant_similarity("Espresso House Sweden AB", "ESPRESSO HOUSE 123") >= 0.9
    assert merchant_similarity("Adobe Systems Software Ireland Ltd", "ADOBE *ACROPRO SUBS") >= 0.5
    assert merchant_similarity("Åhléns City", "AHLENS CITY STHLM") >= 0.5
    assert merchant_similarity("Amazon.se", "AMZN Mktp SE") >= 0.5
    assert merchant_similarity("Clas Ohlson", "Adobe") < 0.5


def test_the_index_finds_candidates_by_amount_only():
    txs = [OpenTx(f"t{n}", DAY, "Shop", Decimal(n)) for n in range(1, 20_001)]
    index = MatchIndex(txs)
    decision = index.decide(ReceiptFacts(amount=Decimal("12345"), currency="SEK", date=DAY, merchant="Shop"))
    assert decision.state == MatchState.AUTO and decision.candidates == ("t12345",)
