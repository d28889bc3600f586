// Horizontal bar charts as inline SVG (no library, nothing inline for the CSP to refuse).
// Drawn on a 600-unit-wide canvas that scales with the page; labels are SVG <text>
// nodes filled with textContent, cut short on screen and whole in the bar's <title>.

import { svg } from "./dom.js";

const WIDTH = 600;
const LABEL_WIDTH = 280;
const VALUE_WIDTH = 70;
const BAR = 20;
const GAP = 6;
const MAX_LABEL = 36;  // 12 px monospace is about 7.2 units a character

export function barChart(rows, { label, value, format = String, title }) {
  const max = Math.max(1, ...rows.map(value));
  const height = rows.length * (BAR + GAP);
  const chart = svg("svg", {
    class: "chart", role: "img", "aria-label": title, viewBox: `0 0 ${WIDTH} ${height}`,
    width: "100%", preserveAspectRatio: "xMinYMin meet",
  });
  rows.forEach((row, i) => {
    const y = i * (BAR + GAP);
    const name = String(label(row));
    const width = Math.max(1, ((WIDTH - LABEL_WIDTH - VALUE_WIDTH) * value(row)) / max);
    chart.append(
      svg("text", { x: 0, y: y + BAR * 0.72, class: "chart-label" },
        name.length > MAX_LABEL ? `${name.slice(0, MAX_LABEL - 1)}…` : name),
      svg("rect", { x: LABEL_WIDTH, y, width, height: BAR, rx: 2, class: "bar" },
        svg("title", null, `${name}: ${format(value(row))}`)),
      svg("text", { x: LABEL_WIDTH + width + 6, y: y + BAR * 0.72, class: "chart-value" },
        format(value(row))));
  });
  return chart;
}
