"""Municipality reports and the static site (natsam_analysis.reports, ``natsam export``).

One report (Lund, with its PNG and SVG figure files) is run once for the module in a data folder of
its own holding the demo; the other tests need no kernel, except the one that runs two tiny
notebooks in one reused kernel. That the pages draw in a browser, offline and from a static server,
is tests/browser/test_reports_browser.py.
"""

from __future__ import annotations

import re
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import nbformat
import plotly.graph_objects as go
import pytest
from PIL import Image
from refdata import missing

from natsam_analysis import geography, notebooks, reports
from natsam_analysis.cli import main
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.viz.files import chromium_path
from natsam_analysis.viz.theme import apply_theme, mimebundle


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory, geography_cache, demo_store, data_dir_context):
    root = tmp_path_factory.mktemp("reports-data")
    shutil.copytree(geography_cache, root / "cache" / "geography")
    shutil.copytree(demo_store[0], root / "demo")
    with data_dir_context(root):
        yield root


@pytest.fixture(scope="module")
def lund(demo_dir, tmp_path_factory) -> dict:
    """Lund's report written over an earlier export: a stale figure file and a file of the user's own
    are in its figure folder before the export."""
    if chromium_path() is None:
        missing("no Chromium or Chrome to write the figure files with (apt-get install chromium)")
    out = tmp_path_factory.mktemp("report") / "lund.html"
    folder = reports.figures_folder(out)
    folder.mkdir()
    (folder / "99-gammal.png").write_bytes(b"old")
    (folder / "anteckningar.txt").write_text("mina", encoding="utf-8")
    result = reports.export_report("Lund", out, progress=False)
    return {"result": result, "page": out.read_text(encoding="utf-8"), "folder": folder}


def figure_jsons(page: str) -> list[str]:
    return re.findall(r'natsam-figure"[^>]*>\s*<script type="application/json">(.*?)</script>', page, flags=re.S)


# --------------------------------------------------------------------------------------------------
# the report


def test_the_report_is_lunds_with_its_parameters(lund):
    result, page = lund["result"], lund["page"]
    assert (result.municipality_id, result.name) == ("1281", "Lund")
    assert "<title>Kommunrapport: Lund</title>" in page
    assert "Kommunkod 1281 · Skåne län" in page
    assert result.bytes == len(page.encode("utf-8")) and result.plotly == "partial"
    # no code and no cell of the notebook's readers (tag remove-cell) in the page
    assert "import " not in page and "Denna cell visas inte" not in page


def test_every_figure_carries_the_demo_note_and_has_a_table(lund):
    result, page = lund["result"], lund["page"]
    figures = figure_jsons(page)
    assert len(figures) == result.figures >= 12
    for text in figures:
        assert "Demodata" in text and "officiell statistik" in text  # the note, wrapped over lines
    assert DEMO_NOTE["sv"] in re.search(r'<header class="natsam-export-note natsam-demo".*?</header>', page, re.S).group(0)
    # a table view for every figure, each captioned with the note
    captions = re.findall(r"<caption>(.*?)</caption>", page)
    assert len(captions) >= result.figures and set(captions) == {DEMO_NOTE["sv"]}
    # plotly.js once, nothing loaded from elsewhere
    assert page.count("plotly.js v") <= 2 and not re.search(r"<(script|link)[^>]+(src|href)=", page)


def test_every_figure_is_written_as_png_and_svg_and_linked(lund):
    result, page, folder = lund["result"], lund["page"], lund["folder"]
    assert len(result.images) == 2 * result.figures
    assert [p.name for p in result.images[:2]] == ["01-percentil-per-indikator-kompetens.png",
                                                   "01-percentil-per-indikator-kompetens.svg"]
    lines = re.findall(r'<p class="natsam-figure-files">(.*?)</p>', page, flags=re.S)
    assert len(lines) == result.figures and all(line.startswith("Figuren som bild:") for line in lines)
    links = [unquote(h) for line in lines for h in re.findall(r'href="([^"]+)"', line)]
    assert links == [f"{folder.name}/{p.name}" for p in result.images]
    for path in result.images:
        assert path.parent == folder and path.stat().st_size > 0
    with Image.open(result.images[0]) as image:
        assert image.format == "PNG" and image.width == 1800
    svg = ET.parse(result.images[1]).getroot()
    assert svg.tag.endswith("svg") and "Demodata" in ET.tostring(svg, encoding="unicode")


