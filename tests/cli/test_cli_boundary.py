"""Every command goes through the one boundary of ``leadlever.cli._common.handle_errors``:
it is decorated, and every path it writes is declared, so outputs are checked before any
work starts (a new command that forgets fails here, not in a user's terminal)."""

from __future__ import annotations

import typer.main

from leadlever.cli import app

#: option names that name something a command writes
OUTPUT_OPTIONS = {
    "--out", "--model-out", "--bundle-out", "--oof-out", "--plot", "--plots", "--tornado",
    "--history", "--state",
}  # fmt: skip


def _commands():
    def walk(command, path):
        subs = getattr(command, "commands", None)
        if subs is None or (path and getattr(command, "invoke_without_command", False)):
            yield " ".join(path), command
        for name, sub in (subs or {}).items():
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


def test_every_command_is_wrapped_and_declares_its_outputs():
    problems = []
    seen = 0
    for name, command in _commands():
        # typer wraps the command function once more: look along the __wrapped__ chain
        declared = next(
            (
                f.declared_outputs
                for f in _chain(command.callback)
                if hasattr(f, "declared_outputs")
            ),
            None,
        )
        if declared is None:
            problems.append(f"{name}: not decorated with handle_errors")
            continue
        seen += 1
        for param in command.params:
            opts = set(getattr(param, "opts", ()))
            if opts & OUTPUT_OPTIONS and param.name not in declared:
                problems.append(f"{name}: {sorted(opts)} is written but not declared")
    assert seen >= 20
    assert not problems, problems


def _chain(func):
    while func is not None:
        yield func
        func = getattr(func, "__wrapped__", None)
