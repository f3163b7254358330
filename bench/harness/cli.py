"""Command lines of the benches: options declared once with their checks; Ctrl-C and `kill` stop a run cleanly."""

import argparse
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    """One `--flag` with its default (which gives its type unless `type` does) and an optional check."""

    flag: str
    default: Any
    help: str = ""
    check: str = ""  # ">0" or ">=0"
    type: Callable[[str], Any] | None = None


def run(bench: Callable[[Any], None], *options: Option, argv: list[str] | None = None) -> None:
    """Parse the options and run `bench(args)`; `kill` cleans up like Ctrl-C (servers stopped, database dropped),
    then the bench exits 130. The first line of the bench's module docstring describes it in --help."""
    doc = sys.modules[bench.__module__].__doc__ or ""
    parser = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    for o in options:
        shown = f"{o.default:g}" if isinstance(o.default, int | float) else "see above"
        parser.add_argument(o.flag, type=o.type or type(o.default), default=o.default, help=f"{o.help} ({shown})")
    args = parser.parse_args(argv)
    for o in options:
        value = getattr(args, o.flag[2:].replace("-", "_"))
        if (o.check == ">0" and not value > 0) or (o.check == ">=0" and not value >= 0):
            parser.error(f"{o.flag} must be {'positive' if o.check == '>0' else 'not negative'}")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # raises KeyboardInterrupt, as Ctrl-C does
    try:
        bench(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        raise SystemExit(130) from None
