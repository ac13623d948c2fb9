// The player's arena app: the shared services (session, API, WebSocket,
// notices, holdings, trades), the header with navigation and connection
// state, and the views behind hash routes.

import { h, fill, announce } from './dom.js';
import { Session } from './session.js';
import { createApi } from './api.js';
import { Names } from './names.js';
import { LiveSocket } from './ws.js';
import { Notices } from './notices.js';
import { Holdings } from './economy/holdings.js';
import { Trades } from './economy/trades.js';
import { Router } from './router.js';
import { authView } from './views/auth.js';
import { lobbyView } from './views/lobby.js';
import { arenaView } from './views/arena.js';
import { resultsView } from './views/results.js';
import { walletView } from './views/wallet.js';
import { inventoryView } from './views/inventory.js';
import { marketView } from './views/market.js';
import { tradesView } from './views/trades.js';
import { craftingView } from './views/crafting.js';
import { leaderboardView } from './views/leaderboard.js';
import { tournamentView } from './views/tournament.js';

const NAV = [
  ['lobby', 'Play'], ['arena', 'Arena'], ['results', 'Results'], ['wallet', 'Wallet'],
  ['inventory', 'Inventory'], ['market', 'Market'], ['trades', 'Trades'], ['crafting', 'Crafting'],
  ['leaderboard', 'Leaderboard'], ['tournament', 'Tournament'],
];

export function startPlayerApp(root) {
  const session = new Session();
  const names = new Names(session);
  const api = createApi(session, names);
  const live = new LiveSocket(session);
  const notices = new Notices(live, document.getElementById('toasts'));
  const holdings = new Holdings(api, notices);
  const trades = new Trades(api, notices, holdings);

  const ctx = {
    api, session, names, live, notices, holdings, trades, currentMatch: null,
    go: (name, params) => router.go(name, params),
    openMatch(matchId) {
      ctx.currentMatch = matchId;
      router.go('arena', { match: matchId });
    },
    showResults(model) {
      views.results.show(model);
      router.go('results');
    },
  };

  const views = {
    auth: authView(ctx),
    lobby: lobbyView(ctx),
    arena: arenaView(ctx),
    results: resultsView(ctx),
    wallet: walletView(ctx),
    inventory: inventoryView(ctx),
    market: marketView(ctx),
    trades: tradesView(ctx),
    crafting: craftingView(ctx),
    leaderboard: leaderboardView(ctx),
    tournament: tournamentView(ctx),
  };

  const who = h('span', { class: 'who' });
  const link = h('span', { class: 'link-state', role: 'status', 'aria-live': 'polite', dataset: { state: 'offline' } }, 'offline');
  const signOut = h('button', { type: 'button', class: 'quiet', onclick: () => session.clear() }, 'Sign out');
  const nav = h('nav', { class: 'main-nav', 'aria-label': 'Arena' },
    h('ul', {}, ...NAV.map(([name, label]) => h('li', {}, h('a', { href: `#/${name}` }, label)))));
  const account = h('div', { class: 'account' }, who, ' ', link, ' ', signOut);
  const main = h('main', { id: 'main', tabindex: '-1' });
  fill(root,
    h('a', { class: 'skip', href: '#main', onclick: (e) => { e.preventDefault(); main.focus(); } }, 'Skip to content'),
    h('header', { class: 'app-head' },
      h('h1', {}, h('a', { href: '#/lobby' }, 'idempo arena')), nav, account,
      h('a', { class: 'console-link', href: 'console.html' }, 'Operator console')),
    main);

  const router = new Router(main, views, {
    appTitle: 'idempo arena',
    allowed: (name) => (session.signedIn ? name !== 'auth' : name === 'auth'),
    fallback: () => (session.signedIn ? 'lobby' : 'auth'),
  });

  const labels = { live: 'live', connecting: 'connecting…', offline: 'reconnecting…' };
  live.addEventListener('status', (e) => {
    link.dataset.state = e.detail;
    fill(link, session.signedIn ? labels[e.detail] : 'offline');
  });
  live.addEventListener('matched', (e) => {
    views.lobby.matched();
    announce('Match found!');
    ctx.openMatch(e.detail.match_id);
  });

  function onSession() {
    const signed = session.signedIn;
    root.classList.toggle('signed-in', signed);
    nav.hidden = !signed;
    account.hidden = !signed;
    fill(who, signed ? session.name : '');
    if (signed) {
      live.start();
      holdings.refresh();
      router.go('lobby');
    } else {
      live.stop();
      notices.reset();
      holdings.reset();
      trades.reset();
      views.arena.reset();
      ctx.currentMatch = null;
      router.go('auth');
    }
  }
  session.addEventListener('change', onSession);

  root.classList.toggle('signed-in', session.signedIn);
  nav.hidden = !session.signedIn;
  account.hidden = !session.signedIn;
  fill(who, session.name || '');
  if (session.signedIn) {
    live.start();
    holdings.refresh();
  }
  router.sync();
}
