"""``juni-tui demo``: the whole flow on demo data, exporting to the built-in Fortnox sandbox.

No account, no credentials, no network: the sandbox runs in this process on a loopback port and keeps its
state in the demo home, so vouchers exported in one session are still there in the next.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import platformdirs

from juni_tui.commands._common import friendly
from juni_tui.commands.tui import add_ascii_option
from juni_tui.services.store.home import ENV_HOME, Home


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="open the TUI on demo data with the built-in Fortnox sandbox")
    parser.add_argument("--port", type=int, default=0, help="the sandbox's port (default: a free one)")
    parser.add_argument("--reset", action="store_true", help="start again from fresh demo data")
    add_ascii_option(parser)
    parser.set_defaults(func=run_demo)


def demo_home(args: argparse.Namespace) -> Home:
    """``--home``, ``$JUNI_TUI_HOME``, or a ``demo`` folder next to the real data (never the real data itself)."""
    if getattr(args, "home", None):
        return Home(Path(args.home).expanduser().resolve())
    if os.environ.get(ENV_HOME):
        return Home(Path(os.environ[ENV_HOME]).expanduser().resolve())
    return Home(Path(platformdirs.user_data_dir("juni-tui", appauthor=False)) / "demo")


def prepare_demo(home: Home, *, reset: bool = False) -> None:
    from juni_tui.services.demo.company import create_demo_home

    if reset and home.root.exists():
        import shutil

        shutil.rmtree(home.root)
    create_demo_home(home.ensure())


def connect_to_sandbox(store, sandbox) -> None:  # noqa: ANN001 - Store, SandboxServer
    """Point the demo home at the running sandbox with its demo service account."""
    from juni_tui.domain.settings import FortnoxSettings
    from juni_tui.sandbox import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID
    from juni_tui.services.fortnox import oauth

    fortnox = FortnoxSettings(api_url=sandbox.api_url, auth_url=sandbox.auth_url, client_id=DEMO_CLIENT_ID,
                              tenant_id=DEMO_TENANT_ID, mode="service")
    oauth.save_client_secret(store.home, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    if store.settings.fortnox != fortnox:
        store.save_settings(store.settings.model_copy(update={"fortnox": fortnox}), what="demo sandbox")


@friendly
def run_demo(args: argparse.Namespace) -> int:
    from juni_tui.app import JuniApp, wants_ascii
    from juni_tui.sandbox import SandboxConfig, SandboxServer
    from juni_tui.services.fortnox import oauth
    from juni_tui.services.store import Store

    home = demo_home(args)
    prepare_demo(home, reset=args.reset)
    with SandboxServer(SandboxConfig(state_file=home.sandbox_state), port=args.port) as sandbox:
        with Store.open(home) as store:
            connect_to_sandbox(store, sandbox)
            # The demo never uses Fortnox credentials from the environment: it talks to its own sandbox only.
            app = JuniApp(store, client_factory=lambda: oauth.make_client(store.home, store.settings.fortnox, env={}),
                          ascii=wants_ascii(store.settings.display, args.ascii))
            app.run()
    print(f"Demo data is in {home.root} (juni-tui demo --reset starts again).")
    return 0
