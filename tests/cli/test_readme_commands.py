"""Every ``leadlever`` command README.md and the documentation pages show in a ``bash``
block runs and exits 0.

The blocks are run in one temporary folder, README first, then the pages of ``docs/`` in
the site's order (``mkdocs.yml``), so files written by
earlier commands (``leads.csv``, ``model.json``, ...) feed later ones; a
``cat > FILE <<'EOF'`` ... ``EOF`` here-document creates FILE as a user's shell
would, and ``leadlever ... > FILE`` writes the command's stdout to FILE. A block preceded by ``<!-- not-run -->`` is skipped. ``leadlever demo`` is
not re-run here: the shared ``demo_run`` fixture (tests/conftest.py) runs it for
the demo tests. A second test checks that every command group and subcommand
registered in the Typer app appears in those blocks, so the README stays a
complete CLI reference (together with the pages).
"""

from __future__ import annotations

import re
import shlex
import warnings
from dataclasses import dataclass
from pathlib import Path

import typer.main
from helpers import REPO
from typer.testing import CliRunner

from leadlever.cli import app

README = REPO / "README.md"
MKDOCS = REPO / "mkdocs.yml"
NAV_PAGE = re.compile(r"^\s*-\s*[^:]+:\s*(\S+\.md)\s*$")
NOT_RUN = "<!-- not-run -->"
HEREDOC = re.compile(r"^cat\s+>\s*(\S+)\s+<<-?\s*['\"]?(\w+)['\"]?\s*$")


@dataclass(frozen=True)
class Step:
    """One thing to do: run ``argv`` (``leadlever`` stripped) or write ``text`` to ``path``."""

    line: int
    argv: tuple[str, ...] = ()
    path: str = ""
    text: str = ""
    stdout_to: str = ""


def bash_blocks(markdown: str) -> list[tuple[int, list[str], bool]]:
    """(first line number, lines, runnable) of every ```bash block."""
    lines = markdown.splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```bash":
            prev = next((lines[k].strip() for k in range(i - 1, -1, -1) if lines[k].strip()), "")
            start = i + 1
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                i += 1
            blocks.append((start + 1, lines[start:i], prev != NOT_RUN))
        i += 1
    return blocks


def readme_steps(markdown: str, *, runnable_only: bool = True) -> list[Step]:
    """The commands and here-documents of the README's bash blocks, in order."""
    steps: list[Step] = []
    for first, lines, runnable in bash_blocks(markdown):
        if runnable_only and not runnable:
            continue
        k = 0
        while k < len(lines):
            line = lines[k].strip()
            while line.endswith("\\") and k + 1 < len(lines):  # continued line
                k += 1
                line = line[:-1] + " " + lines[k].strip()
            heredoc = HEREDOC.match(line)
            if heredoc:
                end = k + 1
                while end < len(lines) and lines[end].strip() != heredoc.group(2):
                    end += 1
                text = "\n".join(lines[k + 1 : end]) + "\n"
                steps.append(Step(first + k, path=heredoc.group(1), text=text))
                k = end + 1
                continue
            for part in line.split("&&"):  # e.g. `pip install . && leadlever demo`
                words = shlex.split(part, comments=True)
                target = ""
                if ">" in words:  # `leadlever ... --json > plan.json`
                    target = words[words.index(">") + 1]
                    words = words[: words.index(">")]
                if words and words[0] == "leadlever":
                    steps.append(Step(first + k, argv=tuple(words[1:]), stdout_to=target))
            k += 1
    return steps


def documentation() -> list[tuple[str, str]]:
    """(name, markdown) of README.md and every page in mkdocs.yml's nav, in that order."""
    pages = [m.group(1) for line in MKDOCS.read_text(encoding="utf-8").splitlines()
             if (m := NAV_PAGE.match(line))]  # fmt: skip
    assert pages, "mkdocs.yml lists no pages"
    return [("README.md", README.read_text(encoding="utf-8"))] + [
        (f"docs/{page}", (REPO / "docs" / page).read_text(encoding="utf-8")) for page in pages
    ]


def documented_steps(*, runnable_only: bool = True) -> list[tuple[str, Step]]:
    """(file, step) of every documented command, in running order."""
    return [
        (name, step)
        for name, text in documentation()
        for step in readme_steps(text, runnable_only=runnable_only)
    ]


def registered_commands() -> list[tuple[str, ...]]:
    """Every command path of the Typer app: ('score', 'fit'), ('plan',), ('price',) ..."""
    paths: list[tuple[str, ...]] = []

    def walk(command, path: tuple[str, ...]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            paths.append(path)
            return
        if path and getattr(command, "invoke_without_command", False):
            paths.append(path)  # a group that is also a command (`leadlever price ...`)
        for name, sub in subcommands.items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return paths


def _is_command(argv: tuple[str, ...], path: tuple[str, ...], groups: set[str]) -> bool:
    """``argv`` invokes ``path`` (for a callable group: and no subcommand)."""
    if argv[: len(path)] != path:
        return False
    if path[0] in groups and len(path) == 1:  # `price --p ...`, not `price solve ...`
        return len(argv) == 1 or argv[1].startswith("-")
    return True


def test_readme_extraction_finds_the_tour():
    readme = [s.argv for s in readme_steps(README.read_text(encoding="utf-8")) if s.argv]
    assert readme[0] == ("demo",) and ("examples", ".") in readme
    steps = [s for _, s in documented_steps()]
    argvs = [s.argv for s in steps if s.argv]
    files = [s.path for s in steps if s.path]
    assert len(argvs) >= 25, argvs
    assert {"rules.toml", "team.csv", "roi_economics.toml", "deals.toml", "mapping.toml"} <= set(
        files
    )


def test_every_docs_page_exists_and_is_in_the_nav():
    listed = {name for name, _ in documentation()}
    on_disk = {f"docs/{p.name}" for p in (REPO / "docs").glob("*.md")}
    assert on_disk <= listed, f"pages missing from mkdocs.yml's nav: {on_disk - listed}"


def test_every_registered_command_is_documented():
    argvs = [s.argv for _, s in documented_steps(runnable_only=False)]
    paths = registered_commands()
    groups = {p[0] for p in paths if len(p) > 1}
    missing = [" ".join(p) for p in paths if not any(_is_command(a, p, groups) for a in argvs if a)]
    assert not missing, f"commands not shown in any README or docs bash block: {missing}"
    assert len(paths) >= 20  # the walk found the app's commands


def test_readme_commands_run_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ran = 0
    for source, step in documented_steps():
        if step.path:
            Path(step.path).write_text(step.text, encoding="utf-8")
            continue
        if step.argv[:1] == ("demo",):
            continue  # run once for the whole session by the demo_run fixture
        with warnings.catch_warnings():  # expected library warnings (ids, collinear dummies)
            warnings.simplefilter("ignore")
            result = runner.invoke(app, list(step.argv))
        shown = "leadlever " + shlex.join(step.argv)
        assert result.exit_code == 0, (
            f"{source} line {step.line}: `{shown}` exited {result.exit_code}:\n{result.output}"
        )
        assert "Traceback" not in result.output, shown
        if step.stdout_to:
            Path(step.stdout_to).parent.mkdir(parents=True, exist_ok=True)
            Path(step.stdout_to).write_text(result.stdout, encoding="utf-8")
        ran += 1
    assert ran >= 25
    for produced in ("leads.csv", "model.json", "scored.csv", "profile.csv", "queue.csv",
                     "roi.csv", "curves.csv", "split1.csv", "priced.csv", "figure3.png"):  # fmt: skip
        assert (tmp_path / produced).stat().st_size > 0, produced
