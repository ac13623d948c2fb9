// The arena drawn in SVG: the grid (cells outside the zone shaded), the
// zone's outline, resources and fighters with hit points and shields. One
// SVG user unit is one cell. Cells and fighters answer clicks; a fighter's
// move is a CSS transition, so it glides. Effects are drawn by `effects.js`
// on the `fx` layer.

import { s, fill } from '../dom.js';

export class Board {
  /**
   * `onCell(x, y)` when a cell is clicked, `onFighter(id)` when a fighter
   * is; `label(id)` names a fighter.
   */
  constructor({ onCell, onFighter, label }) {
    this.onCell = onCell;
    this.onFighter = onFighter;
    this.label = label;
    this.size = null;
    this.cells = s('g', { class: 'cells' });
    this.zone = s('rect', { class: 'zone', fill: 'none' });
    this.resources = s('g', { class: 'resources' });
    this.fighters = s('g', { class: 'fighters' });
    this.fx = s('g', { class: 'fx', 'aria-hidden': 'true' });
    this.el = s('svg', {
      class: 'board', role: 'group', 'aria-roledescription': 'arena',
      'aria-label': 'Arena', preserveAspectRatio: 'xMidYMid meet',
    }, this.cells, this.zone, this.resources, this.fighters, this.fx);
    this.el.addEventListener('click', (event) => this.click(event));
  }

  click(event) {
    const fighter = event.target.closest('.fighter');
    if (fighter && !fighter.classList.contains('me')) {
      this.onFighter(fighter.dataset.id);
      return;
    }
    // A cell, or what stands on it (a resource, the player's own fighter).
    const spot = event.target.closest('[data-x]');
    if (spot) this.onCell(Number(spot.dataset.x), Number(spot.dataset.y));
  }

  layout(width, height) {
    if (this.size?.width === width && this.size?.height === height) return;
    this.size = { width, height };
    this.el.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.el.setAttribute('aria-label', `Arena of ${width} by ${height} cells`);
    const cells = [];
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        cells.push(s('rect', {
          class: 'cell', x, y, width: 1, height: 1, dataset: { x, y },
        }));
      }
    }
    fill(this.cells, cells);
  }

  /** Draws `model` as seen by `me`, with `selected` marked as the target. */
  render(model, me, selected) {
    const { config, zone, fighters, resources } = model.state;
    this.layout(config.width, config.height);
    for (const cell of this.cells.children) {
      const x = Number(cell.dataset.x);
      const y = Number(cell.dataset.y);
      const inside = Math.max(Math.abs(x - zone.center.x), Math.abs(y - zone.center.y)) <= zone.radius;
      cell.classList.toggle('outside', !inside);
    }
    const left = Math.max(0, zone.center.x - zone.radius);
    const top = Math.max(0, zone.center.y - zone.radius);
    const right = Math.min(config.width, zone.center.x + zone.radius + 1);
    const bottom = Math.min(config.height, zone.center.y + zone.radius + 1);
    for (const [k, v] of Object.entries({ x: left, y: top, width: right - left, height: bottom - top })) {
      this.zone.setAttribute(k, v);
    }
    fill(this.resources, resources.map((r) => s('g', {
      class: 'resource', dataset: { id: r.id, x: r.pos.x, y: r.pos.y },
      style: `transform: translate(${r.pos.x + 0.5}px, ${r.pos.y + 0.5}px)`,
    }, s('title', {}, `Resource worth ${r.value} at ${r.pos.x}, ${r.pos.y}`),
    s('rect', { class: 'gem', x: -0.18, y: -0.18, width: 0.36, height: 0.36, transform: 'rotate(45)' }),
    s('text', { class: 'gem-value', y: 0.42 }, String(r.value)))));
    this.renderFighters(fighters, me, selected);
  }

  renderFighters(fighters, me, selected) {
    const seen = new Set();
    for (const f of fighters) {
      seen.add(f.id);
      let g = this.fighters.querySelector(`[data-id="${CSS.escape(f.id)}"]`);
      if (!g) {
        g = s('g', { class: 'fighter', dataset: { id: f.id } },
          s('title', {}),
          s('circle', { class: 'shield-ring', r: 0.46 }),
          s('circle', { class: 'body', r: 0.36 }),
          s('text', { class: 'initial', y: 0.13 }),
          s('rect', { class: 'hp-back', x: -0.42, y: -0.56, width: 0.84, height: 0.1 }),
          s('rect', { class: 'hp', x: -0.42, y: -0.56, height: 0.1 }));
        this.fighters.append(g);
      }
      const name = this.label(f.id);
      g.classList.toggle('me', f.id === me);
      g.classList.toggle('enemy', f.id !== me);
      g.classList.toggle('fallen', !f.alive);
      g.classList.toggle('selected', f.id === selected);
      g.classList.toggle('shielded', f.shield > 0);
      g.dataset.x = f.pos.x;
      g.dataset.y = f.pos.y;
      g.dataset.hp = f.hp;
      g.style.transform = `translate(${f.pos.x + 0.5}px, ${f.pos.y + 0.5}px)`;
      g.querySelector('title').textContent = `${name}: ${f.hp}/${f.max_hp} hp, shield ${f.shield}${f.alive ? '' : ', fallen'}`;
      g.querySelector('.initial').textContent = name.slice(0, 1).toUpperCase();
      g.querySelector('.hp').setAttribute('width', String(0.84 * Math.max(0, f.hp) / f.max_hp));
    }
    for (const g of [...this.fighters.children]) {
      if (!seen.has(g.dataset.id)) g.remove();
    }
  }

  /** The centre of cell `pos` in board units. */
  static centre(pos) {
    return { x: pos.x + 0.5, y: pos.y + 0.5 };
  }
}
