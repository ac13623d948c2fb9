// The match's log in words: each committed action with what it did, the
// zone's moves and the end. A stamped action shows the seal it was sealed
// with. Newest first, in seq order whatever order entries are added in,
// each once, bounded.

import { h } from '../dom.js';
import { effectOf } from './model.js';

const MAX_LINES = 60;

function describeAction(action, effects, name) {
  const kind = action.kind;
  const who = name(action.actor);
  const dmg = effects.map(effectOf).filter(([k]) => k === 'Damaged').map(([, e]) => e);
  const hits = dmg.map((d) => `${name(d.target)} −${d.amount}${d.critical ? ' (critical!)' : ''}`).join(', ');
  if (typeof kind === 'string') {
    if (kind === 'Defend') {
      const shield = effects.map(effectOf).find(([k]) => k === 'Shielded')?.[1];
      return `${who} defended${shield ? ` (shield ${shield.shield})` : ''}`;
    }
    if (kind === 'Collect') {
      const got = effects.map(effectOf).find(([k]) => k === 'Collected')?.[1];
      return `${who} collected${got ? ` a resource worth ${got.value}` : ''}`;
    }
    return `${who}: ${kind}`;
  }
  const fallen = effects.map(effectOf).filter(([k]) => k === 'Died').map(([, e]) => name(e));
  const end = fallen.length ? ` — ${fallen.join(', ')} fell` : '';
  return describeKind(kind, who, hits, effects, name) + end;
}

function describeKind(kind, who, hits, effects, name) {
  if (kind.Move) return `${who} moved ${kind.Move.toLowerCase()}`;
  if (kind.Attack) return `${who} attacked ${name(kind.Attack)}${hits ? `: ${hits}` : ''}`;
  if (kind.Special) {
    const healed = effects.map(effectOf).find(([k]) => k === 'Healed')?.[1];
    const extra = hits || (healed ? `+${healed.amount} hp` : '');
    return `${who} used ${kind.Special.toLowerCase()}${extra ? `: ${extra}` : ''}`;
  }
  return `${who} acted`;
}

export class MatchLog {
  constructor(name) {
    this.name = name;
    this.el = h('ol', { class: 'match-log', role: 'log', 'aria-label': 'Match log', reversed: true });
  }

  clear() {
    this.el.replaceChildren();
  }

  add(items) {
    for (const item of items) {
      if (this.el.querySelector(`[data-seq="${item.seq}"]`)) continue;
      const line = this.line(item);
      if (!line) continue;
      const after = [...this.el.children].find((li) => Number(li.dataset.seq) < item.seq);
      this.el.insertBefore(line, after || null);
    }
    while (this.el.children.length > MAX_LINES) this.el.lastElementChild.remove();
  }

  line(item) {
    const { entry, effects } = item;
    const time = `${Math.floor(item.at_ms / 1000)}s`;
    if (entry.kind === 'action') {
      const a = entry.action;
      return h('li', { class: a.stamped ? 'sealed' : '', dataset: { seq: item.seq } },
        h('span', { class: 'at' }, time),
        a.stamped ? h('span', { class: 'seal-badge', title: `sealed by stamp ${a.id}` }, '✦ sealed') : null,
        ' ', describeAction(a, effects, this.name));
    }
    if (entry.kind === 'finish') {
      const winner = entry.result.placings.find((p) => p.place === 1);
      return h('li', { class: 'finish', dataset: { seq: item.seq } }, h('span', { class: 'at' }, time),
        ` Match over${winner ? `: ${this.name(winner.player)} wins` : ''}`);
    }
    const notable = effects.map(effectOf).filter(([k]) => ['ZoneShrunk', 'Died', 'Damaged'].includes(k));
    if (notable.length === 0) return null;
    const words = notable.map(([k, e]) => {
      if (k === 'ZoneShrunk') return `the zone shrinks to radius ${e.radius}`;
      if (k === 'Died') return `${this.name(e)} has fallen`;
      return `${this.name(e.target)} −${e.amount} (zone)`;
    });
    return h('li', { class: 'tick', dataset: { seq: item.seq } }, h('span', { class: 'at' }, time), ` ${words.join('; ')}`);
  }
}
