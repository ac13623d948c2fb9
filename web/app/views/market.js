// The marketplace: listings filtered and sorted, page by page; buying one
// starts a trade saga whose steps are shown live as they pass; selling puts
// an owned item up at a price; the player's own listings can be withdrawn.
// A host without the market routes answers 404: the market shows as closed.

import { h, fill, field, amount, busy, shortId, when, announce } from '../dom.js';
import { sagaBlock } from '../economy/saga.js';
import { TERMINAL } from '../economy/trades.js';

const PAGE = 20;

export function marketView(ctx) {
  const { api, session, holdings, trades } = ctx;
  let cursor = null;
  let open = true;
  const seenEnded = new Set();

  const title = h('h2', { id: 'market-title', tabindex: '-1' }, 'Marketplace');
  const closed = h('p', { class: 'notice-closed', hidden: true, role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });

  // Filters
  const fType = h('input', { name: 'item_type', placeholder: 'any' });
  const fSeller = h('input', { name: 'seller', placeholder: 'any' });
  const fCurrency = h('input', { name: 'currency', placeholder: 'any' });
  const fMin = h('input', { name: 'min_price', type: 'number', min: 0, inputmode: 'numeric' });
  const fMax = h('input', { name: 'max_price', type: 'number', min: 0, inputmode: 'numeric' });
  const fSort = h('select', { name: 'sort' },
    h('option', { value: 'price' }, 'Price, low to high'), h('option', { value: '-price' }, 'Price, high to low'),
    h('option', { value: '-created' }, 'Newest first'), h('option', { value: 'created' }, 'Oldest first'));
  const search = h('button', { type: 'submit' }, 'Search');
  const filters = h('form', { class: 'filters', 'aria-label': 'Filter listings' },
    field('Item type', fType), field('Seller', fSeller), field('Currency', fCurrency),
    field('Min price', fMin), field('Max price', fMax), field('Sort', fSort), search);

  const body = h('tbody');
  const more = h('button', { type: 'button', hidden: true, onclick: () => busy(more, () => load(false)) }, 'More listings');
  const listings = h('div', { class: 'listings' },
    h('table', { class: 'listings-table' },
      h('caption', {}, 'Listings'),
      h('thead', {}, h('tr', {}, ...['Item', 'Price', 'Seller', 'State', 'Listed', ''].map((t) => h('th', { scope: 'col' }, t)))),
      body), more);

  // Selling
  const sItem = h('select', { name: 'item_id', required: true });
  const sCurrency = h('input', { name: 'currency', value: 'gold', required: true });
  const sPrice = h('input', { name: 'price', type: 'number', min: 1, step: 1, required: true, inputmode: 'numeric' });
  const sell = h('button', { type: 'submit', class: 'primary' }, 'List for sale');
  const sellForm = h('form', { class: 'sell-form', 'aria-labelledby': 'sell-title' },
    h('h3', { id: 'sell-title' }, 'Sell an item'),
    field('Item', sItem), field('Currency', sCurrency), field('Price', sPrice), sell);

  const progress = h('div', { class: 'trade-progress', 'aria-live': 'polite', 'aria-label': 'Your trades' });
  const el = h('section', { class: 'view market-view', 'aria-labelledby': 'market-title' },
    title, closed, error,
    h('div', { class: 'market-body' }, filters, listings, sellForm,
      h('h3', {}, 'Your trades'), progress));

  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(search, () => load(true));
  });
  sellForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (sellForm.reportValidity()) busy(sell, list);
  });
  holdings.addEventListener('change', renderSellable);
  trades.addEventListener('trade', () => renderTrades());

  function query() {
    const q = { sort: fSort.value, limit: PAGE };
    for (const input of [fType, fSeller, fCurrency, fMin, fMax]) if (input.value) q[input.name] = input.value;
    return q;
  }

  function setOpen(isOpen, why) {
    open = isOpen;
    closed.hidden = isOpen;
    el.querySelector('.market-body').hidden = !isOpen;
    if (!isOpen) fill(closed, why);
  }

  async function load(fresh) {
    fill(error);
    if (fresh) cursor = null;
    try {
      const page = await api.listings({ ...query(), cursor: cursor ?? undefined });
      setOpen(true);
      if (fresh) body.replaceChildren();
      body.append(...page.listings.map(row));
      if (fresh && page.listings.length === 0) body.append(h('tr', {}, h('td', { colspan: 6 }, 'No listing matches.')));
      cursor = page.next;
      more.hidden = !cursor;
    } catch (e) {
      if (e.status === 404) setOpen(false, 'The marketplace is not open on this host yet.');
      else fill(error, e.detail);
    }
  }

  function row(l) {
    const mine = l.seller === session.playerId;
    const action = l.state !== 'open' ? ''
      : mine ? h('button', { type: 'button', onclick: (e) => busy(e.currentTarget, () => unlist(l)) }, 'Withdraw')
        : h('button', { type: 'button', class: 'primary', onclick: (e) => busy(e.currentTarget, () => buy(l)) }, `Buy for ${amount(l.price)} ${l.currency}`);
    return h('tr', { class: mine ? 'mine' : '', dataset: { listingId: l.id, itemId: l.item_id, type: l.item_type, price: l.price } },
      h('th', { scope: 'row' }, l.item_type, h('br'), h('small', {}, h('code', {}, l.item_id))),
      h('td', { class: 'num' }, `${amount(l.price)} ${l.currency}`),
      h('td', {}, mine ? 'you' : ctx.names.of(l.seller)),
      h('td', {}, l.state), h('td', {}, when(l.created_at_ms)), h('td', {}, action));
  }

  async function buy(listing) {
    fill(error);
    try {
      const { data: trade } = await api.buy(listing.id);
      trades.track(trade);
      announce(`Trade started: ${trade.state}`);
    } catch (e) {
      fill(error, e.detail);
    }
    await load(true);
  }

  async function unlist(listing) {
    fill(error);
    try {
      await api.unlist(listing.id);
      announce('Listing withdrawn.');
      holdings.refresh();
    } catch (e) {
      fill(error, e.detail);
    }
    await load(true);
  }

  async function list() {
    fill(error);
    try {
      const listing = await api.list(sItem.value, sCurrency.value, Number(sPrice.value));
      announce(`Listed ${listing.item_type} for ${listing.price} ${listing.currency}.`);
      sPrice.value = '';
      holdings.refresh();
      await load(true);
    } catch (e) {
      fill(error, e.detail);
    }
  }

  function renderSellable(preselect) {
    const chosen = typeof preselect === 'string' ? preselect : sItem.value;
    const items = holdings.owned();
    fill(sItem, items.length === 0 ? h('option', { value: '' }, 'Nothing to sell')
      : items.map((i) => h('option', { value: i.item_id, selected: i.item_id === chosen }, `${i.item_type} (${shortId(i.item_id)})`)));
  }

  function renderTrades() {
    const list = trades.list();
    fill(progress, list.length === 0 ? h('p', {}, 'No trade yet.') : list.map((t) => sagaBlock(t, session.playerId)));
    const ended = list.filter((t) => TERMINAL.has(t.state) && !seenEnded.has(t.id));
    for (const t of ended) seenEnded.add(t.id);
    if (ended.length && open) load(true);
  }

  return {
    el,
    title: 'Marketplace',
    async enter(params) {
      title.focus();
      renderTrades();
      await load(true);
      if (!open) return;
      await holdings.refresh();
      renderSellable(params?.sell);
      if (params?.sell) sPrice.focus();
    },
    leave() {},
  };
}
