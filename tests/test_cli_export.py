"""``juni-tui export`` headless: the dry run makes the real export's checks, the series is remembered only when asked,
and every Fortnox error comes with what it means and what to do, in the CLI and in the Export queue tab."""

from __future__ import annotations

import functools
import json
from datetime import date

import httpx
import pytest

from juni_tui.cli import main
from juni_tui.commands import export as export_command
from juni_tui.commands.demo import connect_to_sandbox
from juni_tui.domain.transactions import Status
from juni_tui.services.export import Exporter
from juni_tui.services.fortnox import oauth, spec
from juni_tui.services.fortnox.client import FortnoxClient, RateLimiter, RetryPolicy
from juni_tui.services.fortnox.errors import (
    AuthError,
    FortnoxRejected,
    NotFound,
    NotSent,
    RateLimited,
    Unavailable,
    UnknownOutcome,
    error_from_response,
)
from juni_tui.services.store import Store
from tests.helpers import booked, flushed, seed_ready
from tests.test_cli_flow import service_env


def cli(home, *args: str) -> int:
    return main(["--home", str(home.root), *args])


def files_of(home) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (home.db, home.journal, home.audit) if p.exists()}


def roomy(monkeypatch, sandbox_factory):
    """A sandbox without its rate limit, and the CLI's client as roomy: three runs need not wait out 25 per 5 s."""
    monkeypatch.setattr(RateLimiter.__init__, "__defaults__", (1000, *RateLimiter.__init__.__defaults__[1:]))
    sandbox = sandbox_factory(rate_limit_requests=10_000)
    for key, value in service_env(sandbox).items():
        monkeypatch.setenv(key, value)
    return sandbox


def test_the_dry_run_keeps_out_what_the_export_keeps_out_and_writes_nothing(home, sandbox_factory, capsys,
                                                                             monkeypatch):
    sandbox = roomy(monkeypatch, sandbox_factory)
    with Store.open(home) as store:
        ids = seed_ready(store, 4, receipts_every=0)
        txs = store.transactions
        store.commit([txs[ids[1]].model_copy(update={"date": date(2025, 3, 3)}),  # in Fortnox's locked period
                      txs[ids[2]].model_copy(update={"account": 5460})])  # inactive in Fortnox's chart
    before = files_of(home)

    assert cli(home, "export", "--series", "K", "--dry-run") == 1
    out = capsys.readouterr()
    assert "2 vouchers would be sent to series K (dry run: nothing was sent); 2 would be kept out:" in out.err
    locked, inactive = (next(line for line in out.err.splitlines() if line.strip().startswith(i)) for i in ids[1:3])
    assert "locked" in locked and "5460" in inactive
    assert out.out.count("K  2026-09-0") == 2  # the two vouchers it would send, row by row
    assert cli(home, "export", "--series", "K", "--dry-run", "--json") == 1
    dry = json.loads(capsys.readouterr().out)
    assert sorted(dry["kept_out"]) == ids[1:3] and len(dry["vouchers"]) == 2 and dry["checked_with_fortnox"]
    assert booked(sandbox)["vouchers"] == [] and files_of(home) == before  # nothing sent, nothing written

    assert cli(home, "export", "--series", "K", "--yes", "--json") == 1
    real = json.loads(capsys.readouterr().out)
    assert sorted(real["refused"]) == sorted(dry["kept_out"]) and len(real["exported"]) == 2
    assert len(booked(sandbox)["vouchers"]) == 2
    with Store.open(home) as store:
        assert store.settings.default_series is None  # --series alone never changes the default
        assert store.settings.company_name  # every export teaches the home the company and its chart
        assert store.accounts.get(5460) is not None and not store.accounts[5460].active


def test_the_dry_run_that_cannot_reach_fortnox_says_it_did_not_check(home, capsys):
    with Store.open(home) as store:
        seed_ready(store, 1, receipts_every=0)
    assert cli(home, "export", "--series", "K", "--dry-run") == 1
    err = capsys.readouterr().err
    assert "1 voucher would be sent" in err and "Not checked with Fortnox" in err and "juni-tui connect" in err


def test_the_series_becomes_the_default_only_with_remember_series(home, sandbox, capsys, monkeypatch):
    for key, value in service_env(sandbox).items():
        monkeypatch.setenv(key, value)
    with Store.open(home) as store:
        seed_ready(store, 1, receipts_every=0)
    assert cli(home, "export", "--remember-series", "--yes") == 1
    assert "--remember-series needs --series" in capsys.readouterr().err
    assert cli(home, "export", "--series", "K", "--remember-series", "--yes") == 0
    with Store.open(home) as store:
        assert store.settings.default_series == "K"


# --- every error explained ------------------------------------------------------------------------------------

SYSTEM_EXCEPTION = {"ErrorInformation": {"error": 1, "message": "Ett oväntat fel inträffade (System exception)",
                                         "code": spec.SYSTEM_EXCEPTION_CODE}}


def answer(status: int, body: dict) -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request("POST", "https://api.fortnox.se/3/vouchers"))


