// Which match runs on which version. The host pins every match to the
// combat version active when it started; the console looks a match up by id
// (its durable log rebuilt on its pinned version, `GET .../matches/{id}/
// replay`) and keeps the matches looked up in a list, read again while they
// run. The host has no listing of its running matches to fill this by itself.

import { h, fill, field, busy, keepFocus, shortId } from '../dom.js';

const KEY = 'idempo.console.pins';

export function pinsPanel(admin) {
  const tracked = new Map(JSON.parse(sessionStorage.getItem(KEY) || '[]').map((id) => [id, null]));
  const input = h('input', { name: 'match_id', required: true, spellcheck: 'false', placeholder: 'match id' });
  const look = h('button', { type: 'submit' }, 'Look up');
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'pin-form', 'aria-label': 'Look up a match' }, field('Match id', input), look);
  const body = h('tbody');
  const table = h('table', { class: 'pins' },
    h('caption', {}, 'Matches and their pinned versions'),
    h('thead', {}, h('tr', {}, ...['Match', 'Component', 'Pinned version', 'State', 'Log entries', ''].map((t) => h('th', { scope: 'col' }, t)))),
    body);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (form.reportValidity()) busy(look, () => lookUp(input.value.trim(), true));
  });

  function save() {
    sessionStorage.setItem(KEY, JSON.stringify([...tracked.keys()]));
  }

  async function lookUp(id, fromForm) {
    fill(error);
    try {
      const view = await admin.replay(id);
      tracked.set(id, view);
      save();
      if (fromForm) input.value = '';
      render();
    } catch (e) {
      if (fromForm) fill(error, `${id}: ${e.detail}`);
    }
  }

  function render() {
    keepFocus(body, () => fill(body, tracked.size === 0
      ? h('tr', {}, h('td', { colspan: 6 }, 'Look up a match by its id to see its pin.'))
      : [...tracked].map(([id, v]) => h('tr', { dataset: { matchId: id, version: v?.version ?? '', state: v ? (v.finished ? 'finished' : 'running') : '' } },
        h('th', { scope: 'row' }, h('code', {}, id)),
        h('td', {}, v?.component ?? '…'), h('td', {}, v ? h('strong', {}, v.version) : '…'),
        h('td', {}, v ? (v.finished ? 'finished' : 'running') : '…'), h('td', { class: 'num' }, v ? String(v.logged) : '…'),
        h('td', {}, h('button', { type: 'button', onclick: () => { tracked.delete(id); save(); render(); } }, `Forget ${shortId(id)}`))))));
  }

  /** Reads again the matches that still run (or were never read). */
  async function refresh() {
    for (const [id, v] of tracked) if (!v || !v.finished) await lookUp(id, false);
    render();
  }

  render();
  return { el: h('div', { class: 'pins-panel' }, form, error, h('div', { class: 'table-scroll' }, table)), refresh };
}
