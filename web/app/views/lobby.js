// The lobby: the queue as it stands (how many wait, the player's place,
// who goes next, when the wait runs out), join it, leave it. The queue is
// read from `GET /v1/lobby` every few seconds while the lobby is shown. A
// match that takes the player is announced on the WebSocket (`matched`) and
// also found by that read.

import { h, fill, clock, busy, announce } from '../dom.js';

/** How often the lobby is read while queued, in ms. */
const POLL_MS = 2000;

export function lobbyView(ctx) {
  const { api } = ctx;
  let queuedSince = null;
  let pollTimer = null;
  let visible = false;

  const title = h('h2', { id: 'lobby-title', tabindex: '-1' }, 'Lobby');
  const state = h('p', { class: 'queue-state', role: 'status' });
  const waited = h('p', { class: 'queue-wait' });
  const size = h('dd', { class: 'queue-size' }, '—');
  const place = h('dd', { class: 'queue-place' }, '—');
  const starts = h('dd', { class: 'queue-starts' }, '—');
  const next = h('ol', { class: 'queue-next', 'aria-label': 'Next up' });
  let formsAt = null;
  const error = h('p', { class: 'error', role: 'alert' });
  const join = h('button', { type: 'button', class: 'primary', onclick: () => busy(join, enqueue) }, 'Find a match');
  const leave = h('button', { type: 'button', hidden: true, onclick: () => busy(leave, dequeue) }, 'Leave the queue');
  const facts = h('dl', { class: 'queue-facts' },
    h('dt', {}, 'Waiting'), size, h('dt', {}, 'Your place'), place, h('dt', {}, 'Next match'), starts);
  const queue = h('div', { class: 'queue', 'aria-label': 'Queue' }, state, waited, facts,
    h('p', { class: 'queue-next-title' }, 'Next up'), next);
  const el = h('section', { class: 'view lobby-view', 'aria-labelledby': 'lobby-title' },
    title,
    h('p', {}, 'Queue up and fight whoever joins: move, attack, shield, collect. Seal an action with a stamp and it counts exactly once; a sealed special costs no energy.'),
    queue, h('p', { class: 'buttons' }, join, ' ', leave), error);

  function setQueued(on) {
    queuedSince = on ? (queuedSince || Date.now()) : null;
    join.hidden = on;
    leave.hidden = !on;
    el.classList.toggle('queued', on);
    queue.dataset.state = on ? 'queued' : 'idle';
    fill(state, on ? 'You are in the queue, waiting for opponents…' : 'You are not queued.');
    renderWait();
  }

  /** Shows the queue of a `GET /v1/lobby` answer. */
  function showQueue(q) {
    queue.dataset.size = String(q.size);
    fill(size, `${q.size} player${q.size === 1 ? '' : 's'} (a match takes ${q.min_players} to ${q.max_players})`);
    fill(place, q.position ? `#${q.position}` : 'not queued');
    formsAt = q.forms_at_ms;
    fill(next, ...(q.next.length === 0 ? [h('li', { class: 'empty' }, 'Nobody waits yet.')]
      : q.next.map((id) => h('li', { dataset: { player: id } }, ctx.names.label(id)))));
    renderWait();
  }

  function renderWait() {
    fill(waited, queuedSince ? `Waiting ${clock(Date.now() - queuedSince)}` : '');
    const waiting = Number(queue.dataset.size || 0);
    fill(starts, formsAt ? `starts in ${clock(Math.max(0, formsAt - Date.now()))}`
      : waiting > 0 ? 'when more players join' : '—');
  }
  setInterval(() => visible && renderWait(), 1000);

  async function enqueue() {
    fill(error);
    try {
      const { status, data } = await api.join();
      if (status === 201) matched(data.match_id);
      else {
        setQueued(true);
        announce('You joined the queue.');
        poll();
      }
    } catch (e) {
      if (e.kind === 'already-in-match' && e.body?.match_id) matched(e.body.match_id);
      else if (e.kind === 'already-queued') setQueued(true);
      else fill(error, e.detail);
    }
  }

  async function dequeue() {
    fill(error);
    try {
      await api.leave();
    } catch (e) {
      if (e.kind !== 'not-queued') fill(error, e.detail);
    }
    setQueued(false);
  }

  /** Reads the lobby: the queue, and whether a match took the player. */
  async function read() {
    const lobby = await api.lobby();
    if (lobby.match_id) {
      matched(lobby.match_id);
      return lobby;
    }
    setQueued(lobby.queued);
    showQueue(lobby.queue);
    return lobby;
  }

  async function poll() {
    clearTimeout(pollTimer);
    try {
      await read();
    } catch {
      // Read again on the next round.
    }
    if (visible) pollTimer = setTimeout(poll, POLL_MS);
  }

  function matched(matchId) {
    setQueued(false);
    ctx.openMatch(matchId);
  }

  return {
    el,
    title: 'Lobby',
    async enter(params) {
      visible = true;
      title.focus();
      fill(error);
      try {
        const lobby = await read();
        if (lobby.match_id) return;
        if (params?.join && !lobby.queued) await busy(join, enqueue);
      } catch (e) {
        fill(error, e.detail);
      }
      clearTimeout(pollTimer);
      pollTimer = setTimeout(poll, POLL_MS);
    },
    leave() {
      visible = false;
      clearTimeout(pollTimer);
    },
    /** A `matched` frame arrived. */
    matched() {
      setQueued(false);
    },
  };
}
