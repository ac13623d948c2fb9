// Which match runs on which version. The host pins every match to the
// combat version active when it started. The panel lists the game's newest
// matches on every host (`GET .../matches`), running and finished, with
// their pinned versions and players, and counts the running ones per
// version. A match older than the list is looked up by id (its durable log
// rebuilt on its pinned version, `GET .../matches/{id}/replay`) and kept in
// the list for this tab.

import { h, fill, field, busy, keepFocus, when } from '../dom.js';

const KEY = 'idempo.console.pins';
/** Matches the list shows, newest started first. */
const LISTED = 50;

export function pinsPanel(admin) {
  /** Matches looked up by id: id to a row. */
  const looked = new Map(JSON.parse(sessionStorage.getItem(KEY) || '[]').map((id) => [id, null]));
  let listed = [];
  let names = {};
  const input = h('input', { name: 'match_id', required: true, spellcheck: 'false', placeholder: 'match id' });
  const look = h('button', { type: 'submit' }, 'Look up');
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'pin-form', 'aria-label': 'Look up a match' }, field('Match id', input), look);
  const counts = h('ul', { class: 'pin-counts', 'aria-label': 'Running matches per version' });
  const body = h('tbody');
  const table = h('table', { class: 'pins' },
    h('caption', {}, 'Matches and their pinned versions, newest first'),
    h('thead', {}, h('tr', {}, ...['Match', 'Component', 'Pinned version', 'State', 'Players', 'Started'].map((t) => h('th', { scope: 'col' }, t)))),
    body);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (form.reportValidity()) busy(look, () => lookUp(input.value.trim(), true));
  });

  function save() {
    sessionStorage.setItem(KEY, JSON.stringify([...looked.keys()]));
  }

  /** A match replayed by id, as a row of the list. */
  async function lookUp(id, fromForm) {
    if (fromForm) fill(error);
    try {
      const view = await admin.replay(id);
      looked.set(id, {
        match_id: id, component: view.component, version: view.version,
        status: view.finished ? 'finished' : 'running',
        players: view.state.fighters.map((f) => f.id), started_at_ms: null,
      });
      save();
      if (fromForm) input.value = '';
      render();
    } catch (e) {
      if (fromForm) fill(error, `${id}: ${e.detail}`);
    }
  }

  const playerNames = (ids) => ids.map((id) => names[id] ?? id).join(', ');

  function render() {
    const shown = new Set(listed.map((m) => m.match_id));
    const rows = [...listed, ...[...looked.values()].filter((m) => m && !shown.has(m.match_id))];
    const running = new Map();
    for (const m of listed) {
      if (m.status !== 'running') continue;
      const key = `${m.component} ${m.version}`;
      running.set(key, (running.get(key) || 0) + 1);
    }
    fill(counts, ...(running.size === 0 ? [h('li', {}, 'No match runs now.')]
      : [...running].map(([key, n]) => h('li', { dataset: { version: key.split(' ')[1], running: n } },
        h('strong', {}, key), `: ${n} running match${n === 1 ? '' : 'es'}`))));
    keepFocus(body, () => fill(body, rows.length === 0
      ? h('tr', {}, h('td', { colspan: 6 }, 'No match yet.'))
      : rows.map((m) => h('tr', { dataset: { matchId: m.match_id, version: m.version, state: m.status } },
        h('th', { scope: 'row' }, h('code', {}, m.match_id)),
        h('td', {}, m.component), h('td', {}, h('strong', {}, m.version)), h('td', {}, m.status),
        h('td', {}, playerNames(m.players)), h('td', {}, m.started_at_ms ? when(m.started_at_ms) : '—')))));
  }

  /** Reads the list again, and the looked-up matches that still run. */
  async function refresh() {
    try {
      const page = await admin.matches({ limit: LISTED });
      listed = page.matches;
      names = { ...names, ...page.names };
      fill(error);
    } catch (e) {
      fill(error, `The match list: ${e.detail}`);
    }
    for (const [id, m] of looked) if (!m || m.status === 'running') await lookUp(id, false);
    render();
  }

  render();
  return { el: h('div', { class: 'pins-panel' }, counts, form, error, h('div', { class: 'table-scroll' }, table)), refresh };
}
