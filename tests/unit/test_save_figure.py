"""Figures saved for reports (viz.save_figure / save_figures): the written PNG, SVG and PDF files opened
and checked (size, content, the source note), offline rendering, and the error cases.

Rendering needs Chromium (Debian's ``chromium``) or Chrome: without one those tests are skipped with
the reason, and fail under ``CI=true``.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
import pypdf
from PIL import Image
from refdata import missing

from natsam_analysis import NatsamError, geography, load_panel, source_line
from natsam_analysis.catalog import load_catalog
from natsam_analysis.metrics.coverage import latest_year
from natsam_analysis.tables import to_wide
from natsam_analysis.viz import charts, files, maps, save_figure, save_figures
from natsam_analysis.viz.theme import NOTE_NAME, set_note, source_note

INDICATOR = "N01982"
#: A source note with descenders and brackets (the theme wraps it into two lines).
KOLADA_NOTE = "Källa: Kolada (hämtad 2026-03-23), beräknat på gymnasiepoäng"


def needs_browser() -> None:
    if files.chromium_path() is None:
        missing("no Chromium or Chrome to render figures with (apt-get install chromium)")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory, geography_cache, demo_store, data_dir_context):
    root = tmp_path_factory.mktemp("save-figure-data")
    shutil.copytree(geography_cache, root / "cache" / "geography")
    shutil.copytree(demo_store[0], root / "demo")
    with data_dir_context(root):
        yield root


@pytest.fixture(scope="module")
def figures(demo_dir) -> dict[str, go.Figure]:
    """A chart and a map on the demo panel, as the overview notebook builds them."""
    panel = load_panel()
    note = source_line(panel.attrs["provenance"], "sv")
    catalog = load_catalog()
    year = latest_year(panel, INDICATOR, n_units=290)
    wide = to_wide(panel, year)
    ind = catalog.loc[INDICATOR]
    title = f"{catalog.loc[INDICATOR, 'title_sv']}, {year}"
    chart = charts.distribution_chart(wide[INDICATOR], geography.PLATFORM_MUNICIPALITIES, note=note,
                                      unit=ind["unit"], title=title)
    karta = maps.municipality_map(wide[INDICATOR], geography.municipality_names(), note=note, title=title,
                                  colorbar_title=ind["unit"], direction=ind["direction"], target=ind["target"])
    return {"chart": chart, "map": karta}


@pytest.fixture(scope="module")
def written(figures, tmp_path_factory) -> dict:
    """Chart and map as PNG, SVG and PDF from one save_figures call, with Chromium's network log."""
    needs_browser()
    out = tmp_path_factory.mktemp("figures")
    netlog = out / "netlog.json"
    items = [(fig, out / "nya" / "mappar" / f"{name}.{suffix}") for name, fig in figures.items()
             for suffix in ("png", "svg", "pdf")]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(files, "_CHROMIUM_FLAGS", (*files._CHROMIUM_FLAGS, f"--log-net-log={netlog}"))
        paths = save_figures(items, progress=False)
    return {"paths": paths, "items": items, "netlog": json.loads(netlog.read_text(encoding="utf-8"))}


def path_of(written: dict, name: str, suffix: str) -> Path:
    return next(p for p in written["paths"] if p.name == f"{name}.{suffix}")


def grey(png: Path) -> np.ndarray:
    with Image.open(png) as image:
        return np.asarray(image.convert("L"))


def blank_rows_at_bottom(pixels: np.ndarray) -> int:
    """How many rows at the bottom of the image hold no text or line (nothing darker than light grey)."""
    drawn = np.flatnonzero((pixels < 200).any(axis=1))
    return pixels.shape[0] - 1 - int(drawn.max())


# --------------------------------------------------------------------------------------------------
# what is written


def test_every_figure_is_written_where_asked_and_nothing_else(written) -> None:
    assert written["paths"] == [path for _, path in written["items"]]
    folder = written["paths"][0].parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in written["paths"])  # no temp files


@pytest.mark.parametrize("name", ["chart", "map"])
def test_png_is_at_print_resolution_and_not_blank(written, figures, name) -> None:
    fig = figures[name]
    with Image.open(path_of(written, name, "png")) as image:
        assert image.format == "PNG"
        # the layout width is the default (the builders set none), the height the figure's own; scale 2
        assert image.size == (files.DEFAULT_WIDTH * files.PNG_SCALE, fig.layout.height * files.PNG_SCALE)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # a drawing (plot, text, colour scale), not an empty page
    assert max(count for count, _ in colours) < 0.95 * image.size[0] * image.size[1]


