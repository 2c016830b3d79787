"""The ``leadlever`` command line: thin wrappers over the library.

Each command group lives in its own module and is registered here.
"""

from __future__ import annotations

import os
import signal

import typer

from leadlever.cli import (
    allocate,
    campaign,
    deals,
    price,
    qualify,
    roi,
    score,
    simulate,
    simulate_campaign,  # noqa: F401 (registers `simulate campaign`)
)
from leadlever.cli._group import JsonErrorsGroup
from leadlever.cli.demo import demo
from leadlever.cli.examples import examples
from leadlever.cli.inspect_export import inspect_command
from leadlever.cli.package import package_command
from leadlever.cli.plan import plan
from leadlever.cli.report import report
from leadlever.cli.rescore import rescore
from leadlever.cli.serve import serve

__all__ = ["app", "main"]

app = typer.Typer(
    name="leadlever",
    cls=JsonErrorsGroup,
    help="Campaign optimisation and lead monetisation: score, evaluate ROI, allocate, price, package.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(simulate.app, name="simulate")
score.app.command("rescore")(rescore)
app.add_typer(score.app, name="score")
app.add_typer(qualify.app, name="qualify")
app.command("plan")(plan)
app.add_typer(price.app, name="price")
app.add_typer(deals.app, name="deals")
app.add_typer(campaign.app, name="campaign")
app.add_typer(roi.app, name="roi")
app.add_typer(allocate.app, name="allocate")
app.command("demo")(demo)
app.command("examples")(examples)
app.command("inspect")(inspect_command)
app.command("package")(package_command)
app.command("report")(report)
app.command("serve")(serve)


def main() -> None:
    """Console-script entry point.

    LeadLever's linear algebra is many small products (model fits on tens of
    columns); multi-threaded OpenBLAS spends longer coordinating threads than
    computing them, up to 7x slower on a busy 2-core machine. The command runs
    with one BLAS thread unless the user set these variables; numpy is not
    imported yet at this point (commands import the library when they run).
    SIGTERM ends the command like an exception (exit 143), so half-written temporary
    files are removed on the way out (SIGKILL cannot be caught: the next write to the same
    file removes them).
    """
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    # SIGTERM unwinds like an exception, so temporary files are removed on the way out
    signal.signal(signal.SIGTERM, _terminate)
    app()


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
