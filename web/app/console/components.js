// Components: every world's components with their versions (which is
// active, its hash, calls, failures, fuel, breaker), activate a version,
// roll back, each component's activation history, and the upload of a new
// version (a .wasm file; `name@version.wasm` fills the form).

import { h, fill, field, busy, when, announce, amount, keepFocus } from '../dom.js';

const WORLDS = ['combat', 'rewards', 'market'];

export function componentsPanel(admin, onChange) {
  const list = h('div', { class: 'slots' });
  const error = h('p', { class: 'error', role: 'alert' });

  const file = h('input', { type: 'file', name: 'wasm', accept: '.wasm,application/wasm', required: true });
  const world = h('select', { name: 'world' }, ...WORLDS.map((w) => h('option', { value: w }, w)));
  const name = h('input', { name: 'name', required: true, spellcheck: 'false' });
  const version = h('input', { name: 'version', required: true, spellcheck: 'false', placeholder: '1.1.0', pattern: '\\d+\\.\\d+\\.\\d+.*' });
  const activate = h('input', { type: 'checkbox', name: 'activate' });
  const upload = h('button', { type: 'submit', class: 'primary' }, 'Upload');
  const uploaded = h('p', { class: 'upload-result', role: 'status' });
  const form = h('form', { class: 'upload-form', 'aria-labelledby': 'upload-title' },
    h('h3', { id: 'upload-title' }, 'Upload a version'),
    field('Component file (.wasm)', file, 'Named name@version.wasm, the form fills itself'),
    field('World', world), field('Name', name), field('Version', version),
    h('label', { class: 'check' }, activate, ' Activate after upload'),
    upload, uploaded);

  file.addEventListener('change', () => {
    const picked = file.files[0]?.name || '';
    const m = /^(.+)@(\d+\.\d+\.\d+[^/]*)\.wasm$/.exec(picked);
    if (m) {
      name.value = m[1];
      version.value = m[2];
    }
    const folder = file.files[0]?.webkitRelativePath?.split('/').find((part) => WORLDS.includes(part));
    if (folder) world.value = folder;
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (form.reportValidity()) busy(upload, send);
  });

  async function send() {
    fill(error);
    fill(uploaded);
    try {
      const bytes = await file.files[0].arrayBuffer();
      const { status, data } = await admin.upload(world.value, name.value, version.value, bytes, activate.checked);
      const active = data.activation ? `; active now (from ${data.activation.from ?? 'none'})` : '';
      fill(uploaded, `${status === 201 ? 'Uploaded' : 'Already loaded'}: ${data.world}/${data.name} ${data.version}, ${data.origin}, hash ${data.hash.slice(0, 12)}${active}.`);
      uploaded.dataset.version = data.version;
      announce(uploaded.textContent);
      await refresh();
      onChange();
    } catch (e) {
      fill(error, `Upload refused: ${e.detail}`);
    }
  }

  async function act(work, done) {
    fill(error);
    try {
      const record = await work();
      announce(done(record));
      await refresh();
      onChange();
    } catch (e) {
      fill(error, e.detail);
    }
  }

  function versionRow(slot, v) {
    const active = slot.active === v.version;
    const failures = Object.values(v.failures || {}).reduce((n, x) => n + x, 0);
    return h('tr', { class: active ? 'active' : '', dataset: { version: v.version, active: String(active) } },
      h('th', { scope: 'row' }, v.version, active ? h('span', { class: 'badge ok' }, 'active') : ''),
      h('td', {}, h('code', { title: v.hash }, v.hash.slice(0, 10))),
      h('td', {}, v.origin), h('td', {}, when(v.loaded_at_unix_ms)),
      h('td', { class: 'num' }, amount(v.calls)), h('td', { class: 'num' }, amount(failures)),
      h('td', { class: 'num' }, amount(v.fuel_used)),
      h('td', {}, h('span', { class: `badge breaker ${v.breaker.state}` }, v.breaker.state.replace('_', ' '))),
      h('td', {}, active ? '' : h('button', {
        type: 'button', onclick: (e) => busy(e.currentTarget, () => act(
          () => admin.activate(slot.world, slot.name, v.version),
          (r) => `${slot.name} ${r.to} is active (was ${r.from ?? 'none'}).`)),
      }, `Activate ${v.version}`)));
  }

  function slotBlock(slot) {
    const history = h('div', { class: 'history' });
    const details = h('details', {}, h('summary', {}, 'Activation history'), history);
    details.addEventListener('toggle', async () => {
      if (!details.open) return;
      try {
        const detail = await admin.component(slot.world, slot.name);
        fill(history, detail.history.length === 0 ? h('p', {}, 'No activation yet.')
          : h('ol', {}, ...detail.history.map((a) => h('li', {},
            `${when(a.at_unix_ms)}: ${a.kind} ${a.from ?? 'none'} → ${a.to} by ${a.by}`))));
      } catch (e) {
        fill(history, h('p', { class: 'error' }, e.detail));
      }
    });
    return h('article', { class: 'slot', dataset: { world: slot.world, name: slot.name, active: slot.active ?? '' } },
      h('h3', {}, `${slot.world} / ${slot.name}`, ' ', h('span', { class: 'muted' }, `active ${slot.active ?? 'none'}`)),
      h('div', { class: 'table-scroll' }, h('table', { class: 'versions' },
        h('caption', { class: 'visually-hidden' }, `Versions of ${slot.name}`),
        h('thead', {}, h('tr', {}, ...['Version', 'Hash', 'Origin', 'Loaded', 'Calls', 'Failures', 'Fuel', 'Breaker', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...slot.versions.map((v) => versionRow(slot, v))))),
      h('p', {}, h('button', {
        type: 'button', onclick: (e) => busy(e.currentTarget, () => act(
          () => admin.rollback(slot.world, slot.name),
          (r) => `${slot.name} rolled back to ${r.to}.`)),
      }, `Roll back ${slot.name}`)), details);
  }

  let slots = [];
  async function refresh() {
    try {
      slots = await admin.components();
      const open = new Set([...list.querySelectorAll('details[open]')].map((d) => d.closest('.slot').dataset.name));
      keepFocus(list, () => {
        fill(list, slots.length === 0 ? h('p', {}, 'No component is loaded.') : slots.map(slotBlock));
        for (const d of list.querySelectorAll('.slot')) if (open.has(d.dataset.name)) d.querySelector('details').open = true;
      });
    } catch (e) {
      fill(error, e.detail);
    }
    return slots;
  }

  return {
    el: h('div', { class: 'components-panel' }, error, list, form),
    refresh,
    get slots() {
      return slots;
    },
  };
}
