"""The top-level command group: with ``--json``, a usage error is a JSON object on stdout too.

Typer (click) reports a usage error (an unknown command or option, a value of the wrong type,
a missing argument) on stderr and exits 2 before the command runs, so a program that reads
``--json`` output would get nothing on stdout. With ``--json`` among the arguments this group
also prints ``{"error": "UsageError", "message": ..., "exit_code": 2}`` on stdout; the
commands' own errors do the same in :func:`leadlever.cli._common.handle_errors`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from typer.core import TyperGroup

from leadlever.cli._common import emit_json

__all__ = ["JsonErrorsGroup"]


class JsonErrorsGroup(TyperGroup):
    """A :class:`typer.core.TyperGroup` whose usage errors also answer in JSON with ``--json``."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode or "--json" not in argv:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        click_exception, abort = _click_errors()
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click_exception as exc:
            _show(exc)
            emit_json(
                {
                    "error": "UsageError",
                    "message": exc.format_message(),
                    "exit_code": exc.exit_code,
                }
            )
            sys.exit(exc.exit_code)
        except abort:
            sys.stderr.write("Aborted!\n")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _click_errors() -> tuple[type[Exception], type[BaseException]]:
    """click's ClickException (typer vendors click from 0.20 on, older ones use it) and
    typer's Abort."""
    import typer

    try:
        from typer._click.exceptions import ClickException
    except ImportError:
        from click.exceptions import ClickException
    return ClickException, typer.Abort


def _show(exc: Any) -> None:
    """The error as typer shows it (a framed panel where rich is installed)."""
    try:
        from typer import rich_utils
    except ImportError:  # typer without rich
        exc.show()
    else:
        rich_utils.rich_format_error(exc)
