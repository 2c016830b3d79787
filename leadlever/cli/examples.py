"""``leadlever examples``: write the example input files into a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import emit_json, handle_errors


@handle_errors(outputs={"out_dir": "folder"})
def examples(
    out_dir: Annotated[
        Path, typer.Argument(help="Folder for the example files (created if needed).")
    ] = Path("."),
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace files that already exist.")
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Write example rules.toml, economics.toml, buyers.toml, deals.toml and team.csv to edit."""
    from leadlever.simulations.examples import write_examples

    files = write_examples(out_dir, overwrite=overwrite)
    if json_out:
        emit_json({"files": [str(f) for f in files]})
    else:
        for f in files:
            typer.echo(f"wrote {f}")
