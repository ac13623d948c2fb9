// The fighters as a table: hit points, shield, energy, score, where they
// stand, and a button to choose an enemy as the target, so everything the
// board shows can be read and chosen without it.

import { h, fill, keepFocus } from '../dom.js';

export class FighterTable {
  constructor(label, onTarget) {
    this.label = label;
    this.onTarget = onTarget;
    this.body = h('tbody');
    this.table = h('table', { class: 'fighters-table' },
      h('caption', {}, 'Fighters'),
      h('thead', {}, h('tr', {},
        ...['Fighter', 'HP', 'Shield', 'Energy', 'Score', 'Cell', ''].map((t) => h('th', { scope: 'col' }, t)))),
      this.body);
    this.el = h('div', { class: 'table-scroll' }, this.table);
  }

  render(model, me, selected) {
    keepFocus(this.body, () => this.fillRows(model, me, selected));
  }

  fillRows(model, me, selected) {
    fill(this.body, model.state.fighters.map((f) => h('tr', {
      class: [f.id === me ? 'me' : 'enemy', f.alive ? '' : 'fallen'].join(' '),
      dataset: { id: f.id, x: f.pos.x, y: f.pos.y, hp: f.hp },
    },
    h('th', { scope: 'row' }, this.label(f.id), f.alive ? '' : ' (fallen)'),
    h('td', { class: 'hp-cell' }, h('meter', {
      min: 0, max: f.max_hp, low: f.max_hp * 0.3, high: f.max_hp * 0.6, optimum: f.max_hp,
      value: Math.max(0, f.hp), 'aria-label': `${this.label(f.id)} hit points`,
    }), ` ${Math.max(0, f.hp)}`),
    h('td', {}, String(f.shield)),
    h('td', {}, String(f.energy)),
    h('td', {}, String(f.score)),
    h('td', {}, `${f.pos.x},${f.pos.y}`),
    h('td', {}, f.id === me || !f.alive ? '' : h('button', {
      type: 'button', class: 'target', 'aria-pressed': String(f.id === selected), dataset: { focusKey: `target-${f.id}` },
      onclick: () => this.onTarget(f.id),
    }, f.id === selected ? 'Target ✓' : 'Target')))));
  }
}
