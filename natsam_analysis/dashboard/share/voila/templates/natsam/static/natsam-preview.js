// Shows a dashboard's first screen before its widgets (loaded by the natsam template; the preview is
// made by natsam_analysis.dashboard.preview). For each preview in the page:
// - its static HTML goes in front of the dashboard's widget output, in the same cell, as an inert
//   element (no focus, no clicks, not read aloud) laid out like the widgets;
// - its first figure is drawn with the page's plotly.js as soon as the front end shows the cell
//   (performance mark "natsam-preview-shown", measure "natsam-preview-draw");
// - the widget output is laid out in the same place but kept invisible until the live dashboard has
//   drawn its own first figure (or shown an error); then the preview is removed and the live
//   dashboard shown in one step (performance mark "natsam-live").
(function () {
  "use strict";
  const ASSET = "natsam-asset:";
  const CSS = `
.natsam-previewing { position: relative; }
.natsam-previewing > .jp-OutputArea-output:not(.natsam-preview) {
  position: absolute; top: 0; left: 0; right: 0; visibility: hidden;
}`;

  function plotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    const script = document.querySelector("script[data-natsam-plotly]");
    if (!script || script.dataset.failed) return Promise.reject(new Error("the page has no plotly.js"));
    return new Promise((resolve, reject) => {
      script.addEventListener("load", () => resolve(window.Plotly));
      script.addEventListener("error", () => reject(new Error(`plotly.js could not be loaded from ${script.src}`)));
    });
  }

  // Resolves once the element has a width (the front end shows the page's cells).
  function shown(el) {
    return new Promise((resolve) => {
      const observer = new ResizeObserver(() => {
        if (el.clientWidth > 0) {
          observer.disconnect();
          resolve();
        }
      });
      observer.observe(el);
    });
  }

  async function draw(place, data) {
    const assets = new Map();
    const figure = JSON.parse(data.figure, (key, value) => {
      if (key !== "geojson" || typeof value !== "string" || !value.startsWith(ASSET)) return value;
      const name = value.slice(ASSET.length);
      if (!assets.has(name)) assets.set(name, JSON.parse(data.assets[name]));
      return assets.get(name);
    });
    const [Plotly] = await Promise.all([plotly(), shown(place).then(() => performance.mark("natsam-preview-shown"))]);
    if (!place.isConnected) return; // the live dashboard came first
    const start = performance.now();
    await Plotly.newPlot(place, figure.data || [], figure.layout || {}, { ...(figure.config || {}), staticPlot: true });
    performance.measure("natsam-preview-draw", { start });
  }

  // The live output is shown once its first figure has drawn (or failed), or once it shows the
  // widget manager's error instead of the dashboard.
  function ready(live) {
    const figure = live.querySelector(".natsam-figure");
    if (figure) return Boolean(figure.dataset.draws || figure.dataset.error);
    return Boolean(live.querySelector(":scope > pre"));
  }

  function swapWhenLive(cell, preview) {
    const observer = new MutationObserver(() => {
      const live = cell.querySelector(":scope > .jp-OutputArea-output:not(.natsam-preview)");
      if (!live || !ready(live)) return;
      observer.disconnect();
      const plot = preview.querySelector(".js-plotly-plot");
      if (plot && window.Plotly) window.Plotly.purge(plot);
      preview.remove();
      cell.classList.remove("natsam-previewing");
      performance.mark("natsam-live");
    });
    observer.observe(cell, { childList: true, subtree: true, attributes: true,
                             attributeFilter: ["data-draws", "data-error"] });
  }

  function show(script) {
    const cell = script.parentElement;
    let data;
    try {
      data = JSON.parse(script.textContent);
    } catch (err) {
      console.error("natsam preview:", err);
      return;
    }
    const preview = document.createElement("div");
    preview.className = "lm-Widget jp-OutputArea-output natsam-preview";
    preview.inert = true;
    preview.innerHTML = data.html;
    script.replaceWith(preview);
    cell.classList.add("natsam-previewing");
    swapWhenLive(cell, preview);
    const place = preview.querySelector("[data-natsam-preview-draw]");
    if (place && data.figure) {
      draw(place, data).catch((err) => console.error("natsam preview:", err));
    }
  }

  const previews = document.querySelectorAll("script.natsam-preview-data");
  if (previews.length) {
    const style = document.createElement("style");
    style.textContent = CSS;
    document.head.appendChild(style);
    previews.forEach(show);
  }
})();
