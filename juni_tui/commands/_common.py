"""What every command needs: the home folder, the store, and errors turned into clear messages."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from juni_tui.services.bookkeeping.accounts import move_eu_goods_account
from juni_tui.services.display import printable
from juni_tui.services.fortnox.errors import FortnoxError
from juni_tui.services.jsonutil import dumps
from juni_tui.services.store import Store, StoreError
from juni_tui.services.store.home import Home, resolve_home


def home_of(args: argparse.Namespace) -> Home:
    return resolve_home(getattr(args, "home", None))


@contextmanager
def open_store(args: argparse.Namespace) -> Iterator[Store]:
    with Store.open(home_of(args)) as store:
        notice = move_eu_goods_account(store)
        if notice:
            say(f"juni-tui: {notice}", err=True)
        yield store


def fail(message: str, code: int = 1) -> int:
    """Say what went wrong on stderr (made safe to show: messages quote files, ids and Fortnox's answers)."""
    print(f"juni-tui: {printable(message, multiline=True)}", file=sys.stderr)
    return code


def say(text: str, *, err: bool = False) -> None:
    """Print one line that holds text from outside (merchants, file names, ids), made safe to show."""
    print(printable(text), file=sys.stderr if err else sys.stdout)


def friendly(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the errors a user can act on into one clear message and a non-zero exit, never a traceback."""

    @functools.wraps(func)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except StoreError as exc:
            return fail(str(exc))
        except FortnoxError as exc:
            return fail(f"{exc}. {exc.meaning}" if exc.meaning else str(exc))
        except FileNotFoundError as exc:
            return fail(f"{exc.filename}: no such file")

    return wrapper


def print_json(data: Any) -> None:
    sys.stdout.write(dumps(data, indent=2) + "\n")

