// Circuit breakers, one per component version: closed, open (failing fast)
// or half-open (letting a probe through), consecutive failures, and the
// last transition with its reason.

import { h, fill, when } from '../dom.js';

export function breakersPanel(admin) {
  const body = h('tbody');
  const error = h('p', { class: 'error', role: 'alert' });
  const el = h('div', { class: 'breakers-panel' }, error, h('div', { class: 'table-scroll' }, h('table', { class: 'breakers' },
    h('caption', {}, 'Circuit breakers'),
    h('thead', {}, h('tr', {}, ...['Component', 'Version', 'State', 'Failures in a row', 'Last change'].map((t) => h('th', { scope: 'col' }, t)))),
    body)));

  async function refresh() {
    try {
      const breakers = await admin.breakers();
      fill(error);
      fill(body, breakers.map((b) => {
        const last = b.transitions[b.transitions.length - 1];
        return h('tr', { dataset: { state: b.state } },
          h('th', { scope: 'row' }, `${b.world}/${b.component}`), h('td', {}, b.version),
          h('td', {}, h('span', { class: `badge breaker ${b.state}` }, b.state.replace('_', ' '))),
          h('td', { class: 'num' }, String(b.consecutive_failures)),
          h('td', {}, last ? `${when(last.at_unix_ms)}: ${last.from} → ${last.to} (${last.reason})` : 'never'));
      }));
    } catch (e) {
      fill(error, e.detail);
    }
  }
  return { el, refresh };
}
