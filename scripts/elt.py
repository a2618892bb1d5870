#!/usr/bin/env python
"""Run the platform from a shell, without Airflow: the same functions the DAG tasks call.

    python scripts/elt.py run --domain streaming --days 60 --scale default
    python scripts/elt.py generate --domain streaming --days 7 --run-id jan
    python scripts/elt.py load --run-id jan                   # loads what generate wrote
    python scripts/elt.py validate --layer bronze --run-id jan
    python scripts/elt.py transform --layer silver --run-id jan
    python scripts/elt.py generate --customers 1000 --products 500 --days 30 --load
    python scripts/elt.py generate --volume customers=1000 --volume orders=5000 --days 30
    python scripts/elt.py generate --domain ecommerce --scale tiny --format parquet
    python scripts/elt.py run --domain streaming --days 1                 # one more day
    python scripts/elt.py run --domain streaming --scale tiny --replace-history
    python scripts/elt.py init-warehouse --admin-url postgresql://postgres@127.0.0.1:5432/mine

A run keeps the domain's stored world (scale, seed): asking for another one is refused unless
--replace-history. Silver and gold rebuild only the days a run changed (--full-refresh: all).
The warehouse comes from AIRFLOW_CONN_WAREHOUSE_LOADER, _TRANSFORMER and _VALIDATOR (each stage's
role), or AIRFLOW_CONN_WAREHOUSE for all; files go under ELT_DATA_URL (an object store, e.g.
s3://bucket/prefix) or else ELT_DATA_DIR (default ./data).
Without --domain, the volumes asked for pick the domain that takes them (else: streaming).
init-warehouse sets up a database of your own once: the roles with generated passwords (written
to --logins-file, 0600, and printed once), the schemas and the platform tables.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from include.elt import pipeline
from include.elt.contract.domain import domain_names, load_domain
from include.elt.core.days import Days
from include.elt.core.runs import (
    DEFAULT_HISTORY_DAYS,
    DEFAULT_SCALE,
    DEFAULT_SEED,
    MAX_SEED,
    MAX_WINDOW_DAYS,
)
from include.elt.core.stages import STAGES
from include.elt.warehouse import bootstrap
from include.elt.warehouse.connection import Warehouse, close_idle

# The actions of the stage table (core.stages) each command runs, in flow order; transform and
# validate run them on --layer's stage alone, if given.
COMMANDS = {
    "run": tuple(dict.fromkeys(s.action for s in STAGES)),
    "generate": ("generate",),
    "load": ("load", "commit"),
    "transform": ("build",),
    "validate": ("validate",),
    "publish": ("publish",),
}
INIT_WAREHOUSE = "init-warehouse"
DEFAULT_LOGINS_FILE = "warehouse-logins.env"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=[*COMMANDS, INIT_WAREHOUSE])
    parser.add_argument(
        "--domain", choices=domain_names(), help="default: by --volume, else streaming"
    )
    parser.add_argument("--start", type=date.fromisoformat, help="first day (YYYY-MM-DD)")
    parser.add_argument("--end", type=date.fromisoformat, help="last day (default: yesterday, UTC)")
    parser.add_argument(
        "--days",
        type=_bounded(1, MAX_WINDOW_DAYS),
        default=DEFAULT_HISTORY_DAYS,
        help="window length when --start is not given",
    )
    parser.add_argument("--scale", default=DEFAULT_SCALE, help="tiny, default or large")
    parser.add_argument("--seed", type=_bounded(0, MAX_SEED), default=DEFAULT_SEED)
    parser.add_argument(
        "--layer", choices=["bronze", "silver", "gold"], help="for transform/validate"
    )
    parser.add_argument(
        "--volume",
        type=_volume,
        action="append",
        default=[],
        metavar="NAME=N",
        help="a row count instead of the scale's (e.g. customers=1000; a domain may scale"
        " what depends on it, as ecommerce's orders follow its customers); repeatable",
    )
    parser.add_argument(
        "--customers", type=_bounded(1, 10**8), help="same as --volume customers=N (seed 004)"
    )
    parser.add_argument(
        "--products", type=_bounded(1, 10**7), help="same as --volume products=N (seed 004)"
    )
    parser.add_argument(
        "--load", action="store_true", help="with generate: load bronze afterwards (seed 004)"
    )
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv", dest="file_format")
    parser.add_argument(
        "--replace-history",
        action="store_true",
        help="replace the domain's whole history when this run asks for another scale or seed",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild silver and gold from all of bronze instead of the changed days",
    )
    parser.add_argument(
        "--run-id", help="names the run folder and audit rows (default: derived from the window)"
    )
    parser.add_argument(
        "--admin-url",
        help="init-warehouse: a superuser's (or the database owner's, with CREATEROLE) URI",
    )
    parser.add_argument(
        "--logins-file",
        type=Path,
        default=Path(DEFAULT_LOGINS_FILE),
        help=f"init-warehouse: where the logins go (default: {DEFAULT_LOGINS_FILE}); source it",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def _bounded(low: int, high: int):
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    parse.__name__ = "number"
    return parse


def _volume(text: str) -> tuple[str, int]:
    name, equals, number = text.partition("=")
    if not equals or not re.fullmatch(r"[a-z_]+", name):
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=N (e.g. customers=1000)")
    return name, _bounded(1, 10**9)(number)


def volumes_of(args: argparse.Namespace) -> dict[str, int]:
    shorthand = [("customers", args.customers), ("products", args.products)]
    return dict(args.volume) | {name: n for name, n in shorthand if n}


def domain_of(args: argparse.Namespace) -> str:
    """--domain, or the one domain that takes every volume asked for, or streaming."""
    if args.domain:
        return args.domain
    asked = set(volumes_of(args))
    if not asked:
        return "streaming"
    takers = [n for n in domain_names() if asked <= set(load_domain(n).volumes)]
    if len(takers) != 1:
        raise ValueError(
            f"volumes {', '.join(sorted(asked))} are taken by"
            f" {', '.join(takers) or 'no domain'}: name one with --domain"
        )
    return takers[0]


def stages_for(args: argparse.Namespace) -> list[str]:
    actions = COMMANDS[args.command]
    if args.command == "generate" and args.load:
        actions += COMMANDS["load"]
    layer = args.layer if args.command in ("transform", "validate") else None
    if args.command == "transform" and layer == "bronze":
        raise SystemExit("transform builds silver or gold; bronze is loaded with `load`")
    return [s.name for s in STAGES if s.action in actions and (layer is None or s.layer == layer)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == INIT_WAREHOUSE:
            init_warehouse(args)
        else:
            ctx = context(args)
            if ctx.warehouse is not None:
                bootstrap.require_initialised(ctx.warehouse.loader)
            pipeline.run(ctx, stages_for(args))
    except Exception as exc:  # a mistake is one line; -v shows where it came from
        logging.getLogger("elt").debug("failure", exc_info=True)
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    return 0


def init_warehouse(args: argparse.Namespace) -> None:
    if not args.admin_url:
        raise ValueError("init-warehouse needs --admin-url postgresql://<admin>@host:port/db")
    done = bootstrap.init_warehouse(args.admin_url, args.logins_file)
    if done.generated:
        print(f"The platform's logins (shown this once; kept in {args.logins_file}, 0600):")
        for name, url in done.logins.items():
            print(f"  {name}={url}")
    else:
        print(f"roles and tables up to date; the logins in {args.logins_file} are unchanged")
    print(f"next: source {args.logins_file} && scripts/elt.py run --domain streaming")


def context(args: argparse.Namespace) -> pipeline.RunContext:
    end = args.end or datetime.now(UTC).date() - timedelta(days=1)
    window = Days(args.start, end) if args.start else Days.ending(end, args.days)
    return pipeline.RunContext(
        domain_name=domain_of(args),
        run_id=args.run_id or f"cli__{window.start}__{window.end}",
        window=window,
        scale=args.scale,
        seed=args.seed,
        warehouse=Warehouse.from_env() if args.command != "generate" or args.load else None,
        volumes=volumes_of(args) or None,
        file_format=args.file_format,
        replace_history=args.replace_history,
        full_refresh=args.full_refresh,
    )


def exit_now(code: int) -> None:
    """Leave without the libraries' teardown (GX, SQLAlchemy and pandas take most of a second
    to finalise): the work is committed and written; close the idle connections, flush, go."""
    close_idle()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
