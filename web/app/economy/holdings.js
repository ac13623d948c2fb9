// What the player holds: balances and unspent items, fetched together and
// refreshed when a notice says they changed (rewards, grants, trades) or a
// view spends something. Views read it and listen to `change`.

/** Inventory pages read at most per refresh (100 items each). */
const MAX_PAGES = 10;

export class Holdings extends EventTarget {
  constructor(api, notices) {
    super();
    this.api = api;
    this.balances = [];
    this.items = [];
    this.loaded = false;
    this.pending = null;
    this.again = false;
    notices.addEventListener('notice', () => this.refresh());
  }

  /**
   * Fetches wallet and inventory. A call while a fetch runs shares it and
   * asks for one more after it, so no change is read too early. Never
   * rejects: a failure is kept in `error` for the views to show.
   */
  refresh() {
    if (this.pending) {
      this.again = true;
      return this.pending;
    }
    this.again = false;
    this.pending = (async () => {
      try {
        const wallet = await this.api.wallet();
        const items = [];
        let after;
        for (let page = 0; page < MAX_PAGES; page += 1) {
          const answer = await this.api.inventory({ after });
          items.push(...answer.items);
          if (!answer.next_after) break;
          after = answer.next_after;
        }
        this.balances = wallet.balances;
        this.items = items;
        this.loaded = true;
        this.error = null;
      } catch (error) {
        this.error = error;
      } finally {
        this.pending = null;
      }
      this.dispatchEvent(new Event('change'));
      if (this.again) await this.refresh();
    })();
    return this.pending;
  }

  balance(currency) {
    return this.balances.find((b) => b.currency === currency)?.available ?? 0;
  }

  /** Unspent, unlocked items, optionally of one type. */
  owned(type) {
    return this.items.filter((i) => i.state === 'owned' && (!type || i.item_type === type));
  }

  /** The stamps the player can spend now. */
  stamps() {
    return this.owned('stamp');
  }

  reset() {
    this.balances = [];
    this.items = [];
    this.loaded = false;
  }
}
