"""One self-contained HTML page for a run: the decisions first, then the evidence.

A :class:`Page` holds decision blocks (who to work, what to sell at what price, where to
move budget, which deal, whom to contact) and evidence blocks (model strength, data
checks, charts). :func:`render_page` writes them as one HTML file: images embedded as
base64 data URIs, no network, tables as HTML, warnings and assumptions in a box near the
top, and a small script that records how many images decoded in ``data-images-loaded``
on ``<body>`` (the browser test reads it). Both ``leadlever demo`` and ``leadlever
report`` render through it.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from leadlever.engine.io._tables import atomic_write_text

__all__ = ["Block", "Page", "render_page", "write_page", "MAX_TABLE_ROWS"]

#: rows shown of any table (the files hold them all)
MAX_TABLE_ROWS = 12

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1000px;margin:2em auto;
padding:0 1em;color:#1f2933;line-height:1.45;overflow-wrap:anywhere}
h1{margin-bottom:.2em} .sub{color:#52606d;margin-top:0}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em;max-width:100%;display:block;overflow-x:auto}
td,th{border-bottom:1px solid #e4e7eb;padding:.3em .55em;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
table.kpi{display:table;width:100%} table.kpi td.v{font-weight:600;text-align:right}
section{border-top:2px solid #e4e7eb;margin-top:2em;padding-top:.5em}
.explain{background:#f0f4f8;border-left:4px solid #3e7bfa;padding:.5em .8em;margin:.6em 0}
.warn{background:#fff4e5;border-left:4px solid #e8590c;padding:.5em .8em;margin:.6em 0}
.assume{background:#f8f9fa;border-left:4px solid #868e96;padding:.4em .8em;margin:.6em 0;font-size:.9em}
pre{white-space:pre-wrap;font-size:.9em;background:#fafbfc;padding:.6em;border:1px solid #e4e7eb}
img{max-width:100%;height:auto;display:block;margin:.8em 0;border:1px solid #e4e7eb}
h2.part{margin-top:1.6em;color:#3e4c59;font-size:1.1em;text-transform:uppercase;letter-spacing:.05em}
"""

_SCRIPT = """
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  var wide = document.documentElement.scrollWidth > window.innerWidth + 1;
  document.body.setAttribute('data-images-loaded', ok + '/' + imgs.length);
  document.body.setAttribute('data-overflow', wide ? 'yes' : 'no');
});
"""


@dataclass(frozen=True)
class Block:
    """One titled block of the page.

    Attributes
    ----------
    key, title : str
    explanation : str
        One or two sentences for a manager: what it shows and what to do.
    lines : tuple of str
        Short statements (shown as a list).
    tables : tuple of (caption, DataFrame)
        Shown as HTML tables (at most :data:`MAX_TABLE_ROWS` rows each).
    plots : tuple of Path
        PNG files, embedded.
    highlights : dict
        The numbers that matter (label -> formatted value), repeated at the top.
    text : str
        Preformatted text (the demo's console lines).
    """

    key: str
    title: str
    explanation: str = ""
    lines: tuple[str, ...] = ()
    tables: tuple[tuple[str, pd.DataFrame], ...] = ()
    plots: tuple[Path, ...] = ()
    highlights: dict[str, str] = field(default_factory=dict)
    text: str = ""


@dataclass(frozen=True)
class Page:
    """A report: decision blocks first, then evidence, with warnings and assumptions."""

    title: str
    subtitle: str = ""
    decisions: tuple[Block, ...] = ()
    evidence: tuple[Block, ...] = ()
    warnings: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()


def _img_tag(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    alt = html.escape(Path(path).stem.replace("_", " "))
    return f'<img alt="{alt}" src="data:image/png;base64,{data}">'


def _cell(value) -> tuple[str, bool]:
    if isinstance(value, float):
        if value != value:  # NaN
            return "", True
        text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}"
        return text, True
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}", True
    return str(value), False


def _table_html(caption: str, frame: pd.DataFrame) -> str:
    shown = frame.head(MAX_TABLE_ROWS)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for record in shown.itertuples(index=False):
        cells = []
        for v in record:
            text, numeric = _cell(v.item() if hasattr(v, "item") else v)
            cls = ' class="n"' if numeric else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f"<p class='sub'>{len(frame) - MAX_TABLE_ROWS:,} more rows in the file.</p>"
        if len(frame) > MAX_TABLE_ROWS
        else ""
    )
    cap = f"<p><b>{html.escape(caption)}</b></p>" if caption else ""
    return f"{cap}<table><tr>{head}</tr>{''.join(rows)}</table>{more}"


def _block_html(block: Block) -> str:
    parts = [f'<section id="{html.escape(block.key)}"><h2>{html.escape(block.title)}</h2>']
    if block.explanation:
        parts.append(f'<div class="explain">{html.escape(block.explanation)}</div>')
    if block.lines:
        parts.append("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in block.lines) + "</ul>")
    parts.extend(_table_html(c, t) for c, t in block.tables if len(t))
    if block.text:
        parts.append("<pre>" + html.escape(block.text) + "</pre>")
    parts.extend(_img_tag(p) for p in block.plots if Path(p).suffix.lower() == ".png")
    parts.append("</section>")
    return "\n".join(parts)


def render_page(page: Page) -> str:
    """The page as an HTML string (see the module docstring)."""
    kpis = [
        (b.title, label, value)
        for b in (*page.decisions, *page.evidence)
        for label, value in b.highlights.items()
    ]
    rows = "\n".join(
        f"<tr><td>{html.escape(label)}</td><td class='v'>{html.escape(str(value))}</td>"
        f"<td>{html.escape(title)}</td></tr>"
        for title, label, value in kpis
    )
    notes = ""
    if page.warnings:
        notes += "".join(f'<div class="warn">{html.escape(w)}</div>' for w in page.warnings)
    if page.assumptions:
        notes += (
            '<div class="assume"><b>Assumptions</b> (figures not given, taken from documented '
            "defaults or files): " + html.escape("; ".join(page.assumptions)) + "</div>"
        )
    decisions = "\n".join(_block_html(b) for b in page.decisions)
    evidence = "\n".join(_block_html(b) for b in page.evidence)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(page.title)}</title><style>{_STYLE}</style></head>
<body>
<h1>{html.escape(page.title)}</h1>
<p class="sub">{html.escape(page.subtitle)}</p>
<h2>The numbers that matter</h2>
<table class="kpi">{rows}</table>
{notes}
{'<h2 class="part">Decisions</h2>' + decisions if decisions else ""}
{'<h2 class="part">Evidence</h2>' + evidence if evidence else ""}
<script>{_SCRIPT}</script>
</body></html>
"""


def write_page(page: Page, path: str | Path) -> Path:
    """Write :func:`render_page` to ``path`` atomically and return the path."""
    return atomic_write_text(render_page(page), path)
