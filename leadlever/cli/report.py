"""``leadlever report``: one self-contained HTML page from a run's outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import emit_json, handle_errors
from leadlever.cli._options import JsonOption

__all__ = ["report"]


@handle_errors(outputs={"out": "html"}, inputs=("inputs",))
def report(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="The run's folder(s) or files: tables the commands wrote and their --json "
            "outputs saved to files."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
    title: Annotated[str | None, typer.Option("--title", help="Title of the page.")] = None,
    json_out: JsonOption = False,
) -> None:
    """Build one self-contained HTML report: decisions first (who to work, what to sell at
    what price, where to move budget, which deal, whom to contact), then the evidence."""
    from leadlever.engine.exceptions import ParameterError
    from leadlever.engine.io import atomic_write_text
    from leadlever.simulations.report import build_report

    if not str(out).lower().endswith((".html", ".htm")):
        raise ParameterError(f"--out '{out}' must end in .html.")
    result = build_report(inputs, title=title)
    atomic_write_text(result.html, out)
    if json_out:
        emit_json({"out": str(out), **result.to_dict()})
        return
    d = result.to_dict()
    typer.echo(
        f"Wrote {out}: {len(d['decisions'])} decision and {len(d['evidence'])} evidence "
        f"section(s) from {len(d['recognised'])} file(s); {len(d['skipped'])} file(s) not used."
    )
    for item in d["skipped"]:
        typer.echo(f"  not used: {item['file']} ({item['reason']})")
