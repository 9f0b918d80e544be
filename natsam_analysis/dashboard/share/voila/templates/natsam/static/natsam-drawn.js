// Tells the server once this dashboard page has drawn (loaded by the natsam template): its widgets
// shown (not their preview, natsam-preview.js), every figure drawn (natsam figures mark each draw
// on their element), and nothing changed on the page for QUIET ms. The server then starts the ready kernel that replaces the one this page
// took; started earlier, it would compete with the page while it loads
// (natsam_analysis.dashboard.voila_app). Sets window.natsamPageDrawn once the report has gone.
(function () {
  "use strict";
  const QUIET = 300; // ms
  const PATH = "natsam/drawn";
  // Outputs that are widgets (rendered by the front end after the page has loaded), counted before
  // the front end replaces them.
  let widgetOutputs = 0;
  let timer = 0;
  let sent = false;

  function config() {
    const data = document.getElementById("jupyter-config-data");
    try {
      return data ? JSON.parse(data.textContent) : {};
    } catch (err) {
      return {};
    }
  }

  function countWidgetOutputs() {
    widgetOutputs = Array.from(document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]'))
      .filter((script) => script.textContent.includes("application/vnd.jupyter.widget-view+json")).length;
  }

  function drawn() {
    if (document.readyState !== "complete" || document.querySelector(".natsam-preview")) return false;
    if (widgetOutputs > 0 && !document.querySelector(".jupyter-widgets")) return false;
    return Array.from(document.querySelectorAll(".natsam-figure"))
      .every((figure) => figure.dataset.draws || figure.dataset.error);
  }

  function report() {
    sent = true;
    observer.disconnect();
    const { baseUrl = "/", kernelId } = config();
    if (!kernelId) return;
    const xsrf = (document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/) || [])[1];
    fetch(`${baseUrl}${PATH}?kernel_id=${encodeURIComponent(kernelId)}`, {
      method: "POST",
      credentials: "same-origin",
      headers: xsrf ? { "X-XSRFToken": decodeURIComponent(xsrf) } : {},
    })
      .catch(() => {})
      .finally(() => {
        window.natsamPageDrawn = true;
      });
  }

  function changed() {
    if (sent) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!sent && drawn()) report();
    }, QUIET);
  }

  const observer = new MutationObserver(changed);
  document.addEventListener("DOMContentLoaded", () => {
    countWidgetOutputs();
    observer.observe(document.documentElement, { childList: true, subtree: true, attributes: true,
                                                 characterData: true });
  });
  window.addEventListener("load", changed);
})();
