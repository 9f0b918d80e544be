// The front end of natsam_analysis.dashboard.figure.PlotlyView: draws one plotly figure with the
// partial plotly.js that the natsam Voila template serves, once on first display and with
// Plotly.react on every change of the figure. Each draw is recorded as a performance measure
// "natsam-figure-draw" (the dashboard benchmark reads them) and counted on the element; a figure
// that cannot be drawn says so in its place and in data-error (natsam-preview.js then shows it).

const BUNDLE = "voila/templates/natsam/static/plotly-natsam.min.js";

function baseUrl() {
  const data = document.getElementById("jupyter-config-data");
  try {
    return (data && JSON.parse(data.textContent).baseUrl) || "/";
  } catch (err) {
    return "/";
  }
}

// One plotly.js per page: the script the template starts loading in the page's head, else one
// added here.
function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.natsamPlotly) {
    window.natsamPlotly = new Promise((resolve, reject) => {
      let script = document.querySelector("script[data-natsam-plotly]");
      if (!script) {
        script = document.createElement("script");
        script.src = baseUrl() + BUNDLE;
        script.dataset.natsamPlotly = "";
        document.head.appendChild(script);
      }
      const failed = () => reject(new Error(`plotly.js could not be loaded from ${script.src}`));
      if (script.dataset.failed) failed(); // the template's script failed before this figure came
      script.addEventListener("load", () => resolve(window.Plotly));
      script.addEventListener("error", failed);
    });
  }
  return window.natsamPlotly;
}

// Resolves once the element is on the page with a width, so that the first draw has its size.
function laidOut(el) {
  if (el.isConnected && el.clientWidth > 0) return Promise.resolve();
  return new Promise((resolve) => {
    const observer = new ResizeObserver(() => {
      if (el.isConnected && el.clientWidth > 0) {
        observer.disconnect();
        resolve();
      }
    });
    observer.observe(el);
  });
}

// GeoJSON assets, parsed once per page and shared by every trace that names them.
const ASSET = "natsam-asset:";
const parsedAssets = new Map();

function resolveAssets(figure, assets) {
  for (const trace of figure.data || []) {
    if (typeof trace.geojson === "string" && trace.geojson.startsWith(ASSET)) {
      const name = trace.geojson.slice(ASSET.length);
      if (!parsedAssets.has(name)) parsedAssets.set(name, JSON.parse(assets[name]));
      trace.geojson = parsedAssets.get(name);
    }
  }
  return figure;
}

// The figures of a page are drawn one at a time, and the browser paints between two of them: the
// first figure is on screen while the next is drawn, instead of all appearing together.
function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function inTurn(draw) {
  const previous = window.natsamDrawing || Promise.resolve();
  const turn = previous.then(draw);
  window.natsamDrawing = turn.catch(() => {}).then(nextFrame);
  return turn;
}

async function render({ model, el }) {
  el.classList.add("natsam-figure");
  const plot = document.createElement("div");
  el.appendChild(plot);
  let Plotly;
  try {
    [Plotly] = await Promise.all([loadPlotly(), laidOut(el)]);
  } catch (err) {
    el.textContent = model.get("error_text");
    el.dataset.error = String(err);
    console.error(err);
    return;
  }

  // Draws run one after the other; a change that arrives during a draw is drawn after it, and
  // only the latest figure is drawn.
  let drawing = null;
  let stale = false;
  let draws = 0;
  const drawLatest = async () => {
    do {
      stale = false;
      const figure = resolveAssets(JSON.parse(model.get("figure")), model.get("assets"));
      let start = 0;
      await inTurn(() => {
        start = performance.now();
        return Plotly.react(plot, figure.data || [], figure.layout || {}, figure.config || {});
      });
      draws += 1;
      el.dataset.draws = String(draws);
      performance.measure("natsam-figure-draw", { start, detail: { draws } });
    } while (stale);
  };
  const draw = () => {
    if (drawing) {
      stale = true;
      return drawing;
    }
    drawing = drawLatest()
      .catch((err) => {
        el.dataset.error = String(err);
        console.error("natsam figure:", err);
      })
      .finally(() => {
        drawing = null;
      });
    return drawing;
  };
  model.on("change:figure", draw);

  // The figure follows the width of its place (a phone turned, a column that wraps).
  let width = el.clientWidth;
  let frame = 0;
  const observer = new ResizeObserver(() => {
    if (el.clientWidth === width || el.clientWidth === 0) return;
    width = el.clientWidth;
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      if (!drawing && plot._fullLayout) Plotly.Plots.resize(plot);
    });
  });
  observer.observe(el);
  await draw();

  return () => {
    observer.disconnect();
    model.off("change:figure", draw);
    Plotly.purge(plot);
  };
}

export default { render };
