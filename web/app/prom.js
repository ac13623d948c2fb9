// The Prometheus text exposition format, read: samples by metric name with
// their labels, and what the console derives from two scrapes (per-second
// rates of counters, quantiles of histogram buckets).

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** `Map<name, [{labels, value}]>` of a scrape's text. */
export function parse(text) {
  const metrics = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels = {};
    for (const [, k, v] of (m[3] || '').matchAll(LABEL)) labels[k] = v.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    const value = Number(m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : m[4]);
    if (!metrics.has(m[1])) metrics.set(m[1], []);
    metrics.get(m[1]).push({ labels, value });
  }
  return metrics;
}

/** The sum of `name`'s samples whose labels pass `keep`; null if none. */
export function total(metrics, name, keep = () => true) {
  const samples = (metrics.get(name) || []).filter((s) => keep(s.labels));
  return samples.length ? samples.reduce((n, s) => n + s.value, 0) : null;
}

/** Per-second rates of `name` between two scrapes, grouped by one label. */
export function ratesBy(before, after, seconds, name, label) {
  const group = (metrics) => {
    const sums = new Map();
    for (const s of metrics.get(name) || []) {
      const key = s.labels[label] ?? '';
      sums.set(key, (sums.get(key) || 0) + s.value);
    }
    return sums;
  };
  const a = group(before);
  const rates = new Map();
  for (const [key, value] of group(after)) {
    // A counter that went down was reset: count from zero.
    const delta = value >= (a.get(key) ?? 0) ? value - (a.get(key) ?? 0) : value;
    rates.set(key, delta / seconds);
  }
  return rates;
}

/**
 * The `q` quantile (0..1) of the observations a histogram gained between two
 * scrapes, summed over the series whose labels pass `keep`; null if none.
 */
export function quantile(before, after, base, q, keep = () => true) {
  const buckets = (metrics) => {
    const byLe = new Map();
    for (const s of metrics.get(`${base}_bucket`) || []) {
      if (!keep(s.labels)) continue;
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      byLe.set(le, (byLe.get(le) || 0) + s.value);
    }
    return byLe;
  };
  const a = buckets(before);
  const rows = [...buckets(after)].map(([le, n]) => [le, Math.max(0, n - (a.get(le) || 0))]).sort((x, y) => x[0] - y[0]);
  const count = rows.length ? rows[rows.length - 1][1] : 0;
  if (!count) return null;
  const rank = q * count;
  let lower = 0;
  let below = 0;
  for (const [le, n] of rows) {
    if (n >= rank) {
      if (le === Infinity) return lower;
      const inside = n - below;
      return inside > 0 ? lower + (le - lower) * ((rank - below) / inside) : le;
    }
    lower = le;
    below = n;
  }
  return lower;
}
