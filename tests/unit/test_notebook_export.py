"""Exporting notebooks as self-contained HTML (natsam_analysis.notebooks, ``natsam notebooks``).

The pages are rendered from notebooks built here (figures from the suite's viz builders as plotly
MIME bundles), so most checks need no kernel; the execution tests run tiny notebooks in a real one.
That every figure of every research notebook draws in a browser, offline, is
tests/browser/test_notebook_export_browser.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import plotly.graph_objects as go
import pytest

from natsam_analysis import notebooks
from natsam_analysis.cli import main
from natsam_analysis.dashboard.figure import BUNDLE
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.viz.theme import apply_theme, mimebundle

KOLADA_NOTE = "Källa: Kolada (hämtad 2026-11-30)"


def figure_cell(fig: go.Figure) -> nbformat.NotebookNode:
    output = nbformat.v4.new_output("display_data", data=mimebundle(fig))
    return nbformat.v4.new_code_cell("show(fig)", outputs=[output], execution_count=1)


def bar(note: str, title: str = "Andel (%)") -> go.Figure:
    return apply_theme(go.Figure(go.Bar(x=["Lund", "Umeå"], y=[3.5, 4.25])), note=note, title=title)


def executed(*figures: go.Figure, title: str = "# 01 Prov\n\nText.") -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(title),
                                           *(figure_cell(f) for f in figures)])


def scripts(page: str) -> list[str]:
    return re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)


def test_each_figure_becomes_its_json_and_plotly_js_is_inlined_once():
    page, which = notebooks.to_html(executed(bar(DEMO_NOTE["sv"]), bar(DEMO_NOTE["sv"], "Två")), title="Prov")
    assert which == "partial"
    figures = re.findall(r'<div class="[^"]*natsam-figure[^"]*"[^>]*>\s*<script type="application/json">(.*?)</script>',
                         page, flags=re.S)
    assert [json.loads(f)["layout"]["title"]["text"] for f in figures] == ["Andel (%)", "Två"]
    bundle = BUNDLE.read_text(encoding="utf-8")
    assert page.count(bundle) == 1
    # nothing loaded from elsewhere: no script or stylesheet with an address
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page)
    assert "cdn" not in page.replace(bundle, "").lower()


def test_a_trace_type_outside_the_partial_bundle_inlines_the_full_plotly_js():
    from plotly.offline import get_plotlyjs

    violin = apply_theme(go.Figure(go.Violin(x=[1, 2, 3])), note=KOLADA_NOTE)
    page, which = notebooks.to_html(executed(violin), title="Prov")
    assert which == "full"
    assert page.count(get_plotlyjs()) == 1
    assert BUNDLE.read_text(encoding="utf-8") not in page


def test_a_page_without_figures_has_no_plotly_js_and_uses_the_fallback_note():
    nb = executed()
    page, which = notebooks.to_html(nb, title="Prov", fallback_note=KOLADA_NOTE)
    assert which == ""
    assert "Plotly.newPlot" in page and "plotly.js v" not in page
    assert KOLADA_NOTE in page


def test_the_banner_carries_every_source_and_marks_the_demo():
    nb = executed(bar(DEMO_NOTE["sv"]), bar(KOLADA_NOTE), bar(DEMO_NOTE["sv"]))
    page, _ = notebooks.to_html(nb, title="Prov")
    banner = re.search(r'<header class="natsam-export-note([^"]*)"[^>]*>(.*?)</header>', page, flags=re.S)
    assert banner is not None
    assert "natsam-demo" in banner.group(1)
    assert re.findall(r'<p class="natsam-source">(.*?)</p>', banner.group(2)) == [DEMO_NOTE["sv"], KOLADA_NOTE]
    assert "Körd 20" in banner.group(2)
    page, _ = notebooks.to_html(executed(bar(KOLADA_NOTE)), title="Prov", lang="en")
    assert '<header class="natsam-export-note" role="note">' in page
    assert "Run on 20" in page and '<html lang="en">' in page


def test_text_in_a_figure_cannot_close_the_script_that_holds_it():
    page, _ = notebooks.to_html(executed(bar(KOLADA_NOTE, title="</script><script>alert(1)</script>")), title="Prov")
    assert "<script>alert(1)" not in page
    data = [s for s in scripts(page) if s.lstrip().startswith("{")]
    assert json.loads(data[0])["layout"]["title"]["text"] == "</script><script>alert(1)</script>"


def test_figure_helpers():
    figures = [mimebundle(bar(DEMO_NOTE["en"]))[notebooks.FIGURE_MIME], {"data": [{"type": "sankey"}, {}]}]
    assert notebooks.trace_types(figures) == {"bar", "sankey", "scatter"}
    assert notebooks.source_notes(figures) == [DEMO_NOTE["en"]]
    assert notebooks.is_demo([DEMO_NOTE["en"] + "; beräknat"]) and not notebooks.is_demo([KOLADA_NOTE])
    assert notebooks.notebook_title(executed(), "x") == "01 Prov"
    assert notebooks.notebook_title(nbformat.v4.new_notebook(), "x") == "x"


def parameterised() -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('municipality = "1281"  # kommun\nlang: str = "sv"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print(municipality, lang)"),
    ])


def test_parameters_are_injected_after_the_parameters_cell():
    nb = notebooks.inject_parameters(parameterised(), {"municipality": "0180", "lang": "en"}, "rapport.ipynb")
    assert nb.cells[1].metadata["tags"] == [notebooks.INJECTED_TAG]
    assert "municipality = '0180'\nlang = 'en'" in nb.cells[1].source
    assert len(nb.cells) == 3


@pytest.mark.parametrize(("nb", "message"), [
    (parameterised(), r"rapport\.ipynb: unknown parameter\(s\) kommun; the notebook's parameters cell sets lang, municipality"),
    (nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), r"rapport\.ipynb: no cell tagged 'parameters'"),
])
def test_bad_parameters_are_clear_errors(nb, message):
    with pytest.raises(NatsamError, match=message):
        notebooks.inject_parameters(nb, {"kommun": "0180"}, "rapport.ipynb")


def write(path: Path, nb: nbformat.NotebookNode) -> Path:
    nbformat.write(nb, path)
    return path


def test_execution_runs_in_the_notebooks_folder_with_the_parameters(tmp_path):
    (tmp_path / "data.txt").write_text("från mappen", encoding="utf-8")
    nb = parameterised()
    nb.cells.append(nbformat.v4.new_code_cell("print(open('data.txt', encoding='utf-8').read())"))
    done = notebooks.execute(write(tmp_path / "rapport.ipynb", nb), {"municipality": "1281"})
    texts = [o["text"] for c in done.cells for o in c.get("outputs", []) if o.get("name") == "stdout"]
    assert texts == ["1281 sv\n", "från mappen\n"]
    assert not list(tmp_path.glob("kernel-*")), "the kernel left socket files behind"


def test_a_failing_cell_names_the_notebook_and_the_cell(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")])
    with pytest.raises(NatsamError, match=r"trasig\.ipynb: cell 2 failed with ZeroDivisionError: division by zero"):
        notebooks.execute(write(tmp_path / "trasig.ipynb", nb))
    with pytest.raises(NatsamError, match="no such notebook"):
        notebooks.execute(tmp_path / "saknas.ipynb")


def test_export_writes_the_good_pages_and_lists_the_failures(tmp_path):
    good = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Bra"),
        nbformat.v4.new_code_cell("import plotly.graph_objects as go\nfrom natsam_analysis.viz.theme import apply_theme, show\n"
                                  f"show(apply_theme(go.Figure(go.Bar(y=[1, 2])), note={KOLADA_NOTE!r}))"),
    ])
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('fel i data')")])
    paths = [write(tmp_path / "a_bra.ipynb", good), write(tmp_path / "b_trasig.ipynb", bad)]
    out = tmp_path / "ut"
    (out).mkdir()
    (out / "b_trasig.html").write_text("förra sidan", encoding="utf-8")
    with pytest.raises(NatsamError, match=r"1 of 2 notebooks failed:\n.*b_trasig\.ipynb: cell 1 failed with ValueError: fel i data"):
        notebooks.export_notebooks(paths, out, progress=False)
    page = (out / "a_bra.html").read_text(encoding="utf-8")
    assert page.count('class="jp-RenderedHTMLCommon jp-OutputArea-output natsam-figure"') == 1
    assert KOLADA_NOTE in page
    assert (out / "b_trasig.html").read_text(encoding="utf-8") == "förra sidan"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="a_bra.html">Bra</a>' in index and "b_trasig" not in index
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "a temporary file was left behind"


def test_natsam_notebooks_command(tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Kort"), nbformat.v4.new_code_cell("1 + 1")])
    out = tmp_path / "sidor"
    assert main(["notebooks", str(write(tmp_path / "kort.ipynb", nb)), "--out", str(out), "--jobs", "1"]) == 0
    printed = capsys.readouterr().out
    assert f"{out / 'kort.html'}: 0 figures" in printed and "index.html" in printed
    assert "<h1" in (out / "kort.html").read_text(encoding="utf-8")
    assert main(["notebooks", str(tmp_path / "saknas.ipynb"), "--out", str(out)]) == 2
    assert "saknas.ipynb: no such notebook" in capsys.readouterr().err
