// Line charts drawn in SVG, no library: a fixed time window, a y axis from
// zero to a rounded maximum, one line per series with a legend, and a clear
// "no data yet" state. The chart's accessible name says the latest values.

import { h, s, fill } from './dom.js';

const W = 320;
const H = 150;
const PAD = { left: 40, right: 8, top: 10, bottom: 22 };
const COLORS = ['#7cc4ff', '#ffb454', '#ff6b6b', '#9be38a', '#d59bff', '#f2e27c'];

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v);
}

function fmt(v, unit) {
  const n = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  return unit ? `${n} ${unit}` : n;
}

export class LineChart {
  /** `title`, `unit`, and the time window in ms (`windowMs`). */
  constructor({ title, unit = '', windowMs = 120_000 }) {
    this.title = title;
    this.unit = unit;
    this.windowMs = windowMs;
    this.series = new Map();
    this.empty = 'No data yet';
    this.svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img' });
    this.legend = h('ul', { class: 'legend' });
    this.el = h('figure', { class: 'chart-box' }, h('figcaption', {}, title), this.svg, this.legend);
    this.draw();
  }

  /** Adds the point `value` at time `t` (ms) to series `name`. */
  push(name, t, value) {
    if (!this.series.has(name)) this.series.set(name, []);
    const points = this.series.get(name);
    points.push([t, value]);
    while (points.length && points[0][0] < t - this.windowMs) points.shift();
  }

  /** Shows `message` instead of lines while there is no data. */
  noData(message) {
    this.series.clear();
    this.empty = message;
    this.draw();
  }

  draw() {
    const all = [...this.series.values()].flat();
    this.el.classList.toggle('no-data', all.length === 0);
    if (all.length === 0) {
      this.svg.setAttribute('aria-label', `${this.title}: ${this.empty}`);
      fill(this.svg, s('text', { class: 'chart-empty', x: W / 2, y: H / 2 }, this.empty));
      fill(this.legend);
      return;
    }
    const now = Math.max(...all.map(([t]) => t));
    const start = now - this.windowMs;
    const max = niceMax(Math.max(...all.map(([, v]) => v)));
    const x = (t) => PAD.left + ((t - start) / this.windowMs) * (W - PAD.left - PAD.right);
    const y = (v) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
    const lines = [...this.series].map(([name, points], i) => s('polyline', {
      class: 'chart-line', stroke: COLORS[i % COLORS.length], fill: 'none',
      points: points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
      dataset: { series: name },
    }));
    fill(this.svg,
      s('line', { class: 'axis', x1: PAD.left, y1: y(0), x2: W - PAD.right, y2: y(0) }),
      s('line', { class: 'grid', x1: PAD.left, y1: y(max / 2), x2: W - PAD.right, y2: y(max / 2) }),
      s('line', { class: 'axis', x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: y(0) }),
      s('text', { class: 'tick', x: PAD.left - 4, y: PAD.top + 8, 'text-anchor': 'end' }, fmt(max, '')),
      s('text', { class: 'tick', x: PAD.left - 4, y: y(0), 'text-anchor': 'end' }, '0'),
      s('text', { class: 'tick', x: PAD.left, y: H - 6 }, `−${Math.round(this.windowMs / 60000)} min`),
      s('text', { class: 'tick', x: W - PAD.right, y: H - 6, 'text-anchor': 'end' }, 'now'),
      ...lines);
    const latest = [...this.series].map(([name, points]) => [name, points[points.length - 1]?.[1] ?? 0]);
    this.svg.setAttribute('aria-label', `${this.title}, latest: ${latest.map(([n, v]) => `${n} ${fmt(v, this.unit)}`).join(', ')}`);
    fill(this.legend, ...latest.map(([name, v], i) => h('li', {},
      h('span', { class: 'swatch', style: `background:${COLORS[i % COLORS.length]}` }), ` ${name}: ${fmt(v, this.unit)}`)));
  }
}
