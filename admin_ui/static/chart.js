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

// A time series as columns (one per hour or day), with the first, middle and last period
// named under it and every column's count in its tooltip; a table below carries the
// numbers for screen readers and copying.
export function timeChart(points, { label, value, title }) {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...points.map(value));
  const step = width / Math.max(1, points.length);
  const drawing = svg("svg", { class: "columns", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `${title}: ${points.length} periods, at most ${max} requests`, preserveAspectRatio: "none" },
  points.map((point, i) => {
    const tall = Math.max(1, (height * value(point)) / max);
    return svg("rect", { x: i * step + step * 0.1, y: height - tall, width: step * 0.8, height: tall, class: "bar" },
      svg("title", null, `${label(point)}: ${value(point)}`));
  }));
  const ends = points.length ? [points[0], points[Math.floor(points.length / 2)], points[points.length - 1]] : [];
  return h("figure", { class: "timeline" },
    h("figcaption", null, title, h("span", { class: "muted small" }, ` (most: ${max.toLocaleString()})`)),
    drawing,
    h("div", { class: "axis small muted" }, [...new Set(ends)].map((point) => h("span", null, label(point)))));
}