@pytest.mark.parametrize("code", [value for name, value in vars(spec).items() if name.endswith("_CODE")]
                         + [2000134, 2000729, 2001101, 2001103, 2001740, 2002141])
def test_every_listed_fortnox_code_says_what_it_means_and_what_to_do(code):
    error = error_from_response(answer(400, {"ErrorInformation": {"error": 1, "message": "x", "code": code}}))
    assert error.meaning and error.meaning != FortnoxRejected.MEANING, code


@pytest.mark.parametrize("status, body, kind", [
    (500, SYSTEM_EXCEPTION, Unavailable), (503, {"message": "Service Unavailable"}, Unavailable),
    (429, {"message": "Too many requests"}, RateLimited), (401, {"message": "unauthorized"}, AuthError),
    (404, {"ErrorInformation": {"message": "Hittades inte"}}, NotFound), (400, {"message": "Något nytt"}, FortnoxRejected),
])
def test_every_kind_of_answer_says_what_it_means(status, body, kind):
    error = error_from_response(answer(status, body))
    assert type(error) is kind and len(error.meaning) > 40


@pytest.mark.parametrize("kind", [NotSent, UnknownOutcome])
def test_errors_without_an_answer_say_what_they_mean(kind):
    assert "Nothing" in kind("No answer from Fortnox").meaning or "nothing" in kind("x").meaning


class FortnoxChokesOnUploads(httpx.AsyncBaseTransport):
    """The sandbox over real HTTP, except that every receipt upload gets Fortnox's 500 "System exception" (as a file
    Fortnox cannot handle does); reads of the inbox still work."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.uploads = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/3/inbox"):
            self.uploads += 1
            if self.uploads > 50:  # an exporter that never stops trying: end it here, the test fails on the count
                return httpx.Response(400, json={"ErrorInformation": {"message": "stop", "code": 1}})
            return httpx.Response(500, json=SYSTEM_EXCEPTION)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_receipt_fortnox_fails_on_is_explained_in_the_cli_and_the_queue(sandbox_factory, home, capsys,
                                                                                monkeypatch):
    sandbox = sandbox_factory(rate_limit_requests=10_000)
    transport = FortnoxChokesOnUploads()

    def client(home, settings, **_kw) -> FortnoxClient:
        conn = oauth.resolve_connection(home, settings, env={})
        http = httpx.AsyncClient(transport=transport, timeout=3)
        made = FortnoxClient(conn.api_url, oauth.token_provider(conn, http, home), http=http,
                             limiter=RateLimiter(limit=1000), retry=RetryPolicy(attempts=3, base_delay=0.01))
        made.owns_http = True
        return made

    monkeypatch.setattr(oauth, "make_client", client)
    monkeypatch.setattr(export_command, "Exporter",
                        functools.partial(Exporter, lookup_grace=0.01, round_delay=0.01, max_rounds=2))
    with Store.open(home) as store:
        connect_to_sandbox(store, sandbox)
        (tx_id,) = seed_ready(store, 1, receipts_every=1)
    assert await _export_in_a_thread(home) == 1  # the CLI runs its own event loop
    err = capsys.readouterr().err
    said = next((line for line in err.splitlines() if line.strip().startswith(f"failed {tx_id}")), err)
    assert f"Receipt kvitto-{tx_id}.pdf: Fortnox answered 500 (Ett oväntat fel inträffade (System exception))" in said
    assert "unexpected error of its own" in said and "retry" in said.lower()  # what it means, what to do
    assert len(booked(sandbox)["vouchers"]) == 1 and transport.uploads == 6  # bounded: 3 tries in each of 2 rounds

    from juni_tui.app import JuniApp
    from juni_tui.widgets.table import VirtualTable

    with Store.open(home) as store:
        assert store.transactions[tx_id].status == Status.FAILED
        app = JuniApp(store, sync_on_start=False, watch_inbox=False)
        async with app.run_test(size=(400, 20)) as pilot:
            await pilot.press("3")
            await flushed(app, pilot)
            table = app.screen.query_one(VirtualTable)
            line = "".join(segment.text for segment in table.render_line(1))  # below the header
            assert "System exception" in line and "unexpected error of its own" in line


async def _export_in_a_thread(home) -> int:
    import asyncio

    return await asyncio.to_thread(cli, home, "export", "--series", "K", "--yes")


def test_the_dry_run_says_what_the_queue_holds_that_the_export_sends_first(home, capsys):
    from juni_tui.services import workflow

    with Store.open(home) as store:
        ready, queued = seed_ready(store, 2, receipts_every=0)
        workflow.queue(store, [queued], "K")  # e.g. put back with `retry`, or left by an interrupted export
    assert cli(home, "export", "--series", "K", "--dry-run") == 1  # (Fortnox not reachable here)
    err = capsys.readouterr().err
    assert "1 voucher would be sent to series K" in err
    assert "First, 1 transaction already in the export queue would be sent" in err
    assert cli(home, "export", "--series", "K", "--dry-run", "--json") == 1
    assert json.loads(capsys.readouterr().out)["resumed_first"] == [queued]
