"""Feedback that shows why a check failed -- never the hidden test code, never the submission's scripts.

nbgrader's feedback HTML shows the restored hidden tests and full tracebacks
(nbgrader issue #917). :class:`HideTestCode` runs first in
``GenerateFeedback.preprocessors`` (see ``jupyter_config.py``): in every test
cell it cuts the hidden-test region and reduces tracebacks to their last line,
which is the check's own message.

``dlfs grade`` draws its own page (:func:`page`): a summary table, then the
notebook as it ran. What a submission put in it is untrusted: nbconvert's
sanitiser (bleach, through ``SanitizeHTML`` and ``HTMLExporter(sanitize_html=True)``)
removes scripts, event handlers, styles and JavaScript outputs, and the page
carries a Content-Security-Policy that forbids every script, so nothing in it
runs in the browser of the instructor or learner who opens it. Error messages
and figures (PNG) stay visible.
"""

from __future__ import annotations

import copy
import functools
import html
from collections.abc import Mapping
from typing import Any

import bleach
from bleach.sanitizer import Cleaner
from jinja2 import DictLoader
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets import Bool

from dlfs_autograder.cells import error_summary, is_test_cell, strip_hidden_tests

#: No script of any origin, no outside request: inline styles and embedded images only.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"

#: What a submission's HTML (markdown cells, HTML outputs) may keep: text structure, tables, links, and
#: images embedded as data. No script, no event handler, no style, no class (the page's own CSS could
#: otherwise be borrowed to lay a fake score over the real one), no frame, no form.
SAFE_TAGS = sorted(bleach.ALLOWED_TAGS | {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "pre", "br", "hr", "sup", "sub", "del", "ins", "s", "u",
    "small", "kbd", "samp", "var", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "img", "details", "summary", "q", "cite", "mark",
})


def _safe_attribute(tag: str, name: str, value: str) -> bool:
    if name in {"id", "title", "alt"}:
        return True
    if tag == "a" and name == "href":
        return value.startswith(("http://", "https://", "mailto:", "#"))
    if tag == "img" and name == "src":
        return value.startswith(("data:image/png;base64,", "data:image/jpeg;base64,", "data:image/gif;base64,"))
    if tag == "img" and name in {"width", "height"}:
        return value.isdigit()
    return tag in {"th", "td"} and name in {"colspan", "rowspan", "align"}


#: One sanitiser for every fragment: ``bleach.clean`` would build a new one (and its HTML parser) per call.
_CLEANER = Cleaner(tags=SAFE_TAGS, attributes=_safe_attribute, protocols=["http", "https", "mailto", "data"], strip=True,
                   strip_comments=True)


def clean_html(text: str) -> str:
    """``text`` with everything but :data:`SAFE_TAGS` and safe attributes removed (bleach)."""
    return str(_CLEANER.clean(text))


class _SanitizeCells(SanitizeHTML):
    """nbconvert's cell sanitiser (markdown, raw cells, HTML outputs; JavaScript outputs dropped) with our rules."""

    def sanitize_html_tags(self, html_str: str) -> str:
        return clean_html(html_str)

_TEMPLATE = """{%- extends 'classic/index.html.j2' -%}
{%- block html_head_js -%}
<meta http-equiv="Content-Security-Policy" content="__CSP__">
{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
""".replace("__CSP__", CSP)


class HideTestCode(Preprocessor):
    """Cut hidden tests from test cells and shorten their tracebacks to the message."""

    enabled = Bool(True, help="nbconvert preprocessors are off by default; this one is always on.").tag(config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any], index: int) -> tuple[NotebookNode, dict[str, Any]]:
        if is_test_cell(cell):
            visible = strip_hidden_tests(cell.source)
            if visible != cell.source:
                visible = visible.rstrip() + "\n# (hidden tests run here; their code is not shown)"
            cell.source = visible
            cell.outputs = error_summary(cell.get("outputs", []))
        return cell, resources


def summary(chapter: str, student: str, points: Mapping[str, float], scores: Mapping[str, float],
            messages: Mapping[str, str], status: str) -> str:
    """The summary table: every check's points and message, the total and the status (all escaped)."""
    rows = "".join(
        f"<tr><td><code>{html.escape(gid)}</code></td><td>{scores.get(gid, 0):g} / {possible:g}</td>"
        f"<td><pre style='white-space:pre-wrap;margin:0'>{html.escape(messages.get(gid) or 'passed')}</pre></td></tr>"
        for gid, possible in points.items()
    )
    return (f"<h1>{html.escape(chapter)}: feedback for {html.escape(student)}</h1>"
            f"<p>Score: <b>{sum(scores.values()):g} / {sum(points.values()):g}</b>. Status: {html.escape(status)}.</p>"
            f"<table border='1' cellpadding='4'><tr><th>check</th><th>points</th><th>result</th></tr>{rows}</table>")


def summary_page(title: str, body: str, note: str = "") -> str:
    """A page with the summary alone (when the notebook cannot be shown)."""
    extra = f"<p><i>{html.escape(note)}</i></p>" if note else ""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\"><title>{html.escape(title)}</title></head>"
            f"<body>{body}{extra}</body></html>\n")


#: A markdown cell longer than this is shown as plain text: markdown parsing can take time quadratic in
#: odd input (``'[' * 32000`` took seconds per cell).
MAX_MARKDOWN_CHARS = 20_000


def notebook_page(title: str, body: str, executed: NotebookNode) -> str:
    """The summary, then the executed notebook, sanitised."""
    nb = copy.deepcopy(executed)
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        if cell.get("cell_type") == "markdown" and len(cell.get("source", "")) > MAX_MARKDOWN_CHARS:
            text = f"[a markdown cell of {len(cell.source)} characters, shown as text]\n" + cell.source
            nb.cells[i] = new_code_cell("", outputs=[new_output("stream", name="stdout", text=text)])
    nb, _ = _SanitizeCells().preprocess(nb, {})
    page, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    return page.replace("<body>", f"<body><div style='margin:1em'>{body}</div>", 1)


@functools.cache
def _exporter() -> HTMLExporter:
    """The page's exporter, made once per process (loading and compiling its templates takes most of a first page)."""
    return HTMLExporter(template_name="classic", template_file="dlfs_feedback.html.j2",
                        extra_loaders=[DictLoader({"dlfs_feedback.html.j2": _TEMPLATE})], sanitize_html=True,
                        filters={"clean_html": clean_html})


def warm_up() -> None:
    """Draw a small page once, so that processes forked afterwards inherit compiled templates and loaded lexers.

    Only a speed-up: it never raises. If pages cannot be drawn here, each grading process finds out for itself
    and its feedback falls back to the summary, with a note (see ``grade._render``).
    """
    cells = [new_markdown_cell("# warm-up *page*"),
             new_code_cell("print(1)", outputs=[new_output("stream", name="stdout", text="1\n"),
                                                new_output("error", ename="E", evalue="e", traceback=["E: e"])])]
    try:
        notebook_page("warm-up", "", new_notebook(cells=cells, metadata={"language_info": {"name": "python"}}))
    except Exception:  # noqa: BLE001,S110 -- a page that cannot be drawn must never stop the grading
        pass
