// The inventory: the player's unspent items (stamps among them), counted by
// type and listed one by one, with a way to sell an item on the market or
// offer it in a trade.

import { h, fill, when, field } from '../dom.js';

export function inventoryView(ctx) {
  const { holdings } = ctx;
  const title = h('h2', { id: 'inventory-title', tabindex: '-1' }, 'Inventory');
  const counts = h('div', { class: 'item-counts' });
  const filter = h('select', { name: 'type' }, h('option', { value: '' }, 'All types'));
  const body = h('tbody');
  const el = h('section', { class: 'view inventory-view', 'aria-labelledby': 'inventory-title' },
    title, counts, field('Show', filter),
    h('table', { class: 'items-table' },
      h('caption', {}, 'Items'),
      h('thead', {}, h('tr', {}, ...['Item', 'Type', 'State', 'From', 'Since', ''].map((t) => h('th', { scope: 'col' }, t)))),
      body));

  filter.addEventListener('change', render);
  holdings.addEventListener('change', render);

  function render() {
    if (!holdings.loaded) {
      fill(counts, h('p', {}, holdings.error ? `Could not read the inventory: ${holdings.error.detail}` : 'Loading…'));
      return;
    }
    const byType = new Map();
    for (const item of holdings.items) byType.set(item.item_type, (byType.get(item.item_type) || 0) + 1);
    fill(counts, byType.size === 0 ? h('p', {}, 'Nothing yet: matches drop items and stamps.')
      : h('ul', { class: 'chips' }, ...[...byType].map(([type, n]) => h('li', {
        class: type === 'stamp' ? 'chip stamp' : 'chip', dataset: { type, count: n },
      }, type === 'stamp' ? '✦ ' : '', `${type} × ${n}`))));
    const chosen = filter.value;
    fill(filter, h('option', { value: '' }, 'All types'),
      ...[...byType.keys()].map((type) => h('option', { value: type, selected: type === chosen }, type)));
    const items = holdings.items.filter((i) => !chosen || i.item_type === chosen);
    fill(body, ...items.map((i) => h('tr', { class: i.item_type === 'stamp' ? 'stamp' : '', dataset: { itemId: i.item_id, type: i.item_type, state: i.state } },
      h('th', { scope: 'row' }, h('code', {}, i.item_id)),
      h('td', {}, i.item_type), h('td', {}, i.state), h('td', {}, h('code', {}, i.source)), h('td', {}, when(i.created_at_ms)),
      h('td', { class: 'row-actions' }, i.state === 'owned' ? [
        h('button', { type: 'button', onclick: () => ctx.go('market', { sell: i.item_id }) }, 'Sell'), ' ',
        h('button', { type: 'button', onclick: () => ctx.go('trades', { give: i.item_id }) }, 'Offer'),
      ] : ''))));
  }

  return {
    el,
    title: 'Inventory',
    async enter() {
      title.focus();
      render();
      await holdings.refresh();
    },
    leave() {},
  };
}
