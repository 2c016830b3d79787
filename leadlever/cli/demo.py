"""``leadlever demo``: run the whole case on the simulated world."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import echo_err, emit_json, handle_errors


@handle_errors(outputs={"out": "folder"})
def demo(
    seed: Annotated[int, typer.Option("--seed", help="Seed for every random draw.")] = 7,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for tables, plots and the report.")
    ] = Path("leadlever-demo"),
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into a non-empty folder that an earlier demo did not write (files of "
            "the same name are replaced, the others kept).",
        ),
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON summary object on stdout.")
    ] = False,
) -> None:
    """Run the Valiant case end to end on the simulated world (no input files needed)."""
    from leadlever.simulations.demo import STEPS, run_demo

    total = len(STEPS)
    counter = {"i": 0}

    def on_step(label: str) -> None:
        counter["i"] += 1
        echo_err(f"[{counter['i']}/{total}] {label} ...")

    result = run_demo(seed=seed, out_dir=out, on_step=on_step, force=force)
    if json_out:
        emit_json(result.to_dict())
        return
    for section in result.sections:
        typer.echo(f"\n== {section.title} ==")
        for line in section.lines:
            typer.echo(line)
    typer.echo(f"\nWrote {len(result.files)} files to {result.out_dir}/")
