// The operator console: asks for the operator token (kept for this tab
// only), then shows the game's components (versions, activation, upload,
// pins, breakers, call rates) and its event pipeline (lag, dead letters) and
// live metrics, read again every few seconds.

import { h, fill, field, busy } from '../dom.js';
import { createAdminApi } from '../admin-api.js';
import { componentsPanel } from './components.js';
import { pinsPanel } from './pins.js';
import { breakersPanel } from './breakers.js';
import { callsPanel } from './calls.js';
import { pipelinePanel } from './pipeline.js';
import { metricsPanel } from './metrics.js';

const KEY = 'idempo.console';
const REFRESH_MS = 3000;

export function startConsole(root) {
  let saved = {};
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) || '{}');
  } catch {
    sessionStorage.removeItem(KEY);
  }
  let token = saved.token || '';
  let game = saved.game || 'default';
  const admin = createAdminApi(() => token, () => game);

  const tokenInput = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true });
  const gameInput = h('input', { name: 'game', value: game, required: true, spellcheck: 'false' });
  const gateError = h('p', { class: 'error', role: 'alert' });
  const enter = h('button', { type: 'submit', class: 'primary' }, 'Open the console');
  const gate = h('form', { class: 'gate', 'aria-labelledby': 'gate-title' },
    h('h2', { id: 'gate-title' }, 'Operator sign-in'),
    field('Operator token', tokenInput, 'The host\'s configured operator token; never a player\'s'),
    field('Game', gameInput), enter, gateError);

  const components = componentsPanel(admin, () => tick());
  const pins = pinsPanel(admin);
  const breakers = breakersPanel(admin);
  const calls = callsPanel();
  const pipeline = pipelinePanel(admin);
  const metrics = metricsPanel();
  const stamp = h('p', { class: 'refreshed', role: 'status', 'aria-live': 'off' });

  const section = (id, title, ...body) => h('section', { id, class: 'panel', 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title`, tabindex: '-1' }, title), ...body);
  const desk = h('div', { class: 'desk', hidden: true },
    section('components', 'Components', components.el),
    section('pins', 'Match pins', pins.el),
    section('breakers', 'Breakers', breakers.el),
    section('calls', 'Component calls', calls.el),
    section('pipeline', 'Event pipeline', pipeline.el),
    section('metrics', 'Live metrics', metrics.el),
    stamp);

  const signOut = h('button', { type: 'button', class: 'quiet', hidden: true, onclick: () => close() }, 'Sign out');
  const nav = h('nav', { class: 'main-nav', 'aria-label': 'Console', hidden: true }, h('ul', {},
    ...[['components', 'Components'], ['pins', 'Pins'], ['breakers', 'Breakers'], ['calls', 'Calls'],
      ['pipeline', 'Pipeline'], ['metrics', 'Metrics']].map(([id, label]) => h('li', {}, h('a', {
      href: `#${id}`, onclick: (e) => { e.preventDefault(); document.getElementById(`${id}-title`).focus(); document.getElementById(id).scrollIntoView(); },
    }, label)))));
  const main = h('main', { id: 'main', tabindex: '-1' }, gate, desk);
  fill(root,
    h('a', { class: 'skip', href: '#main', onclick: (e) => { e.preventDefault(); main.focus(); } }, 'Skip to content'),
    h('header', { class: 'app-head' }, h('h1', {}, 'idempo console'), nav,
      h('div', { class: 'account' }, signOut), h('a', { class: 'console-link', href: './' }, 'Player arena')),
    main);

  let timer = null;
  let running = false;
  async function tick() {
    if (running) return;
    running = true;
    try {
      const slots = await components.refresh();
      calls.update(slots);
      await Promise.all([breakers.refresh(), pins.refresh(), pipeline.refresh(), metrics.refresh()]);
      fill(stamp, `Read at ${new Date().toLocaleTimeString()}`);
    } finally {
      running = false;
    }
  }

  async function open() {
    fill(gateError);
    try {
      await admin.components();
    } catch (e) {
      fill(gateError, e.status === 401 ? 'The host refused this token.' : e.detail);
      return false;
    }
    sessionStorage.setItem(KEY, JSON.stringify({ token, game }));
    gate.hidden = true;
    desk.hidden = false;
    nav.hidden = false;
    signOut.hidden = false;
    await tick();
    clearInterval(timer);
    timer = setInterval(tick, REFRESH_MS);
    document.getElementById('components-title').focus();
    return true;
  }

  function close() {
    clearInterval(timer);
    token = '';
    sessionStorage.removeItem(KEY);
    desk.hidden = true;
    nav.hidden = true;
    signOut.hidden = true;
    gate.hidden = false;
    tokenInput.value = '';
    tokenInput.focus();
  }

  gate.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!gate.reportValidity()) return;
    token = tokenInput.value;
    game = gameInput.value.trim();
    busy(enter, open);
  });

  document.title = 'idempo console';
  if (token) open();
  else tokenInput.focus();
}
