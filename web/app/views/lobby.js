// The lobby: join the queue, see that you wait and for how long, leave it.
// A match that takes the player is announced on the WebSocket (`matched`)
// and also found by reading `GET /v1/lobby` while waiting.

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
  const error = h('p', { class: 'error', role: 'alert' });
  const join = h('button', { type: 'button', class: 'primary', onclick: () => busy(join, enqueue) }, 'Find a match');
  const leave = h('button', { type: 'button', hidden: true, onclick: () => busy(leave, dequeue) }, 'Leave the queue');
  const queue = h('div', { class: 'queue', 'aria-label': 'Queue' }, state, waited);
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
    clearTimeout(pollTimer);
    if (on) pollTimer = setTimeout(poll, POLL_MS);
  }

  function renderWait() {
    fill(waited, queuedSince ? `Waiting ${clock(Date.now() - queuedSince)}` : '');
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

  async function poll() {
    try {
      const lobby = await api.lobby();
      if (lobby.match_id) {
        matched(lobby.match_id);
        return;
      }
      setQueued(lobby.queued);
    } catch {
      if (queuedSince) pollTimer = setTimeout(poll, POLL_MS);
    }
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
        const lobby = await api.lobby();
        if (lobby.match_id) {
          matched(lobby.match_id);
          return;
        }
        setQueued(lobby.queued);
        if (params?.join && !lobby.queued) await busy(join, enqueue);
      } catch (e) {
        fill(error, e.detail);
      }
    },
    leave() {
      visible = false;
    },
    /** A `matched` frame arrived. */
    matched() {
      setQueued(false);
    },
  };
}
