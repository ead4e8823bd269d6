"""What every command needs: the home folder, the store, and errors turned into clear messages."""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from juni_tui.services.bookkeeping.accounts import move_eu_goods_account
from juni_tui.services.display import printable
from juni_tui.services.fortnox.errors import FortnoxError, failure_text
from juni_tui.services.jsonutil import dumps
from juni_tui.services.store import Store, StoreError
from juni_tui.services.store.home import Home, resolve_home


def home_of(args: argparse.Namespace) -> Home:
    return resolve_home(getattr(args, "home", None))


def has_data(home: Home) -> bool:
    """Whether the home folder holds anything. Anything at all: a damaged home (a journal or history without its
    database) is opened, and refused by the store, never looked at as an empty one. So is a file given as the home
    (``--home juni.csv``): the store says it is not a folder, rather than a dry run or ``list`` showing nothing."""
    try:
        return any(home.root.iterdir())
    except FileNotFoundError:
        return False
    except NotADirectoryError:
        return True


@contextmanager
def open_store(args: argparse.Namespace, *, create: bool = True) -> Iterator[Store]:
    """The home's store. ``create=False`` (a dry run): a home that holds no data yet is not created; the command
    sees an empty one, made in a scratch folder that is removed afterwards. A dry run writes nothing, so the one-time
    move of the EU-goods VAT account waits for a command that writes."""
    home = home_of(args)
    if not create and not has_data(home):
        with tempfile.TemporaryDirectory(prefix="juni-tui-dry-run-") as scratch, Store.open(Home(Path(scratch))) as store:
            yield store
        return
    with Store.open(home) as store:
        if create and (notice := move_eu_goods_account(store)):
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
            return fail(failure_text(str(exc), exc.meaning))
        except FileNotFoundError as exc:
            return fail(f"{exc.filename}: no such file")

    return wrapper


def print_json(data: Any) -> None:
    sys.stdout.write(dumps(data, indent=2) + "\n")

