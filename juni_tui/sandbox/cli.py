"""``juni-tui sandbox``: run the Fortnox sandbox in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from pydantic import ValidationError

from .app import create_app
from .config import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID, FaultConfig, SandboxConfig
from .runner import bind, uvicorn_server
from .state import StateFileError

DEFAULT_PORT = 8765


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="juni-tui sandbox",
                                description="A local Fortnox-compatible API, as strict as Fortnox, with faults "
                                            "on demand. See docs/sandbox.md.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback only, default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any free port)")
    p.add_argument("--allow-non-loopback", action="store_true",
                   help="allow a --host that is not loopback (the admin path stays loopback only)")
    p.add_argument("--state", type=Path, metavar="FILE", help="load state from FILE and save it there atomically")
    p.add_argument("--seed", type=int, default=0, help="seed for ids, tokens and fault draws (default 0)")
    p.add_argument("--token-ttl", type=int, metavar="SECONDS", help="access-token lifetime (default 3600)")
    p.add_argument("--rate-limit-requests", type=int, metavar="N", help="requests per window (default 25)")
    p.add_argument("--rate-limit-window", type=float, metavar="SECONDS", help="window length (default 5)")
    p.add_argument("--send-retry-after", action="store_true", help="send Retry-After on 429 (Fortnox may not)")
    p.add_argument("--redirect-uri", action="append", default=[], metavar="URI",
                   help="register another redirect URI for the demo app (repeatable)")
    faults = p.add_argument_group("faults (all off by default; also settable at /_sandbox/faults)")
    faults.add_argument("--latency-ms", type=int, metavar="N")
    faults.add_argument("--latency-jitter-ms", type=int, metavar="N")
    faults.add_argument("--error-rate", type=float, metavar="F", help="share of 500/503 before processing")
    faults.add_argument("--error-after-commit-rate", type=float, metavar="F", help="share of writes answered 500")
    faults.add_argument("--rate-limit-burst", type=int, metavar="N", help="the next N requests get 429")
    faults.add_argument("--rate-limit-burst-rate", type=float, metavar="F", help="share of requests that get 429")
    faults.add_argument("--drop-after-commit-rate", type=float, metavar="F",
                        help="share of writes whose connection is dropped after the commit")
    faults.add_argument("--hang-after-commit-rate", type=float, metavar="F",
                        help="share of writes answered only after --hang-seconds")
    faults.add_argument("--hang-seconds", type=float, metavar="S")
    faults.add_argument("--fault-path", action="append", default=[], metavar="PATH",
                        help="limit faults to API paths starting with PATH, e.g. vouchers (repeatable)")
    return p


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _config(args: argparse.Namespace) -> SandboxConfig:
    fault_fields = {name: getattr(args, name) for name in FaultConfig.model_fields if getattr(args, name, None)
                    is not None}
    if args.fault_path:
        fault_fields["paths"] = args.fault_path
    settings = {"access_token_ttl": args.token_ttl, "rate_limit_requests": args.rate_limit_requests,
                "rate_limit_window": args.rate_limit_window}
    config = SandboxConfig(
        state_file=args.state, seed=args.seed, send_retry_after=args.send_retry_after,
        faults=FaultConfig(**fault_fields), **{k: v for k, v in settings.items() if v is not None},
    )
    config.redirect_uris = config.redirect_uris + args.redirect_uri
    return config


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if not _is_loopback(args.host) and not args.allow_non_loopback:
        print(f"juni-tui sandbox: refusing to listen on {args.host}, which is not loopback "
              "(pass --allow-non-loopback if you mean it)", file=sys.stderr)
        return 2
    try:
        config = _config(args)
        app = create_app(config)
    except ValidationError as exc:
        print(f"juni-tui sandbox: bad option: {exc}", file=sys.stderr)
        return 2
    except StateFileError as exc:
        print(f"juni-tui sandbox: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"juni-tui sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    base = f"http://{args.host}:{port}"
    print(f"Fortnox sandbox at {base}  API {base}/3  OAuth {base}/oauth-v1  admin {base}/_sandbox  "
          f"demo client_id={DEMO_CLIENT_ID} client_secret={DEMO_CLIENT_SECRET} (the sandbox's own public secret) "
          f"TenantId={DEMO_TENANT_ID}", flush=True)
    server = uvicorn_server(app)
    server.run(sockets=[sock])
    return 0
