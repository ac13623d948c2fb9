// The player's notices (rewards, grants, trades, ...), as the WebSocket
// delivers them in `seq` order: kept for the views that read them (results,
// trades) and shown as short toasts when they are fresh.

import { h, announce, amount, shortId } from './dom.js';

/** Notices older than this at arrival are history: no toast. */
const FRESH_MS = 60_000;
const TOAST_MS = 6_000;
/** Toasts shown at once; an older one goes when a new one comes. */
const MAX_TOASTS = 3;

/** One line of text for a notice. */
export function describe(notice) {
  const b = notice.body || {};
  switch (notice.kind) {
    case 'rewards': {
      const money = (b.currency || []).map(([code, n]) => `${amount(n, { signed: true })} ${code}`);
      const stamps = (b.items || []).filter((i) => i.item_type === 'stamp').length;
      const items = (b.items || []).length - stamps;
      const parts = [...money];
      if (items) parts.push(`${items} item${items > 1 ? 's' : ''}`);
      if (stamps) parts.push(`${stamps} stamp${stamps > 1 ? 's' : ''}`);
      return `Match rewards (place ${b.place ?? '—'}): ${parts.join(', ') || 'nothing'}`;
    }
    case 'grant': {
      const money = (b.currency || []).map((c) => `${amount(c.amount, { signed: true })} ${c.code}`);
      const items = (b.items || []).map((i) => `${i.count} ${i.item_type}`);
      if (b.stamps) items.push(`${b.stamps} stamp${b.stamps > 1 ? 's' : ''}`);
      return `Granted by an operator: ${[...money, ...items].join(', ') || 'nothing'}${b.reason ? ` (${b.reason})` : ''}`;
    }
    case 'trade':
      return `Trade ${b.trade_id ? shortId(b.trade_id) : ''}: ${b.state || 'updated'}`;
    case 'tournament':
      if (b.claimed) return `Tournament ${b.tournament}: rank #${b.claimed.rank}, ${amount(b.claimed.reward)} ${b.claimed.currency} claimed`;
      return `Tournament entry: ${b.state || 'updated'}${b.failure ? ` (${b.failure})` : ''}`;
    default:
      return `${notice.kind}: ${JSON.stringify(b)}`;
  }
}

export class Notices extends EventTarget {
  constructor(live, toastRoot) {
    super();
    this.list = [];
    this.toastRoot = toastRoot;
    live.addEventListener('notice', (e) => this.add(e.detail));
  }

  reset() {
    this.list = [];
  }

  add(notice) {
    this.list.push(notice);
    this.dispatchEvent(new CustomEvent('notice', { detail: notice }));
    if (Date.now() - notice.created_at_ms < FRESH_MS) this.toast(describe(notice));
  }

  /** The notices of `kind` whose body matches `test`. */
  find(kind, test = () => true) {
    return this.list.filter((n) => n.kind === kind && test(n.body || {}));
  }

  toast(text) {
    announce(text);
    if (!this.toastRoot) return;
    const toast = h('div', { class: 'toast', onclick: () => toast.remove() }, text);
    this.toastRoot.append(toast);
    while (this.toastRoot.children.length > MAX_TOASTS) this.toastRoot.firstElementChild.remove();
    setTimeout(() => toast.remove(), TOAST_MS);
  }
}