def test_a_second_export_replaces_the_figure_files_and_keeps_other_files(lund):
    folder = lund["folder"]
    names = {p.name for p in folder.iterdir()}
    assert "99-gammal.png" not in names, "a figure file of the earlier export was left"
    assert "anteckningar.txt" in names
    assert names == {p.name for p in lund["result"].images} | {"anteckningar.txt"}, "temporary files left"
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------------------------------
# errors and names (no kernel)


def test_an_unknown_municipality_is_a_clear_error_with_suggestions(tmp_path, data_dir, capsys):
    with pytest.raises(NatsamError, match=r"Unknown municipality 'Lunnd'.*Did you mean Lund \(1281\)"):
        reports.export_report("Lunnd", tmp_path / "x.html")
    with pytest.raises(NatsamError, match=r"'9999'.*\n.*'Göteborgg'.*Göteborg \(1480\)"):
        reports.resolve_municipalities(["1281", "9999", "Göteborgg"])
    assert not list(tmp_path.glob("*.html"))
    assert main(["export", "--municipality", "Kirunaa", "--no-images"]) == 2
    assert "Did you mean Kiruna (2584)" in capsys.readouterr().err


def test_municipalities_are_found_by_code_or_name(data_dir):
    assert reports.resolve_municipalities(["lund", "1281", "114", "Upplands Väsby", "Stockholm"]) == ["1281", "0114", "0180"]


@pytest.mark.parametrize(("out", "message"), [("lund.pdf", "ending in .html"), ("mapp.html", "is a folder")])
def test_a_bad_output_name_is_an_error_before_anything_runs(tmp_path, data_dir, out, message):
    (tmp_path / "mapp.html").mkdir()
    with pytest.raises(NatsamError, match=message):
        reports.export_report("1281", tmp_path / out)


def test_cli_options_that_do_not_go_together(capsys):
    assert main(["export", "--platforms", "--municipalities", "1281"]) == 2
    assert "use it with --site" in capsys.readouterr().err
    assert main(["export", "--site", "ut", "--out", "x"]) == 2
    assert "leave out --out" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "--municipality", "1281", "--platforms"])


def test_file_names(data_dir):
    assert reports.slug("Malung-Sälen") == "malung-salen"
    assert reports.slug("Läget för de sju målen<br><sub>Mot målen (SDSN:s trösklar)</sub>") == \
        "laget-for-de-sju-malen-mot-malen-sdsn-s-trosklar"
    assert reports.slug("") == "figur" and len(reports.slug("ord " * 40)) <= 60
    stems = [reports.report_stem(m) for m in geography.municipality_names()]
    assert len(set(stems)) == 290 and all(re.fullmatch(r"[a-z0-9-]+", s) for s in stems)
    assert reports.report_stem("1480") == "goteborg"
    assert (reports.report_stem("0305"), reports.report_stem("0643")) == ("habo-0305", "habo-0643")  # Håbo, Habo
    figures = [{"layout": {"title": {"text": "Lund: percentil per indikator<br><sub>Kompetens</sub>"}}}, {"layout": {}}]
    assert reports.figure_stems(figures, "Lund") == ["01-percentil-per-indikator-kompetens", "02-figur"]
    assert reports.figures_folder(Path("ut/lund.html")) == Path("ut/lund-figurer")


# --------------------------------------------------------------------------------------------------
# pages of a site (no kernel)


