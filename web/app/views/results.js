// After a match: the placings, what the match paid the player (currency,
// items and the stamps earned), from the `rewards` notice as soon as the
// rewards consumer books it, or from the match history if the notice was
// missed. Then: play again, or look at the wallet, inventory, leaderboard.

import { h, fill, amount, announce } from '../dom.js';
import { rulesOf } from '../arena/rules.js';

/** How often the history is read while the rewards are pending, and how long. */
const HISTORY_POLL_MS = 3000;
const HISTORY_POLLS = 20;

/** Reward lines (`{kind, code, amount}`) of a `rewards` notice body. */
function linesOfNotice(body) {
  const lines = (body.currency || []).map(([code, n]) => ({ kind: 'currency', code, amount: n }));
  const counts = new Map();
  for (const item of body.items || []) counts.set(item.item_type, (counts.get(item.item_type) || 0) + 1);
  for (const [code, n] of counts) lines.push({ kind: code === 'stamp' ? 'stamp' : 'item', code, amount: n });
  return lines;
}

export function resultsView(ctx) {
  const { api, session, notices, holdings } = ctx;
  let match = null;
  let pollTimer = null;

  const title = h('h2', { id: 'results-title', tabindex: '-1' }, 'Results');
  const summary = h('p', { class: 'summary' });
  const placings = h('div', { class: 'placings' });
  const rewards = h('div', { class: 'rewards', 'aria-live': 'polite' });
  const again = h('button', { type: 'button', class: 'primary', onclick: () => ctx.go('lobby', { join: true }) }, 'Play again');
  const history = h('div', { class: 'history' });
  const el = h('section', { class: 'view results-view', 'aria-labelledby': 'results-title' },
    title, summary, placings, h('h3', {}, 'Your rewards'), rewards,
    h('p', { class: 'next' }, again, ' ',
      h('a', { href: '#/wallet' }, 'Wallet'), ' · ', h('a', { href: '#/inventory' }, 'Inventory'), ' · ',
      h('a', { href: '#/leaderboard' }, 'Leaderboard')),
    h('h3', {}, 'Recent matches'), history);

  async function loadHistory() {
    try {
      const page = await api.history(undefined, 10);
      if (page.matches.length === 0) {
        fill(history, h('p', {}, 'No finished match yet.'));
        return;
      }
      fill(history, h('table', { class: 'history-table' },
        h('caption', { class: 'visually-hidden' }, 'Recent matches'),
        h('thead', {}, h('tr', {}, ...['Finished', 'Place', 'Score', 'Kills', 'Rules', 'Rewards'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, ...page.matches.map((m) => h('tr', {},
          h('td', {}, new Date(m.finished_at_ms).toLocaleTimeString()),
          h('td', {}, String(m.place ?? '—')), h('td', {}, String(m.score ?? '—')), h('td', {}, String(m.kills ?? '—')),
          h('td', {}, `${m.component} ${m.version}`),
          h('td', {}, m.rewards.map((l) => (l.kind === 'currency' ? `${amount(l.amount, { signed: true })} ${l.code}` : `${l.amount} ${l.code}`)).join(', ') || 'pending'))))));
    } catch (error) {
      fill(history, h('p', { class: 'error' }, `Could not read your matches: ${error.detail}`));
    }
  }

  notices.addEventListener('notice', (e) => {
    if (match && e.detail.kind === 'rewards' && e.detail.body?.match_id === match.matchId) showRewards(linesOfNotice(e.detail.body));
  });

  function label(id) {
    return ctx.names.label(id);
  }

  function show(model) {
    match = model;
    const result = model.finished;
    const mine = result.placings.find((p) => p.player === session.playerId);
    const notes = rulesOf(model.component, model.version);
    fill(summary, mine ? `You placed ${mine.place} of ${result.placings.length}` : 'The match is over',
      ` · ${Math.round(result.duration_ms / 1000)} s · rules ${model.component} ${model.version}`,
      notes.badge ? ` (${notes.badge})` : '');
    fill(placings, h('table', { class: 'placings-table' },
      h('caption', {}, 'Placings'),
      h('thead', {}, h('tr', {}, ...['Place', 'Fighter', 'Score', 'Kills'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...result.placings.map((p) => h('tr', { class: p.player === session.playerId ? 'me' : '', dataset: { place: p.place } },
        h('td', {}, String(p.place)), h('th', { scope: 'row' }, label(p.player)),
        h('td', {}, String(p.score)), h('td', {}, String(p.kills)))))));
    const notice = notices.find('rewards', (b) => b.match_id === model.matchId)[0];
    if (notice) showRewards(linesOfNotice(notice.body));
    else {
      fill(rewards, h('p', { class: 'pending' }, 'The rewards are on their way…'));
      pollHistory(model.matchId, 0);
    }
  }

  function pollHistory(matchId, round) {
    clearTimeout(pollTimer);
    if (round >= HISTORY_POLLS) {
      fill(rewards, h('p', {}, 'The rewards have not arrived yet; they will show in your wallet.'));
      return;
    }
    pollTimer = setTimeout(async () => {
      if (!match || match.matchId !== matchId || rewards.dataset.state === 'paid') return;
      try {
        const page = await api.history(undefined, 5);
        const past = page.matches.find((m) => m.match_id === matchId);
        if (past && past.rewards.length) {
          showRewards(past.rewards);
          return;
        }
      } catch {
        // Try again next round.
      }
      pollHistory(matchId, round + 1);
    }, HISTORY_POLL_MS);
  }

  function showRewards(lines) {
    clearTimeout(pollTimer);
    rewards.dataset.state = 'paid';
    const stamps = lines.filter((l) => l.kind === 'stamp').reduce((n, l) => n + l.amount, 0);
    fill(rewards,
      h('ul', { class: 'reward-lines' }, ...lines.map((l) => h('li', { dataset: { kind: l.kind, code: l.code, amount: l.amount } },
        l.kind === 'currency' ? `${amount(l.amount, { signed: true })} ${l.code}` : `${l.amount} × ${l.code}`))),
      h('p', { class: 'stamps-earned', dataset: { count: stamps } },
        h('span', { class: 'seal-badge' }, '✦'), ` Stamps earned: ${stamps}`));
    announce(`Rewards received${stamps ? `, ${stamps} stamps` : ''}.`);
    holdings.refresh();
    loadHistory();
  }

  return {
    el,
    title: 'Results',
    enter() {
      if (!match) {
        fill(summary, 'No match finished in this visit; your recent matches are below.');
      }
      loadHistory();
      title.focus();
    },
    leave() {},
    show(model) {
      rewards.dataset.state = 'pending';
      show(model);
    },
  };
}
