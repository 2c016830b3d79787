"""The ``leadlever`` command line: thin wrappers over the library.

Each command group lives in its own module and is registered here.
"""

from __future__ import annotations

import typer

from leadlever.cli import simulate
from leadlever.cli.demo import demo
from leadlever.cli.package import package_command

__all__ = ["app", "main"]

app = typer.Typer(
    name="leadlever",
    help="Campaign optimisation and lead monetisation: score, evaluate ROI, allocate, price, package.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(simulate.app, name="simulate")
app.command("demo")(demo)
app.command("package")(package_command)


def main() -> None:
    """Console-script entry point."""
    app()
