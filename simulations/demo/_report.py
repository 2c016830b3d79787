"""Render a demo run as one self-contained HTML report.

Images are embedded as base64 data URIs and the page loads nothing from the
network, so ``report.html`` can be mailed or opened offline. The page starts
with the numbers that matter (each section's highlights), then one block per
section: its explanation, its text, its plots. A tiny inline script counts the
images that decoded and records it in ``data-images-loaded`` on ``<body>``
(the browser test reads it).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import TYPE_CHECKING

from leadlever.engine.io._tables import atomic_write_text

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.simulations.demo._context import Section
    from leadlever.simulations.demo._run import DemoResult

__all__ = ["render_report", "write_report"]

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1000px;margin:2em auto;
padding:0 1em;color:#1f2933;line-height:1.45}
h1{margin-bottom:.2em} .sub{color:#52606d;margin-top:0}
table.kpi{border-collapse:collapse;margin:1em 0;width:100%}
table.kpi td{border-bottom:1px solid #e4e7eb;padding:.35em .6em} table.kpi td.v{font-weight:600;text-align:right}
section{border-top:2px solid #e4e7eb;margin-top:2em;padding-top:.5em}
.explain{background:#f0f4f8;border-left:4px solid #3e7bfa;padding:.5em .8em;margin:.6em 0}
pre{white-space:pre-wrap;font-size:.9em;background:#fafbfc;padding:.6em;border:1px solid #e4e7eb}
img{max-width:100%;height:auto;display:block;margin:.8em 0;border:1px solid #e4e7eb}
"""

_SCRIPT = """
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images-loaded', ok + '/' + imgs.length);
});
"""


def _img_tag(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    alt = html.escape(Path(path).stem.replace("_", " "))
    return f'<img alt="{alt}" src="data:image/png;base64,{data}">'


def _section_html(section: Section) -> str:
    parts = [f'<section id="{html.escape(section.key)}"><h2>{html.escape(section.title)}</h2>']
    if section.explanation:
        parts.append(f'<div class="explain">{html.escape(section.explanation)}</div>')
    if section.lines:
        parts.append("<pre>" + html.escape("\n".join(section.lines)) + "</pre>")
    parts.extend(_img_tag(p) for p in section.plots if Path(p).suffix.lower() == ".png")
    parts.append("</section>")
    return "\n".join(parts)


def render_report(result: DemoResult) -> str:
    """The report of a demo run as an HTML string."""
    kpis = [
        (section.title, label, value)
        for section in result.sections
        for label, value in section.highlights.items()
    ]
    rows = "\n".join(
        f"<tr><td>{html.escape(label)}</td><td class='v'>{html.escape(str(value))}</td>"
        f"<td>{html.escape(title)}</td></tr>"
        for title, label, value in kpis
    )
    body = "\n".join(_section_html(s) for s in result.sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LeadLever demo report</title><style>{_STYLE}</style></head>
<body>
<h1>LeadLever: the Valiant case, end to end</h1>
<p class="sub">Simulated world, seed {result.seed}. All tables are in the same folder as CSV files.</p>
<h2>The numbers that matter</h2>
<table class="kpi">{rows}</table>
{body}
<script>{_SCRIPT}</script>
</body></html>
"""


def write_report(result: DemoResult, path: str | Path) -> Path:
    """Write :func:`render_report` to ``path`` atomically and return the path."""
    return atomic_write_text(render_report(result), path)
