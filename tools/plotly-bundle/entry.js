// The plotly.js the natsam dashboards draw with: plotly.js's core (scatter) and the trace types
// below, about a third of the full bundle, so a dashboard's first plot does not wait for the
// evaluation of trace types it never draws. Keep this list in step with
// natsam_analysis.dashboard.figure.TRACE_TYPES (a test compares them); rebuild with
// `make plotly-bundle` after a change here or in the plotly.js version of package.json, which must
// be the plotly.js that the installed plotly Python package was made for.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/box'),
    require('plotly.js/lib/funnel'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/histogram'),
    require('plotly.js/lib/pie'),
    require('plotly.js/lib/sankey'),
    require('plotly.js/lib/sunburst'),
    require('plotly.js/lib/treemap'),
    require('plotly.js/lib/scattergeo'),
    require('plotly.js/lib/choropleth'),
    require('plotly.js/lib/locales/sv'),
]);

module.exports = Plotly;
