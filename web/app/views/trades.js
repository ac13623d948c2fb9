// Trades between players: offers (items and currency given for items and
// currency wanted), received and sent, to accept, decline or cancel; and
// the player's trades, market buys and sales and accepted offers alike,
// each saga shown step by step (running ones followed live). A host
// without the routes shows them as closed.

import { h, fill, field, busy, shortId, announce } from '../dom.js';
import { sagaBlock, describeSide } from '../economy/saga.js';

function currencyLines(code, value) {
  const n = Number(value);
  return code && n > 0 ? [{ currency: code, amount: n }] : [];
}


export function tradesView(ctx) {
  const { api, session, holdings, trades } = ctx;
  let preselect = null;

  const title = h('h2', { id: 'trades-title', tabindex: '-1' }, 'Trades');
  const closed = h('p', { class: 'notice-closed', hidden: true, role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });

  const to = h('input', { name: 'to', required: true, spellcheck: 'false', placeholder: 'player id' });
  const giveItems = h('fieldset', { class: 'give-items' }, h('legend', {}, 'Items you give'));
  const giveCode = h('input', { name: 'give_currency', value: 'gold' });
  const giveAmount = h('input', { name: 'give_amount', type: 'number', min: 0, step: 1, inputmode: 'numeric' });
  const wantItems = h('input', { name: 'want_items', spellcheck: 'false', placeholder: 'item ids, comma separated' });
  const wantCode = h('input', { name: 'want_currency', value: 'gold' });
  const wantAmount = h('input', { name: 'want_amount', type: 'number', min: 0, step: 1, inputmode: 'numeric' });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send offer');
  const offerForm = h('form', { class: 'offer-form', 'aria-labelledby': 'offer-title' },
    h('h3', { id: 'offer-title' }, 'Make an offer'),
    field('To player', to), giveItems,
    h('div', { class: 'row' }, field('You give: currency', giveCode), field('amount', giveAmount)),
    field('Items you want', wantItems),
    h('div', { class: 'row' }, field('You want: currency', wantCode), field('amount', wantAmount)),
    send);
  const offersEl = h('div', { class: 'offers' });
  const sagas = h('div', { class: 'trade-progress', 'aria-live': 'polite' });
  const body = h('div', { class: 'trades-body' },
    h('h3', {}, 'Offers'), offersEl, offerForm, h('h3', {}, 'Your trades'), sagas);
  const el = h('section', { class: 'view trades-view', 'aria-labelledby': 'trades-title' }, title, closed, error, body);

  offerForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (offerForm.reportValidity()) busy(send, makeOffer);
  });
  holdings.addEventListener('change', renderGive);
  trades.addEventListener('trade', renderSagas);

  function setOpen(isOpen) {
    closed.hidden = isOpen;
    body.hidden = !isOpen;
    if (!isOpen) fill(closed, 'Trading between players is not open on this host yet.');
  }

  function renderGive() {
    const checked = new Set([...giveItems.querySelectorAll('input:checked')].map((i) => i.value));
    if (preselect) checked.add(preselect);
    const items = holdings.owned();
    fill(giveItems, h('legend', {}, 'Items you give'),
      items.length === 0 ? h('p', {}, 'No item to give.')
        : items.map((i) => h('label', { class: 'check' },
          h('input', { type: 'checkbox', name: 'give_item', value: i.item_id, checked: checked.has(i.item_id) }),
          ` ${i.item_type} (${shortId(i.item_id)})`)));
  }

  function renderSagas() {
    const list = trades.list();
    fill(sagas, list.length === 0 ? h('p', {}, 'No trade yet.') : list.map((t) => sagaBlock(t, session.playerId)));
  }

  async function loadTrades() {
    try {
      const page = await api.trades();
      for (const t of page.trades.slice().reverse()) trades.track(t);
      renderSagas();
    } catch (e) {
      if (e.status !== 404) fill(error, e.detail);
    }
  }

  async function loadOffers() {
    try {
      const answer = await api.offers();
      setOpen(true);
      const offers = Array.isArray(answer) ? answer : answer.offers || [];
      fill(offersEl, offers.length === 0 ? h('p', {}, 'No offer yet.') : h('ul', { class: 'offer-list' }, ...offers.map(offerItem)));
    } catch (e) {
      if (e.status === 404) setOpen(false);
      else fill(error, e.detail);
    }
  }

  function offerItem(o) {
    const incoming = o.to === session.playerId;
    const actions = [];
    if (o.state === 'open' && incoming) {
      actions.push(h('button', { type: 'button', class: 'primary', onclick: (e) => busy(e.currentTarget, () => respond(o, 'accept')) }, 'Accept'),
        ' ', h('button', { type: 'button', onclick: (e) => busy(e.currentTarget, () => respond(o, 'decline')) }, 'Decline'));
    } else if (o.state === 'open') {
      actions.push(h('button', { type: 'button', onclick: (e) => busy(e.currentTarget, () => respond(o, 'cancel')) }, 'Cancel'));
    }
    return h('li', { class: `offer ${o.state}`, dataset: { offerId: o.id, state: o.state } },
      h('strong', {}, incoming ? `From ${ctx.names.of(o.from)}` : `To ${ctx.names.of(o.to)}`), ': ',
      `gives ${describeSide(o.give)} for ${describeSide(o.want)} `, h('span', { class: 'badge' }, o.state), ' ', ...actions);
  }

  async function respond(offer, how) {
    fill(error);
    try {
      if (how === 'accept') {
        const { data: trade } = await api.acceptOffer(offer.id);
        trades.track(trade);
      } else if (how === 'decline') await api.declineOffer(offer.id);
      else await api.cancelOffer(offer.id);
      announce(`Offer ${how === 'accept' ? 'accepted' : how === 'decline' ? 'declined' : 'cancelled'}.`);
    } catch (e) {
      fill(error, e.detail);
    }
    await loadOffers();
  }

  async function makeOffer() {
    fill(error);
    const give = {
      items: [...giveItems.querySelectorAll('input:checked')].map((i) => i.value),
      currency: currencyLines(giveCode.value, giveAmount.value),
    };
    const want = {
      items: wantItems.value.split(',').map((s) => s.trim()).filter(Boolean),
      currency: currencyLines(wantCode.value, wantAmount.value),
    };
    try {
      await api.offer(to.value.trim(), give, want);
      announce('Offer sent.');
      preselect = null;
      offerForm.reset();
      renderGive();
      await loadOffers();
    } catch (e) {
      fill(error, e.detail);
    }
  }

  return {
    el,
    title: 'Trades',
    async enter(params) {
      title.focus();
      preselect = params?.give || null;
      renderSagas();
      await loadOffers();
      if (!body.hidden) await loadTrades();
      await holdings.refresh();
      renderGive();
    },
    leave() {},
  };
}