def executed_with_figure() -> nbformat.NotebookNode:
    fig = apply_theme(go.Figure(go.Bar(y=[1, 2])), note=DEMO_NOTE["sv"], title="Prov")
    output = nbformat.v4.new_output("display_data", data=mimebundle(fig))
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("show(fig)", outputs=[output], execution_count=1)])


def test_a_site_page_loads_the_shared_assets_and_links_home(tmp_path):
    page, which = notebooks.to_html(executed_with_figure(), title="Prov", exclude_input=True, assets="../assets/",
                                    home=("../index.html", "Alla kommuner"))
    assert which == "partial"
    assert re.findall(r'<script[^>]* src="([^"]+)"', page) == ["../assets/plotly-natsam.min.js"]
    assert re.findall(r'<link[^>]* href="([^"]+)"', page) == ["../assets/natsam-notebook.css", "data:,"]
    assert "plotly.js v" not in page and "--jp-content-font-color1" not in page  # neither inlined
    assert re.search(r'<nav class="natsam-home"><a href="../index.html">(←|&larr;) Alla kommuner</a></nav>', page)
    assert '<html lang="sv">' in page
    written = notebooks.write_assets(tmp_path, {"partial", ""})
    assert sorted(p.name for p in written) == ["natsam-notebook.css", "plotly-natsam.min.js"]
    assert "--jp-content-font-color1" in (tmp_path / "natsam-notebook.css").read_text(encoding="utf-8")
    assert (tmp_path / "plotly-natsam.min.js").stat().st_size > 1_000_000


def test_the_start_page_lists_the_pages_platforms_first(data_dir):
    def result(mid: str) -> reports.ReportResult:
        return reports.ReportResult(mid, geography.municipality_names()[mid], Path("x") / f"{reports.report_stem(mid)}.html",
                                    14, (), 1, "partial", 1.0)

    page = reports.site_index_html([result(m) for m in ("1281", "2584", "0114")], {"source": "demo"})
    links = re.findall(r'<li data-search="[^"]*"><a href="([^"]+)">', page)
    assert links == ["kommuner/lund.html", "kommuner/kiruna.html", "kommuner/upplands-vasby.html"]
    cards = re.findall(r'class="card-link" href="([^"]+)"', page)
    assert cards == ["kommuner/lund.html", "kommuner/kiruna.html"]  # the platforms
    assert 'data-search="Upplands Väsby Stockholms län 0114"' in page
    assert 'id="natsam-search"' in page and "Sök kommun eller län" in page and "Search municipality or county" in page
    assert DEMO_NOTE["sv"] in page and DEMO_NOTE["en"] in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


# --------------------------------------------------------------------------------------------------
# one kernel for many runs


def test_one_kernel_runs_a_notebook_again_from_a_clean_namespace(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('municipality = "1281"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import os\nprint(municipality, 'seen' in dir(), os.getpid())\nseen = 1"),
        nbformat.v4.new_code_cell("assert municipality != '9999', 'fel kommun'"),
    ])
    path = tmp_path / "prov.ipynb"
    nbformat.write(nb, path)

    def printed(done) -> list[str]:
        return next(c for c in done.cells if "print(" in c.source).outputs[0]["text"].split()

    with reports.NotebookKernel(tmp_path, timeout=60) as kernel:
        first = printed(kernel.run(path, {"municipality": "2584"}))
        with pytest.raises(NatsamError, match=r"prov\.ipynb \(municipality='9999'\): cell 4 failed with "
                                              r"AssertionError: fel kommun"):
            kernel.run(path, {"municipality": "9999"})
        second = printed(kernel.run(path))
    assert first[:2] == ["2584", "False"] and second[:2] == ["1281", "False"]
    assert first[2] == second[2], "the second run started another kernel"
    time.sleep(0.5)
    assert not Path(f"/proc/{first[2]}").exists() or Path(f"/proc/{first[2]}/stat").read_text().split()[2] == "Z", \
        "the kernel outlived its with block"
    assert not list(tmp_path.glob("kernel-*"))
