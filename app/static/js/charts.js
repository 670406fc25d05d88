// Charts drawn by Chart.js from a JSON description the page carries (templates/_chart.html):
// <canvas data-chart="ID"> beside <script type="application/json" id="ID">{labels, series, links, axes}</script>.
// Every chart has its table on the page (the accessible and printable form); a bar with a link drills down to it.
(function () {
  "use strict";

  var COLOURS = ["#0b4fa8", "#1e7b34", "#b35c00", "#6f42c1", "#a61e4d"];

  function numberFormat() {
    var locale = document.documentElement.lang === "en" ? "en-GB" : "th-TH";
    return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  }

  function scales(spec, format) {
    var result = {};
    var names = Object.keys(spec.axes || {});
    names.forEach(function (name, index) {
      var axis = spec.axes[name];
      result[name] = {
        type: "linear",
        position: index === 0 ? "left" : "right",
        beginAtZero: true,
        min: axis.min,
        max: axis.max,
        grid: { drawOnChartArea: index === 0 },
        title: { display: Boolean(axis.title), text: axis.title },
        ticks: { callback: function (value) { return format.format(value); } },
      };
    });
    return result;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") return;
    var spec = JSON.parse(source.textContent);
    var format = numberFormat();
    var links = spec.links || [];
    var datasets = spec.series.map(function (series, index) {
      var colour = series.colour || COLOURS[index % COLOURS.length];
      return {
        type: series.kind || "bar",
        label: series.label,
        data: series.values,
        yAxisID: series.axis,
        backgroundColor: colour,
        borderColor: colour,
        order: series.kind === "line" ? 0 : 1,
      };
    });
    var chart = new window.Chart(canvas, {
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales(spec, format),
        plugins: {
          legend: { display: datasets.length > 1 },
          tooltip: {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + format.format(item.parsed.y); },
            },
          },
        },
        onHover: function (event, elements) {
          canvas.style.cursor = elements.length && links[elements[0].index] ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          if (elements.length && links[elements[0].index]) window.location.assign(links[elements[0].index]);
        },
      },
    });
    canvas.chart = chart;
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
