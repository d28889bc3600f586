// Charts without a library, readable from 400 px up. Labels are HTML text (they wrap and
// keep the page's font size) rather than SVG text, which shrinks with the drawing. Widths
// and heights are set through the CSSOM (element.style), which the CSP's style-src 'self'
// allows, unlike inline style attributes.

import { h, svg } from "./dom.js";

// Horizontal bars: one row per item, label above its bar on narrow screens (CSS).
export function barChart(rows, { label, value, format = String, title }) {
  const max = Math.max(1, ...rows.map(value));
  return h("figure", { class: "bars" },
    h("figcaption", { class: "visually-hidden" }, title),
    h("ul", null, rows.map((row) => {
      const bar = h("span", { class: "bar" });
      bar.style.width = `${(100 * value(row)) / max}%`;
      return h("li", null,
        h("span", { class: "bar-label" }, String(label(row))),
        h("span", { class: "bar-track" }, bar),
        h("span", { class: "bar-value" }, format(value(row))));
    })));
}

// A time series as columns (one per hour or day) drawn as one SVG path, so 90 days per
// hour (2,160 columns) is one element to lay out, not thousands; the caption names the
// busiest period and the axis the first, middle and last.
export function timeChart(points, { label, value, title }) {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...points.map(value));
  const step = width / Math.max(1, points.length);
  const bar = Math.max(step * 0.8, 0.5);
  const outline = points.map((point, i) => {
    const tall = Math.max(1, (height * value(point)) / max);
    return `M${(i * step + (step - bar) / 2).toFixed(2)} ${height}v${(-tall).toFixed(2)}h${bar.toFixed(2)}v${tall.toFixed(2)}z`;
  }).join("");
  const busiest = points.reduce((best, point) => (value(point) > value(best) ? point : best), points[0]);
  const drawing = svg("svg", { class: "columns", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `${title}: ${points.length} periods, at most ${max} requests (${label(busiest)})`,
    preserveAspectRatio: "none" },
  svg("path", { d: outline, class: "bar" }));
  const ends = points.length ? [points[0], points[Math.floor(points.length / 2)], points[points.length - 1]] : [];
  return h("figure", { class: "timeline" },
    h("figcaption", null, title,
      h("span", { class: "muted small" }, ` (${points.length} periods; most: ${max.toLocaleString()} at ${label(busiest)})`)),
    drawing,
    h("div", { class: "axis small muted" }, [...new Set(ends)].map((point) => h("span", null, label(point)))));
}
