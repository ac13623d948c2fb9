// Trades the player started or took part in during this visit, followed to
// their end: a trade saga moves INITIATED -> FUNDS_RESERVED -> ITEM_LOCKED
// -> COMPLETED, or through COMPENSATING to FAILED. Progress comes from the
// `trade` notices pushed on the WebSocket, each followed by a read of the
// trade; while a trade runs it is also read every so often, in case a
// notice is late. Emits `trade` with the trade.

export const TERMINAL = new Set(['COMPLETED', 'FAILED']);
/** How often a running trade is read, and how many times at most. */
const POLL_MS = 700;
const MAX_POLLS = 120;

export class Trades extends EventTarget {
  constructor(api, notices, holdings) {
    super();
    this.api = api;
    this.holdings = holdings;
    this.known = new Map();
    this.polls = new Map();
    notices.addEventListener('notice', (e) => {
      const n = e.detail;
      if (n.kind === 'trade' && n.body?.trade_id) this.refresh(n.body.trade_id);
    });
  }

  /** Keeps `trade` and follows it until it ends. */
  track(trade) {
    this.update(trade);
    if (!TERMINAL.has(trade.state)) this.poll(trade.id, 0);
  }

  update(trade) {
    const before = this.known.get(trade.id);
    this.known.set(trade.id, trade);
    this.dispatchEvent(new CustomEvent('trade', { detail: trade }));
    if (TERMINAL.has(trade.state) && !TERMINAL.has(before?.state)) this.holdings.refresh();
  }

  async refresh(id) {
    try {
      this.update(await this.api.trade(id));
    } catch {
      // A trade the player cannot read (not theirs) is not shown.
    }
  }

  poll(id, round) {
    clearTimeout(this.polls.get(id));
    if (round >= MAX_POLLS) return;
    this.polls.set(id, setTimeout(async () => {
      await this.refresh(id);
      const trade = this.known.get(id);
      if (trade && !TERMINAL.has(trade.state)) this.poll(id, round + 1);
    }, POLL_MS));
  }

  list() {
    return [...this.known.values()].reverse();
  }

  reset() {
    for (const timer of this.polls.values()) clearTimeout(timer);
    this.known.clear();
    this.polls.clear();
  }
}
