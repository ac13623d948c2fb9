// Live metrics from the host's /metrics (Prometheus text): actions per
// second by outcome (`idempo_actions_total{outcome}`), request latency
// (`http_request_duration_seconds` histogram: p50 and p95 of the requests
// since the last scrape) and active matches (`idempo_matches_active`). A
// host without /metrics is asked once; the charts then say so, and the
// operator can check again.

import { h, fill, busy } from '../dom.js';
import { LineChart } from '../charts.js';
import { fetchMetrics } from '../admin-api.js';
import { parse, ratesBy, quantile, total } from '../prom.js';

const NONE = 'No data yet: this host does not serve /metrics';

export function metricsPanel() {
  const actions = new LineChart({ title: 'Actions per second', unit: '/s' });
  const latency = new LineChart({ title: 'Request latency', unit: 'ms' });
  const matches = new LineChart({ title: 'Active matches' });
  const charts = [actions, latency, matches];
  const state = h('p', { class: 'metrics-state', role: 'status' });
  const again = h('button', { type: 'button', hidden: true, onclick: () => busy(again, () => { available = undefined; return refresh(); }) }, 'Check again');
  let available;
  let last = null;

  for (const chart of charts) chart.noData('No data yet');

  async function refresh() {
    if (available === false) return;
    let text;
    try {
      text = await fetchMetrics();
    } catch (e) {
      fill(state, `Metrics unreadable: ${e.detail}`);
      return;
    }
    if (text === null) {
      available = false;
      last = null;
      for (const chart of charts) chart.noData(NONE);
      fill(state, 'The host does not serve /metrics yet, so there is nothing to chart.');
      state.dataset.state = 'absent';
      again.hidden = false;
      return;
    }
    available = true;
    again.hidden = true;
    for (const chart of charts) if (chart.empty === NONE) chart.empty = 'No data yet';
    state.dataset.state = 'live';
    fill(state, 'Live from /metrics.');
    const now = Date.now();
    const scrape = parse(text);
    const active = total(scrape, 'idempo_matches_active');
    if (active !== null) matches.push('active', now, active);
    if (last) {
      const seconds = (now - last.at) / 1000;
      for (const [outcome, rate] of ratesBy(last.scrape, scrape, seconds, 'idempo_actions_total', 'outcome')) {
        actions.push(outcome || 'all', now, rate);
      }
      for (const [name, q] of [['p50', 0.5], ['p95', 0.95]]) {
        const v = quantile(last.scrape, scrape, 'http_request_duration_seconds', q);
        if (v !== null) latency.push(name, now, v * 1000);
      }
    }
    last = { at: now, scrape };
    for (const chart of charts) chart.draw();
  }

  const el = h('div', { class: 'metrics-panel' }, state, again, h('div', { class: 'charts' }, ...charts.map((c) => c.el)));
  return { el, refresh };
}
