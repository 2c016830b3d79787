"""``leadlever inspect``: profile an export before anything is fitted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import emit_json, handle_errors, print_table
from leadlever.cli._options import JsonOption, LostOption, OptionalTargetOption, WonOption

__all__ = ["inspect_command"]


@handle_errors
def inspect_command(
    data: Annotated[Path, typer.Argument(help="The export to profile (CSV/Parquet).")],
    target: OptionalTargetOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    json_out: JsonOption = False,
) -> None:
    """Kind, role and warnings of every column: ids, leak suspects, missing codes, dates.

    With --target the outcome is coded as the fit commands will code it, and leak
    suspects are also found by how well one column alone separates won from lost.
    """
    from leadlever.cli._options import outcome_spec
    from leadlever.engine.io import inspect_table, read_table

    table = read_table(data)
    spec = None if target is None else outcome_spec(target, won, lost)
    report = inspect_table(table, outcome=spec, source=str(data))
    if json_out:
        emit_json(report.to_dict())
        return
    typer.echo(f"{data}: {report.n_rows:,} rows, {len(report.columns)} columns.")
    for note in report.notes:
        typer.echo(note)
    frame = report.to_frame()[["column", "kind", "role", "missing", "distinct"]]
    print_table(frame)
    for warning in report.warnings:
        typer.echo(f"- {warning}")
    if report.id_columns or report.leak_suspects:
        typer.echo(
            f"score fit and qualify fit leave out {report.id_columns or 'no id columns'}"
            + (f" and warn about {report.leak_suspects}." if report.leak_suspects else ".")
        )