@pytest.mark.parametrize("name", ["chart", "map"])
def test_png_shows_the_whole_source_note(written, name) -> None:
    pixels = grey(path_of(written, name, "png"))
    height, width = pixels.shape
    margin = pixels[height - 90 * files.PNG_SCALE:, width // 2:]  # the bottom margin's right half: the note
    assert (margin < 160).sum() > 500
    # its last line ends above the figure's edge, with room to spare (not cut off)
    assert blank_rows_at_bottom(pixels) >= 4 * files.PNG_SCALE


def test_a_note_of_two_lines_with_descenders_is_not_cut_off(figures, tmp_path, capsys) -> None:
    needs_browser()
    fig = go.Figure(figures["chart"])
    set_note(fig, KOLADA_NOTE)
    assert fig.layout.annotations[0].name == NOTE_NAME and "<br>" in fig.layout.annotations[0].text
    png, svg = save_figures([(fig, tmp_path / "kolada.png"), (fig, tmp_path / "kolada.svg")], progress=True)
    assert "Figurer" in capsys.readouterr().err  # the progress bar
    assert blank_rows_at_bottom(grey(png)) >= 4 * files.PNG_SCALE
    assert source_note(fig).replace(" ", "") in "".join(ET.parse(svg).getroot().itertext()).replace(" ", "")
    assert fig.layout.margin.b == 90  # the figure itself is not changed, only the written copy


@pytest.mark.parametrize("name", ["chart", "map"])
def test_svg_is_xml_with_the_note_text(written, figures, name) -> None:
    root = ET.parse(path_of(written, name, "svg")).getroot()
    assert root.tag.endswith("svg")
    assert float(root.get("width")) == files.DEFAULT_WIDTH
    assert float(root.get("height")) == figures[name].layout.height
    text = " ".join(" ".join(node.itertext()) for node in root.iter() if node.tag.endswith("text"))
    assert "Demodata – syntetiska värden, inte" in text and "officiell statistik" in text
    assert "syntetiska" in text and "ä" in text
    if name == "chart":
        assert "Umeå" in text and "Göteborg" in text and "Borås" in text


@pytest.mark.parametrize("name", ["chart", "map"])
def test_pdf_is_one_page_of_the_figure_size_with_the_note_as_text(written, figures, name) -> None:
    reader = pypdf.PdfReader(path_of(written, name, "pdf"))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    # CSS pixels to points: 0.75 pt per px, the page exactly the figure (no print margins)
    assert float(page.mediabox.width) == pytest.approx(files.DEFAULT_WIDTH * 0.75, abs=1)
    assert float(page.mediabox.height) == pytest.approx(figures[name].layout.height * 0.75, abs=1)
    text = " ".join(page.extract_text().split())
    assert "Demodata – syntetiska värden, inte officiell statistik" in text  # both lines: none cut off
    assert "eftergymnasial" in text  # the title


def test_rendering_fetches_nothing_from_the_network(written) -> None:
    log = written["netlog"]
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    events = [(names[e["type"]], e.get("params", {})) for e in log["events"]]
    assert events
    # no host name looked up: the browser runs with host resolution off
    assert not [params for kind, params in events if kind == "DNS_TRANSACTION"]
    # the page (plotly.js, MathJax, map data) asked for no URL: any web request is Chromium's own
    from_page = [params["url"] for kind, params in events
                 if kind == "URL_REQUEST_START_JOB" and params.get("url", "").startswith(("http:", "https:"))
                 and params.get("initiator") != "not an origin"]
    assert from_page == []


def test_save_figure_writes_one_figure_with_size_and_scale_overridden(figures, tmp_path) -> None:
    needs_browser()
    path = save_figure(figures["chart"], tmp_path / "a" / "b" / "liten.PNG", width=600, height=400, scale=3)
    assert path == tmp_path / "a" / "b" / "liten.PNG"
    with Image.open(path) as image:
        assert image.size == (1800, 1200)
    assert sorted(p.name for p in path.parent.iterdir()) == ["liten.PNG"]


# --------------------------------------------------------------------------------------------------
# errors


def test_an_unknown_suffix_is_refused_naming_the_path_and_the_allowed_ones(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(files, "chromium_path", lambda: pytest.fail("the browser is not needed"))
    fig = go.Figure(go.Bar(x=[1], y=[2]))
    for name in ("figur.jpg", "figur", "figur.png.bak"):
        with pytest.raises(NatsamError) as err:
            save_figure(fig, tmp_path / name)
        assert str(tmp_path / name) in str(err.value)
        assert ".png, .svg, .pdf" in str(err.value)
    # one bad path in a list: refused before anything is written
    with pytest.raises(NatsamError, match="figur.gif"):
        save_figures([(fig, tmp_path / "ok.png"), (fig, tmp_path / "figur.gif")])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kwargs", [{"width": 0}, {"height": -5}, {"scale": float("nan")}, {"width": "900"}])
def test_a_bad_size_is_refused(kwargs, tmp_path) -> None:
    with pytest.raises(NatsamError, match=next(iter(kwargs))):
        save_figure(go.Figure(), tmp_path / "x.png", **kwargs)


def test_without_a_browser_the_error_says_what_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(files, "chromium_path", lambda: None)
    with pytest.raises(NatsamError, match=r"apt-get install chromium\) or Chrome"):
        save_figure(go.Figure(), tmp_path / "x.svg")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_leaves_no_file_and_keeps_an_existing_one(tmp_path) -> None:
    needs_browser()
    old = tmp_path / "gammal.png"
    old.write_bytes(b"the previous figure")
    good = go.Figure(go.Bar(x=[1, 2], y=[3, 4]))
    broken = go.Figure(go.Choropleth(geojson="data:application/json,not json", locations=["0180"], z=[1]))
    items = ((fig, tmp_path / name) for fig, name in  # a generator, consumed lazily
             ((good, "forst.svg"), (broken, "gammal.png"), (good, "sist.svg")))
    with pytest.raises(NatsamError, match=r"Could not save the figure as '.*gammal\.png': .*not json"):
        save_figures(items, progress=False)
    assert old.read_bytes() == b"the previous figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forst.svg", "gammal.png"]  # no temp file, no later one
    ET.parse(tmp_path / "forst.svg")  # the one before the failure is complete
