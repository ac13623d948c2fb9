// The arena's buttons: a direction pad, the actions with their keys, and the
// stamp seal toggle, for mouse, touch and keyboard alike. Each button raises
// the same intent as its key (see `input.js`).

import { h } from '../dom.js';

function button(label, intent, onIntent, { keys, cls = '' } = {}) {
  return h('button', {
    type: 'button', class: `act ${cls}`, 'aria-keyshortcuts': keys,
    dataset: { intent: intent.type, arg: intent.direction || intent.ability || '' },
    onclick: () => onIntent(intent),
  }, label);
}

/** Builds the controls; answers `{el, seal}` (`seal` is the toggle). */
export function buildControls(onIntent) {
  const move = (direction, label, keys) => button(label, { type: 'move', direction }, onIntent, { keys, cls: `pad-${direction}` });
  const pad = h('div', { class: 'pad', role: 'group', 'aria-label': 'Move' },
    move('north', '↑ North', 'ArrowUp w'),
    move('west', '← West', 'ArrowLeft a'),
    move('east', 'East →', 'ArrowRight d'),
    move('south', '↓ South', 'ArrowDown s'));
  const seal = h('button', {
    type: 'button', class: 'act seal-toggle', 'aria-pressed': 'false', 'aria-keyshortcuts': 't',
    onclick: () => onIntent({ type: 'seal' }),
  }, '✦ Seal with a stamp');
  const actions = h('div', { class: 'actions', role: 'group', 'aria-label': 'Actions' },
    button('Attack (F)', { type: 'attack' }, onIntent, { keys: 'f', cls: 'attack' }),
    button('Defend (E)', { type: 'defend' }, onIntent, { keys: 'e' }),
    button('Collect (C)', { type: 'collect' }, onIntent, { keys: 'c' }),
    button('Whirlwind (1)', { type: 'special', ability: 'whirlwind' }, onIntent, { keys: '1', cls: 'special' }),
    button('Dash (2)', { type: 'special', ability: 'dash' }, onIntent, { keys: '2', cls: 'special' }),
    button('Heal (3)', { type: 'special', ability: 'heal' }, onIntent, { keys: '3', cls: 'special' }),
    seal);
  const el = h('div', { class: 'controls' }, pad, actions);
  return { el, seal };
}
