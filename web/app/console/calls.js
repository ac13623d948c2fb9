// Per-component call rates, failure rates and fuel per call, as charts: the
// admin API gives running totals per version (calls, failures by kind,
// fuel used), and each refresh turns the change since the last one into a
// rate.

import { h } from '../dom.js';
import { LineChart } from '../charts.js';

export function callsPanel() {
  const calls = new LineChart({ title: 'Calls per second', unit: '/s' });
  const failures = new LineChart({ title: 'Failures per second', unit: '/s' });
  const fuel = new LineChart({ title: 'Fuel per call', unit: '' });
  let last = null;

  /** Takes the component list of one refresh. */
  function update(slots) {
    const now = Date.now();
    const totals = new Map();
    for (const slot of slots) {
      for (const v of slot.versions) {
        const failed = Object.values(v.failures || {}).reduce((n, x) => n + x, 0);
        totals.set(`${slot.world}/${slot.name} ${v.version}`, { calls: v.calls, failed, fuel: v.fuel_used });
      }
    }
    if (last) {
      const seconds = (now - last.at) / 1000;
      for (const [name, t] of totals) {
        const before = last.totals.get(name) || { calls: 0, failed: 0, fuel: 0 };
        const dCalls = Math.max(0, t.calls - before.calls);
        calls.push(name, now, dCalls / seconds);
        failures.push(name, now, Math.max(0, t.failed - before.failed) / seconds);
        if (dCalls > 0) fuel.push(name, now, Math.max(0, t.fuel - before.fuel) / dCalls);
      }
      for (const chart of [calls, failures, fuel]) chart.draw();
    }
    last = { at: now, totals };
  }

  const el = h('div', { class: 'charts' }, calls.el, failures.el, fuel.el);
  return { el, update };
}
