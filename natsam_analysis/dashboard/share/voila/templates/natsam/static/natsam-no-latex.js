// No LaTeX typesetting on the dashboards: JupyterLab's MathJax plugin, which Voila's front end
// always starts, gets a typesetter that leaves text as it is.
//
// Voila 0.5 typesets an empty element as soon as its front end has started, and ipywidgets
// typesets every control's description. The first call loads MathJax 3 (about 850 kB of
// JavaScript in 16 files) just when the page connects to its kernel and builds its widgets: on a
// dashboard that cost about 0.3 s before the first figure. The dashboards show no formulas, and
// Voila's page configuration cannot turn the plugin off (it filters only the plugins of installed
// extensions), so this script, which runs before Voila's front end, wraps the plugin's module as
// webpack registers it: the module is found by its plugin id, and its exported MathJaxTypesetter
// class gets a typeset method that does nothing. Text between two "$" stays text. If Voila's
// build changes so that the module is not found, nothing is changed and MathJax loads as before.
// The performance mark "natsam-no-latex" records that the typesetter was replaced.
(() => {
  const PLUGIN_ID = '"@jupyterlab/mathjax-extension:plugin"';
  const chunks = (self.webpackChunk_JUPYTERLAB_CORE_OUTPUT = self.webpackChunk_JUPYTERLAB_CORE_OUTPUT || []);

  function leaveText(factory) {
    return function (module, exports, require) {
      const result = factory.call(this, module, exports, require);
      const Typesetter = module.exports && module.exports.MathJaxTypesetter;
      if (Typesetter && Typesetter.prototype) {
        Typesetter.prototype.typeset = async function () {};
        performance.mark("natsam-no-latex");
      }
      return result;
    };
  }

  // A chunk is [chunk ids, {module id: factory}, runtime?]; only the plugin's factory is wrapped.
  // Each chunk is looked at once (webpack's push hands it on to the array's own push).
  const seen = new WeakSet();
  function patch(chunk) {
    const modules = Array.isArray(chunk) && !seen.has(chunk) ? chunk[1] : null;
    if (modules && typeof modules === "object") {
      seen.add(chunk);
      for (const id of Object.keys(modules)) {
        const factory = modules[id];
        if (typeof factory === "function" && Function.prototype.toString.call(factory).includes(PLUGIN_ID)) {
          modules[id] = leaveText(factory);
        }
      }
    }
    return chunk;
  }

  // webpack's runtime replaces the array's push with its own once it loads, and every chunk file
  // calls push: each call goes through patch first, whichever push is current.
  let current = Array.prototype.push;
  Object.defineProperty(chunks, "push", {
    configurable: true,
    get() {
      const target = current;
      return function (...items) {
        return target.apply(this, items.map(patch));
      };
    },
    set(push) {
      current = push;
    },
  });
})();
