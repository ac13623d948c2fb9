// The player API under /v1, one function per route. Every call takes the
// session token from `session`; mutating economy calls and actions carry a
// fresh Idempotency-Key (or the caller's, to retry the same intent). The
// player names an answer carries are learned by `names` (./names.js).

import { request, newKey } from './http.js';

const enc = encodeURIComponent;

function query(params) {
  const pairs = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return pairs.length ? `?${new URLSearchParams(pairs)}` : '';
}

export function createApi(session, names) {
  // A refused session (expired, or signed by another secret) signs out.
  const call = (path, options = {}) => request(`/v1${path}`, { token: session.token, ...options })
    .then((reply) => {
      names?.learn(reply.data);
      return reply;
    })
    .catch((error) => {
      if (error.status === 401 && session.signedIn) session.clear();
      throw error;
    });
  const data = async (path, options) => (await call(path, options)).data;
  const keyed = (path, method, body, key = newKey(), extra = {}) =>
    call(path, { method, body, key, ...extra });

  return {
    // identity
    signUp: (name, password) => request('/v1/players', { method: 'POST', body: { name, password } }).then((r) => r.data),
    signIn: (name, password) => request('/v1/sessions', { method: 'POST', body: { name, password } }).then((r) => r.data),
    me: () => data('/players/me'),

    // lobby and matches
    lobby: () => data('/lobby'),
    join: () => call('/lobby', { method: 'POST' }),
    leave: () => call('/lobby', { method: 'DELETE' }),
    match: (id) => data(`/matches/${enc(id)}`),
    feed: (id, after, limit = 500) => data(`/matches/${enc(id)}/feed${query({ after, limit })}`),
    /** One action; `key` is fresh per intent and kept across retries. */
    act: (id, action, { stamp, key = newKey(), onRetry } = {}) =>
      keyed(`/matches/${enc(id)}/actions`, 'POST', stamp ? { action, stamp } : { action }, key, { onRetry }),
    history: (before, limit = 20) => data(`/players/me/matches${query({ before, limit })}`),

    // wallet, inventory, notices
    wallet: () => data('/players/me/wallet'),
    ledger: (currency, before, limit = 20) =>
      data(`/players/me/wallet/${enc(currency)}/ledger${query({ before, limit })}`),
    inventory: ({ type, after, limit = 100 } = {}) => data(`/players/me/inventory${query({ type, after, limit })}`),
    notices: (after, limit = 100) => data(`/players/me/notices${query({ after, limit })}`),

    // leaderboard
    top: (limit = 100) => data(`/leaderboard${query({ limit })}`),
    standing: (playerId) => data(`/leaderboard/players/${enc(playerId)}`),

    // marketplace
    listings: (filters = {}) => data(`/market/listings${query(filters)}`),
    list: (itemId, currency, price) =>
      keyed('/market/listings', 'POST', { item_id: itemId, currency, price }).then((r) => r.data),
    unlist: (listingId) => keyed(`/market/listings/${enc(listingId)}`, 'DELETE').then((r) => r.data),
    buy: (listingId) => keyed('/trades', 'POST', { listing_id: listingId }),
    trade: (id) => data(`/trades/${enc(id)}`),
    trades: (before, limit = 20) => data(`/trades${query({ before, limit })}`),

    // offers
    offers: () => data('/offers'),
    offer: (to, give, want) => keyed('/offers', 'POST', { to, give, want }).then((r) => r.data),
    acceptOffer: (id) => keyed(`/offers/${enc(id)}/accept`, 'POST'),
    declineOffer: (id) => keyed(`/offers/${enc(id)}/decline`, 'POST').then((r) => r.data),
    cancelOffer: (id) => keyed(`/offers/${enc(id)}`, 'DELETE').then((r) => r.data),

    // crafting
    recipes: () => data('/crafting/recipes'),
    craft: (recipe) => keyed('/crafts', 'POST', { recipe }).then((r) => r.data),

    // progression and the daily tournament (`day` is a date or `current`)
    progress: () => data('/players/me/progress'),
    tournament: (day = 'current') => data(`/tournaments/${enc(day)}`),
    enterTournament: (day, key = newKey()) => keyed(`/tournaments/${enc(day)}/entries`, 'POST', undefined, key),
    myStanding: (day) => data(`/tournaments/${enc(day)}/me`),
    tournamentGroup: (day, group) => data(`/tournaments/${enc(day)}/groups/${enc(group)}`),
    tournamentTop: (day, limit = 100) => data(`/tournaments/${enc(day)}/leaderboard${query({ limit })}`),
    claimReward: (day, key = newKey()) => keyed(`/tournaments/${enc(day)}/claim`, 'POST', undefined, key),
  };
}
