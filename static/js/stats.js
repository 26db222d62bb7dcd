// The statistics pages (templates/stats). Progressive enhancements only: without this file the
// filters still work and every chart's numbers are in the table beside it.
//
// Charts are drawn with Apache ECharts (static/vendor/echarts.min.js) from the JSON the server
// put in <script type="application/json" id="stats-charts">, labels already in the page's
// language. The CSP allows no inline style, so tooltips are drawn on the canvas (renderMode
// "richText") rather than as HTML, and sizes come from static/css/stats.css.
(() => {
  "use strict";

  // The report's print button (hidden until this file runs).
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }

  // The filter form: the dates count only for a custom range (the server refuses dates with a
  // named period), and empty fields stay out of the URL.
  const form = document.getElementById("stats-filters");
  if (form) {
    const period = form.querySelector("[data-period]");
    const dates = Array.from(form.querySelectorAll("[data-custom-date]"));
    const sync = () => {
      const named = period && period.value !== "" && period.value !== "custom";
      for (const input of dates) input.disabled = named;
    };
    if (period) period.addEventListener("change", sync);
    form.addEventListener("submit", () => {
      for (const field of Array.from(form.elements)) {
        if (field.name && field.value === "") field.disabled = true;
      }
    });
    // Coming back to the page (back button), the fields disabled on submit are usable again.
    window.addEventListener("pageshow", () => {
      for (const field of Array.from(form.elements)) field.disabled = false;
      sync();
    });
    sync();
  }

  const source = document.getElementById("stats-charts");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);

  const PALETTE = ["#b5121b", "#1f6fb2", "#e69f00", "#2e7d32", "#6a3d9a"];
  const SHADES = ["#f7f7f7", "#fbd3d0", "#f08a80", "#d63a2f", "#8e0d14"];
  const NARROW = 600; // px: below this, labels turn and shrink

  const base = (narrow) => ({
    color: PALETTE,
    animationDuration: 300,
    textStyle: { fontSize: narrow ? 11 : 12 },
    tooltip: { renderMode: "richText", confine: true },
  });

  const legend = (spec) => (spec.series.length > 1 ? { top: 0, type: "scroll" } : { show: false });

  const bars = (spec, narrow) => {
    const horizontal = Boolean(spec.horizontal);
    const category = {
      type: "category",
      data: spec.categories,
      inverse: horizontal, // the first row on top
      axisLabel: horizontal
        ? { interval: 0, width: narrow ? 84 : 180, overflow: "truncate" }
        : { interval: 0, rotate: narrow ? 35 : 0, width: narrow ? 90 : 140, overflow: "truncate" },
    };
    const value = { type: "value", minInterval: 1 };
    return {
      ...base(narrow),
      tooltip: { ...base(narrow).tooltip, trigger: "axis", axisPointer: { type: "shadow" } },
      legend: legend(spec),
      grid: { left: 8, right: 16, top: spec.series.length > 1 ? 36 : 12, bottom: 8 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: spec.series.map((s) => ({ name: s.name, type: "bar", data: s.values, barMaxWidth: 28 })),
    };
  };

  const lines = (spec, narrow) => ({
    ...base(narrow),
    tooltip: { ...base(narrow).tooltip, trigger: "axis" },
    legend: legend(spec),
    grid: { left: 8, right: 16, top: 36, bottom: 8 },
    xAxis: { type: "category", data: spec.categories, boundaryGap: false, axisLabel: { rotate: narrow ? 45 : 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: spec.series.map((s) => ({ name: s.name, type: "line", data: s.values, symbolSize: 6 })),
  });

  const scale = (max) => ({
    min: 0,
    max: Math.max(1, max),
    calculable: false,
    orient: "horizontal",
    left: "center",
    bottom: 0,
    itemHeight: 120,
    text: [String(Math.max(1, max)), "0"],
    inRange: { color: SHADES },
  });

  const heatmap = (spec, narrow) => {
    const max = spec.cells.reduce((top, cell) => Math.max(top, cell[2]), 0);
    return {
      ...base(narrow),
      tooltip: {
        ...base(narrow).tooltip,
        formatter: (p) => `${spec.yName}: ${spec.y[p.value[1]]}\n${spec.xName}: ${spec.x[p.value[0]]}\n${spec.name}: ${p.value[2]}`,
      },
      grid: { left: 8, right: 8, top: 8, bottom: 56 },
      xAxis: {
        type: "category", data: spec.x, name: narrow ? "" : spec.xName, nameLocation: "middle", nameGap: 60,
        axisLabel: { interval: 0, rotate: 90, fontSize: narrow ? 9 : 11 }, splitArea: { show: true },
      },
      yAxis: {
        type: "category", data: spec.y, inverse: true, name: narrow ? "" : spec.yName,
        axisLabel: { interval: 0, fontSize: narrow ? 9 : 11 }, splitArea: { show: true },
      },
      visualMap: { ...scale(max), dimension: 2 },
      series: [{
        name: spec.name,
        type: "heatmap",
        data: spec.cells,
        label: { show: !narrow, formatter: (p) => (p.value[2] ? String(p.value[2]) : ""), fontSize: 10 },
        itemStyle: { borderColor: "#fff", borderWidth: 1 },
      }],
    };
  };

  // The tile map: each city a square at its row and column (static/data/gd-tiles.json, via the
  // server), shaded by its value; squares without a city stay empty.
  const tiles = (spec, narrow) => {
    const max = spec.tiles.reduce((top, tile) => Math.max(top, tile.value), 0);
    const indices = (n) => Array.from({ length: n }, (_, i) => String(i));
    return {
      ...base(narrow),
      tooltip: { ...base(narrow).tooltip, formatter: (p) => `${p.name}\n${spec.name}: ${p.value[2]}` },
      grid: { left: 0, right: 0, top: 0, bottom: 44 },
      xAxis: { type: "category", data: indices(spec.cols), show: false },
      yAxis: { type: "category", data: indices(spec.rows), inverse: true, show: false },
      visualMap: { ...scale(max), dimension: 2 },
      series: [{
        name: spec.name,
        type: "heatmap",
        data: spec.tiles.map((t) => ({ name: t.name, value: [t.col, t.row, t.value] })),
        label: {
          show: true,
          formatter: (p) => `${p.name}\n${p.value[2]}`,
          fontSize: narrow ? 10 : 13,
          lineHeight: narrow ? 13 : 17,
          overflow: "truncate",
        },
        itemStyle: { borderColor: "#fff", borderWidth: narrow ? 2 : 4, borderRadius: 4 },
      }],
    };
  };

  const BUILDERS = { bars, lines, heatmap, tiles };

  const drawn = [];
  for (const box of document.querySelectorAll("[data-chart]")) {
    const spec = data[box.dataset.chart];
    const build = spec && BUILDERS[spec.kind];
    if (!build) continue;
    box.replaceChildren();
    const chart = window.echarts.init(box, null, { renderer: "canvas" });
    const narrow = box.clientWidth < NARROW;
    chart.setOption(build(spec, narrow));
    box.dataset.drawn = "true";
    drawn.push({ box, chart, spec, build, narrow });
  }

  // Charts follow their box's width (the window, a rotated phone); labels change at NARROW.
  const fit = (item) => {
    const narrow = item.box.clientWidth < NARROW;
    if (narrow !== item.narrow) {
      item.narrow = narrow;
      item.chart.setOption(item.build(item.spec, narrow), true);
    }
    item.chart.resize();
  };
  if ("ResizeObserver" in window) {
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const item = drawn.find((d) => d.box === entry.target);
        if (item) fit(item);
      }
    });
    for (const item of drawn) observer.observe(item.box);
  } else {
    window.addEventListener("resize", () => drawn.forEach(fit));
  }
})();
