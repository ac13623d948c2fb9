// The wallet: one balance per currency (available and held by running
// trades), and each currency's ledger, newest first, page by page.

import { h, fill, amount, when, busy } from '../dom.js';

export function walletView(ctx) {
  const { api, holdings } = ctx;
  let currency = null;
  let before = null;

  const title = h('h2', { id: 'wallet-title', tabindex: '-1' }, 'Wallet');
  const balances = h('div', { class: 'balances' });
  const ledgerTitle = h('h3', { id: 'ledger-title' }, 'Ledger');
  const ledgerBody = h('tbody');
  const more = h('button', { type: 'button', hidden: true, onclick: () => busy(more, () => loadLedger(false)) }, 'Older entries');
  const error = h('p', { class: 'error', role: 'alert' });
  const el = h('section', { class: 'view wallet-view', 'aria-labelledby': 'wallet-title' },
    title, balances, ledgerTitle,
    h('table', { class: 'ledger', 'aria-labelledby': 'ledger-title' },
      h('thead', {}, h('tr', {}, ...['#', 'Amount', 'Balance after', 'Reason', 'Reference', 'When'].map((t) => h('th', { scope: 'col' }, t)))),
      ledgerBody),
    more, error);

  holdings.addEventListener('change', () => renderBalances());

  function renderBalances() {
    const list = holdings.balances;
    if (!holdings.loaded) {
      fill(balances, h('p', {}, holdings.error ? `Could not read the wallet: ${holdings.error.detail}` : 'Loading…'));
      return;
    }
    if (list.length === 0) {
      fill(balances, h('p', {}, 'No money yet: finish a match to earn some.'));
      return;
    }
    fill(balances, h('table', { class: 'balances-table' },
      h('caption', {}, 'Balances'),
      h('thead', {}, h('tr', {}, ...['Currency', 'Available', 'Held', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...list.map((b) => h('tr', { dataset: { currency: b.currency, available: b.available } },
        h('th', { scope: 'row' }, b.currency),
        h('td', { class: 'num' }, amount(b.available)),
        h('td', { class: 'num' }, amount(b.held)),
        h('td', {}, h('button', {
          type: 'button', 'aria-pressed': String(b.currency === currency),
          onclick: () => { currency = b.currency; renderBalances(); loadLedger(true); },
        }, `Ledger of ${b.currency}`)))))));
    if (!currency && list.length) currency = list[0].currency;
  }

  let reading = 0;
  async function loadLedger(fresh) {
    if (!currency) return;
    fill(error);
    if (fresh) before = null;
    const ticket = ++reading;
    fill(ledgerTitle, `Ledger: ${currency}`);
    try {
      const page = await api.ledger(currency, before ?? undefined);
      if (ticket !== reading) return;
      if (fresh) ledgerBody.replaceChildren();
      ledgerBody.append(...page.entries.map((e) => h('tr', {},
        h('td', { class: 'num' }, String(e.version)),
        h('td', { class: `num ${e.amount < 0 ? 'debit' : 'credit'}` }, amount(e.amount, { signed: true })),
        h('td', { class: 'num' }, amount(e.available_after)),
        h('td', {}, e.reason), h('td', {}, h('code', {}, e.reference)), h('td', {}, when(e.created_at_ms)))));
      before = page.next_before;
      more.hidden = !before;
    } catch (e) {
      fill(error, e.detail);
    }
  }

  return {
    el,
    title: 'Wallet',
    async enter() {
      title.focus();
      renderBalances();
      await holdings.refresh();
      loadLedger(true);
    },
    leave() {},
  };
}
