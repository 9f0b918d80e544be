// Accessibility of the natsam dashboards' widgets (loaded by the natsam template):
// - a slider's handle (role="slider", the element that takes the keyboard focus) gets the slider's
//   description as its name (ipywidgets leaves it without one, so a screen reader says "slider");
// - the page's language (<html lang>) follows the dashboard's language toggle (class
//   natsam-language, with natsam-lang-sv or natsam-lang-en), so that text is read in Swedish or English;
// - the page's title is the dashboard's heading (the <h1>) instead of the notebook's file name.
// Widgets are drawn and redrawn after the page has loaded: a MutationObserver applies this once per
// animation frame after any change.
(function () {
  "use strict";
  let labels = 0;
  let queued = false;

  function nameSliders() {
    for (const slider of document.querySelectorAll(".widget-slider")) {
      const label = slider.querySelector(".widget-label");
      if (!label || !label.textContent.trim()) continue;
      if (!label.id) label.id = `natsam-slider-label-${++labels}`;
      for (const handle of slider.querySelectorAll('[role="slider"]')) {
        if (handle.getAttribute("aria-labelledby") !== label.id) handle.setAttribute("aria-labelledby", label.id);
      }
    }
  }

  function followLanguage() {
    const toggle = document.querySelector(".natsam-language");
    if (!toggle) return;
    const lang = toggle.classList.contains("natsam-lang-en") ? "en" : "sv";
    if (document.documentElement.lang !== lang) document.documentElement.lang = lang;
  }

  function titleFromHeading() {
    const heading = document.querySelector("h1");
    const title = heading && heading.textContent.trim();
    if (title && document.title !== title) document.title = title;
  }

  function update() {
    queued = false;
    nameSliders();
    followLanguage();
    titleFromHeading();
  }

  new MutationObserver(() => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(update);
    }
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true,
                                         attributes: true, attributeFilter: ["class"] });
})();
