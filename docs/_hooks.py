"""MkDocs hook: let the API reference (mkdocstrings/griffe) find ``leadlever.*``.

The repository keeps ``engine/``, ``optimisers/``, ``pricing/`` and ``simulations/`` at
its top and ``pyproject.toml`` installs them as ``leadlever.engine`` and so on. griffe
reads source files and cannot follow that mapping (nor an editable install of it), so
the hook stages the installed layout as symbolic links in a temporary folder and points
the Python handler there. Nothing in the repository changes.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("engine", "optimisers", "pricing", "simulations")


@event_priority(100)  # before mkdocstrings reads its handler options
def on_config(config):
    stage = Path(tempfile.mkdtemp(prefix="leadlever-api-"))
    atexit.register(shutil.rmtree, stage, ignore_errors=True)
    package = stage / "leadlever"
    package.mkdir()
    for item in (ROOT / "leadlever").iterdir():
        if item.name != "__pycache__":
            (package / item.name).symlink_to(item)
    for folder in FOLDERS:
        (package / folder).symlink_to(ROOT / folder)
    handlers = config.plugins["mkdocstrings"].config.handlers
    handlers.setdefault("python", {})["paths"] = [str(stage)]
    return config
