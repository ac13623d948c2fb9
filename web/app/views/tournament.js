// The daily tournament: today's rules and schedule, the player's level,
// the entry button, the player's group with its live standings (read again
// every few seconds: the host serves a group's board at most 5 s old), and
// the claim of the reward once the day is over. An entry keeps its
// Idempotency-Key across retries, so a double click or a lost answer
// enters once.

import { h, fill, amount, busy, announce, keepFocus } from '../dom.js';
import { newKey } from '../http.js';

const REFRESH_MS = 5000;

/** `hh:mm UTC` of Unix milliseconds. */
function utc(ms) {
  const d = new Date(ms);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
}

export function tournamentView(ctx) {
  const { api, session, holdings } = ctx;
  let timer = null;
  let today = null;
  let entryKey = null;
  let claimKey = null;

  const title = h('h2', { id: 'tournament-title', tabindex: '-1' }, 'Daily tournament');
  const summary = h('div', { class: 'tournament-summary' });
  const progress = h('p', { class: 'tournament-progress', role: 'status' });
  const action = h('div', { class: 'tournament-action', 'aria-live': 'polite' });
  const groupTitle = h('h3', { id: 'tournament-group-title' }, 'Your group');
  const standings = h('tbody');
  const groupSection = h('section', { class: 'tournament-group', 'aria-labelledby': 'tournament-group-title', hidden: true },
    groupTitle,
    h('table', { class: 'board-table tournament-standings' },
      h('caption', {}, 'Standings, fresh within 5 seconds'),
      h('thead', {}, h('tr', {}, ...['Rank', 'Player', 'Score'].map((t) => h('th', { scope: 'col' }, t)))),
      standings));
  const error = h('p', { class: 'error', role: 'alert' });
  const el = h('section', { class: 'view tournament-view', 'aria-labelledby': 'tournament-title' },
    title, summary, progress, action, error, groupSection);

  function renderSummary(t) {
    const paid = t.rewards.map((r) => (r.first_rank === r.last_rank
      ? `#${r.first_rank}: ${amount(r.amount)}`
      : `#${r.first_rank}–${r.last_rank}: ${amount(r.amount)} each`)).join(', ');
    fill(summary,
      h('p', { class: 'tournament-day', dataset: { day: t.id, state: t.state } },
        h('strong', {}, t.id), t.state === 'final' ? ' · over: ranks are final' : ` · ends at ${utc(t.ends_at_ms)}`),
      h('dl', { class: 'tournament-rules' },
        h('dt', {}, 'Entry'), h('dd', {}, `${amount(t.entry_fee)} ${t.currency}, level ${t.min_level} or more, until ${utc(t.entry_closes_at_ms)}`),
        h('dt', {}, 'Groups'), h('dd', {}, `of ${t.group_size} players · ${amount(t.entries)} entered in ${t.groups} group${t.groups === 1 ? '' : 's'}`),
        h('dt', {}, 'Rewards'), h('dd', {}, `by rank in your group: ${paid} ${t.currency}`)));
  }

  function renderAction(t, mine) {
    if (mine) {
      if (t.state !== 'final') {
        fill(action, h('p', { class: 'entered' }, `You are in group ${mine.group}.`));
        return;
      }
      if (mine.claimed_at_ms) {
        fill(action, h('p', { class: 'claimed' }, `Final rank #${mine.rank}: you claimed ${amount(mine.reward)} ${mine.currency}.`));
        return;
      }
      fill(action, h('p', {}, `Final rank #${mine.rank} in group ${mine.group}.`),
        h('button', { type: 'button', class: 'primary', onclick: (e) => busy(e.currentTarget, claim) },
          mine.reward > 0 ? `Claim ${amount(mine.reward)} ${mine.currency}` : 'Close my tournament'));
      return;
    }
    if (!t.entry_open) {
      fill(action, h('p', { class: 'closed' }, t.state === 'final' ? 'This tournament is over.' : 'Entries are closed for today.'));
      return;
    }
    fill(action, h('button', { type: 'button', class: 'primary enter-tournament', onclick: (e) => busy(e.currentTarget, enter) },
      `Enter for ${amount(t.entry_fee)} ${t.currency}`));
  }

  function renderGroup(board) {
    groupSection.hidden = false;
    fill(groupTitle, `Group ${board.group}`);
    keepFocus(standings, () => fill(standings, ...board.standings.map((s) => h('tr', { class: s.player === session.playerId ? 'me' : '', dataset: { player: s.player, rank: s.rank } },
      h('td', { class: 'num' }, String(s.rank)),
      h('th', { scope: 'row' }, s.player === session.playerId ? `You (${session.name})` : (s.name || s.player)),
      h('td', { class: 'num' }, amount(s.score))))));
  }

  async function load() {
    fill(error);
    try {
      today = await api.tournament();
      renderSummary(today);
      const level = await api.progress().catch(() => null);
      fill(progress, level ? `You are level ${level.level} (${amount(level.xp)} xp${level.next_level_xp ? `; level ${level.level + 1} at ${amount(level.next_level_xp)}` : ''}).` : '');
      const mine = await api.myStanding(today.id).catch((e) => (e.kind === 'not-entered' ? null : Promise.reject(e)));
      renderAction(today, mine);
      if (mine) renderGroup(await api.tournamentGroup(today.id, mine.group));
      else groupSection.hidden = true;
    } catch (e) {
      fill(error, e.kind === 'no-tournament' ? 'There is no tournament today.' : e.detail);
    }
  }

  async function enter() {
    fill(error);
    entryKey ??= newKey();
    try {
      const { data } = await api.enterTournament(today.id, entryKey);
      entryKey = null;
      announce(data.status === 'entered' ? `Entered: group ${data.group}.` : 'Your entry is on its way.');
      await holdings.refresh();
      await load();
    } catch (e) {
      if (e.status !== 409 || e.kind !== 'idempotency-key-in-flight') entryKey = null;
      fill(error, e.detail);
    }
  }

  async function claim() {
    fill(error);
    claimKey ??= newKey();
    try {
      const { data } = await api.claimReward(today.id, claimKey);
      claimKey = null;
      announce(`Claimed ${amount(data.reward)} ${data.currency}.`);
      await holdings.refresh();
      await load();
    } catch (e) {
      claimKey = null;
      fill(error, e.detail);
    }
  }

  return {
    el,
    title: 'Tournament',
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
