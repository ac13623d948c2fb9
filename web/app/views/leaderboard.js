// The leaderboard: the top standings and the player's own rank. The board
// is a projection of finished matches and lags them a little, so it is read
// again every few seconds while shown. The player's standing is read on its
// own only when the top is full and does not hold them.

import { h, fill, amount } from '../dom.js';

const TOP = 100;
const REFRESH_MS = 3000;

export function leaderboardView(ctx) {
  const { api, session } = ctx;
  let timer = null;

  const title = h('h2', { id: 'leaderboard-title', tabindex: '-1' }, 'Leaderboard');
  const mine = h('p', { class: 'my-rank', role: 'status' });
  const body = h('tbody');
  const error = h('p', { class: 'error', role: 'alert' });
  const el = h('section', { class: 'view leaderboard-view', 'aria-labelledby': 'leaderboard-title' },
    title, mine,
    h('table', { class: 'board-table' },
      h('caption', {}, `Top ${TOP}`),
      h('thead', {}, h('tr', {}, ...['Rank', 'Player', 'Score', 'Matches', 'Wins', 'Kills'].map((t) => h('th', { scope: 'col' }, t)))),
      body),
    error);

  const label = (id) => ctx.names.label(id);

  async function load() {
    fill(error);
    try {
      const { top } = await api.top(TOP);
      fill(body, ...top.map((s) => h('tr', { class: s.player === session.playerId ? 'me' : '', dataset: { player: s.player, rank: s.rank } },
        h('td', { class: 'num' }, String(s.rank)), h('th', { scope: 'row' }, label(s.player)),
        h('td', { class: 'num' }, amount(s.score)), h('td', { class: 'num' }, String(s.matches)),
        h('td', { class: 'num' }, String(s.wins)), h('td', { class: 'num' }, String(s.kills)))));
      let own = top.find((s) => s.player === session.playerId);
      if (!own && top.length >= TOP) {
        own = await api.standing(session.playerId).catch((e) => (e.kind === 'not-ranked' ? null : Promise.reject(e)));
      }
      mine.dataset.rank = own ? String(own.rank) : '';
      fill(mine, own ? h('span', {}, 'Your rank: ', h('strong', {}, `#${own.rank}`), ` · score ${amount(own.score)} · ${own.wins} win${own.wins === 1 ? '' : 's'} in ${own.matches}`)
        : 'You are not ranked yet: finish a match to get on the board.');
    } catch (e) {
      fill(error, e.detail);
    }
  }

  return {
    el,
    title: 'Leaderboard',
    enter() {
      title.focus();
      load();
      clearInterval(timer);
      timer = setInterval(load, REFRESH_MS);
    },
    leave() {
      clearInterval(timer);
    },
  };
}
