// What the arena's effects look like: floating numbers for damage (larger
// and gold for a critical hit), heals and collected resources, a flash on a
// hit fighter, a pulse on a raised shield or a shrinking zone, and a seal
// pressed onto the fighter whose action a stamp sealed. Drawn on the
// board's `fx` layer and removed when their animation ends.

import { s } from '../dom.js';
import { effectOf } from './model.js';

const LIFETIME_MS = 1200;

function floating(board, pos, text, kind) {
  const node = s('text', { class: `float ${kind}`, x: pos.x + 0.5, y: pos.y + 0.2 }, text);
  board.fx.append(node);
  setTimeout(() => node.remove(), LIFETIME_MS);
}

function flash(board, id, kind) {
  const g = board.fighters.querySelector(`[data-id="${CSS.escape(id)}"]`);
  if (!g) return;
  g.classList.remove(kind);
  // Restart the animation if it is still running.
  void g.getBoundingClientRect();
  g.classList.add(kind);
  setTimeout(() => g.classList.remove(kind), LIFETIME_MS);
}

function seal(board, pos) {
  const c = { x: pos.x + 0.5, y: pos.y + 0.5 };
  // The outer group places the seal; the inner one scales around its centre.
  const node = s('g', { style: `transform: translate(${c.x}px, ${c.y}px)` },
    s('g', { class: 'seal-slam' }, s('circle', { r: 0.34 }), s('text', { y: 0.12 }, '✦')));
  board.fx.append(node);
  setTimeout(() => node.remove(), LIFETIME_MS);
}

/** Animates the effects of committed entries `items` on `board`. */
export function animate(board, model, items) {
  for (const item of items) {
    const action = item.entry.kind === 'action' ? item.entry.action : null;
    if (action?.stamped) {
      const actor = model.fighter(action.actor);
      if (actor) seal(board, actor.pos);
    }
    for (const effect of item.effects) {
      const [kind, e] = effectOf(effect);
      const at = (id) => model.fighter(id)?.pos;
      switch (kind) {
        case 'Damaged': {
          const pos = at(e.target);
          if (!pos) break;
          floating(board, pos, e.critical ? `CRIT −${e.amount}` : `−${e.amount}`, e.critical ? 'crit' : 'damage');
          flash(board, e.target, e.critical ? 'hit-crit' : 'hit');
          break;
        }
        case 'Healed': {
          const pos = at(e.player);
          if (pos) floating(board, pos, `+${e.amount}`, 'heal');
          break;
        }
        case 'Shielded':
          flash(board, e.player, 'shield-up');
          break;
        case 'Collected': {
          const pos = at(e.player);
          if (pos) floating(board, pos, `+${e.value}`, 'loot');
          break;
        }
        case 'Died':
          flash(board, e, 'dying');
          break;
        case 'ZoneShrunk':
          board.zone.classList.remove('shrinking');
          void board.zone.getBoundingClientRect();
          board.zone.classList.add('shrinking');
          break;
        default:
          break;
      }
    }
  }
}
