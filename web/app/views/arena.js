// The live arena: the board, the player's own numbers, the clock, the
// controls, the fighters and the log. The match comes from the host's view
// plus the committed entries pushed on the WebSocket (`arena/model.js`);
// the player's actions go through `arena/actions.js`. When the match ends the
// results view takes over.

import { h, fill, announce, clock } from '../dom.js';
import { MatchModel } from '../arena/model.js';
import { Board } from '../arena/board.js';
import { animate } from '../arena/effects.js';
import { bindKeys, stepToward, KEYS } from '../arena/input.js';
import { buildControls } from '../arena/controls.js';
import { FighterTable } from '../arena/fighters.js';
import { MatchLog } from '../arena/log.js';
import { ActionQueue, actionOf } from '../arena/actions.js';
import { rulesOf } from '../arena/rules.js';

/** How soon after new entries the host's view is read again, in ms. */
const RECONCILE_MS = 1500;
/** How long a gap in the entries may stay before the feed fills it, in ms. */
const GAP_MS = 1000;
/** How long the finished board stays before the results, in ms. */
const RESULTS_AFTER_MS = 1500;
/** Entries of a match already under way read back for the log. */
const LOG_BACKFILL = 60;

export function arenaView(ctx) {
  const { api, session, live, holdings } = ctx;
  let model = null;
  let matchId = null;
  let selected = null;
  let sealNext = false;
  const sent = new Set();
  let visible = false;
  let early = [];
  let reconcileTimer = null;
  let gapTimer = null;
  let timeMark = { now: 0, at: performance.now() };

  const label = (id) => ctx.names.label(id);

  const title = h('h2', { id: 'arena-title', tabindex: '-1' }, 'Arena');
  const rules = h('p', { class: 'rules' });
  const matchInfo = h('p', { class: 'match-id' });
  const clockEl = h('output', { class: 'clock', 'aria-label': 'Time left', role: 'timer' }, '—');
  const me = h('div', { class: 'me-stats', 'aria-live': 'off' });
  const stampsEl = h('p', { class: 'stamps' });
  const status = h('p', { class: 'action-status', role: 'status', 'aria-live': 'polite' });
  const board = new Board({ onCell: (x, y) => onCell(x, y), onFighter: (id) => onFighter(id), label });
  const table = new FighterTable(label, (id) => target(id));
  const log = new MatchLog(label);
  const { el: controls, seal } = buildControls((intent) => onIntent(intent));
  const help = h('details', { class: 'keys-help' }, h('summary', {}, 'Keyboard'),
    h('dl', {}, ...KEYS.flatMap((k) => [h('dt', {}, k.label), h('dd', {}, k.help)])));

  const el = h('section', { class: 'view arena-view', 'aria-labelledby': 'arena-title' },
    h('header', { class: 'arena-head' }, title, clockEl, rules, matchInfo),
    h('div', { class: 'arena-main' },
      h('div', { class: 'board-wrap' }, board.el),
      h('div', { class: 'arena-side' }, me, stampsEl, status, controls, help)),
    table.el,
    h('h3', {}, 'Log'), log.el);

  const queue = new ActionQueue(send, report);
  bindKeys(() => visible && model && !model.finished, onIntent);

  live.addEventListener('entry', (e) => onEntry(e.detail));
  holdings.addEventListener('change', renderStamps);
  setInterval(tickClock, 250);

  let opening = null;
  function open(id) {
    if (matchId === id && model) return Promise.resolve();
    if (matchId === id && opening) return opening;
    const loading = load(id).finally(() => {
      if (opening === loading) opening = null;
    });
    opening = loading;
    return loading;
  }

  async function load(id) {
    matchId = id;
    model = null;
    selected = null;
    sent.clear();
    log.clear();
    fill(status, 'Loading the match…');
    if (live.matchId !== id) live.watch(id, 0);
    const view = await api.match(id);
    if (matchId !== id) return;
    model = new MatchModel(view);
    markTime();
    const pending = early.filter((item) => item.match_id === id);
    early = [];
    const applied = pending.flatMap((item) => model.add(item));
    log.add(applied);
    fill(status, model.finished ? 'This match is over.' : 'Your move.');
    render();
    holdings.refresh();
    logRange(id, Math.max(0, view.logged - LOG_BACKFILL), view.logged);
    if (model.finished) finish();
  }

  /**
   * Puts entries `after` < seq <= `upTo`, which the model took from a view
   * of the host rather than one by one, in the log (at most the last
   * LOG_BACKFILL of them).
   */
  async function logRange(id, after, upTo) {
    const from = Math.max(after, upTo - LOG_BACKFILL);
    if (upTo <= from) return;
    try {
      const page = await api.feed(id, from, upTo - from);
      if (matchId === id) log.add(page.items.filter((item) => item.seq <= upTo));
    } catch {
      // The log then goes on with the entries to come.
    }
  }

  function onEntry(item) {
    if (item.match_id !== matchId) return;
    if (!model) {
      early.push(item);
      return;
    }
    accept(model.add(item));
    if (model.waiting && !gapTimer) gapTimer = setTimeout(fillGap, GAP_MS);
  }

  function accept(applied) {
    if (!applied.length) return;
    markTime();
    render();
    animate(board, model, applied);
    log.add(applied);
    scheduleReconcile();
    if (model.finished) finish();
  }

  async function fillGap() {
    gapTimer = null;
    if (!model?.waiting) return;
    try {
      const page = await api.feed(matchId, model.lastSeq);
      for (const item of page.items) accept(model.add(item));
    } catch (error) {
      fill(status, `Could not catch up: ${error.detail}`);
    }
  }

  function scheduleReconcile() {
    if (reconcileTimer) return;
    reconcileTimer = setTimeout(async () => {
      const id = matchId;
      try {
        const view = await api.match(id);
        if (model && id === matchId) {
          const before = model.lastSeq;
          accept(model.reconcile(view));
          render();
          // Entries the view already held never pass through `accept`:
          // the log reads them back.
          if (view.logged > before) logRange(id, before, view.logged);
        }
      } catch {
        // The next entry schedules another read.
      } finally {
        reconcileTimer = null;
      }
    }, RECONCILE_MS);
  }

  function markTime() {
    timeMark = { now: model.state.now_ms, at: performance.now() };
  }

  function tickClock() {
    if (!model) return;
    const { duration_ms: duration, tick_ms: tick } = model.state.config;
    const drift = model.finished ? 0 : Math.min(tick, performance.now() - timeMark.at);
    const left = Math.max(0, duration - (timeMark.now + drift));
    clockEl.textContent = model.finished ? 'Over' : clock(left);
  }

  function render() {
    if (!model) return;
    const notes = rulesOf(model.component, model.version);
    fill(title, model.finished ? 'Arena — match over' : 'Arena');
    fill(rules, h('span', { class: 'rules-name' }, `Rules: ${model.component} ${model.version}`),
      notes.badge ? h('span', { class: 'badge new-rules' }, notes.badge) : null,
      notes.note ? h('span', { class: 'rules-note' }, ` ${notes.note}`) : null);
    rules.dataset.version = model.version;
    fill(matchInfo, 'Match ', h('code', {}, model.matchId));
    matchInfo.dataset.matchId = model.matchId;
    if (selected && !model.fighter(selected)?.alive) selected = null;
    board.render(model, session.playerId, selected);
    table.render(model, session.playerId, selected);
    const f = model.fighter(session.playerId);
    fill(me, f ? h('dl', { class: 'stats' },
      h('dt', {}, 'HP'), h('dd', {}, h('meter', { min: 0, max: f.max_hp, value: Math.max(0, f.hp), 'aria-label': 'Your hit points' }), ` ${Math.max(0, f.hp)}/${f.max_hp}`),
      h('dt', {}, 'Shield'), h('dd', {}, String(f.shield)),
      h('dt', {}, 'Energy'), h('dd', {}, String(f.energy)),
      h('dt', {}, 'Score'), h('dd', {}, String(f.score)),
      h('dt', {}, 'Kills'), h('dd', {}, String(f.kills))) : h('p', {}, 'You are watching this match.'));
    tickClock();
    renderStamps();
  }

  function renderStamps() {
    const count = holdings.stamps().filter((s) => !sent.has(s.item_id)).length;
    fill(stampsEl, `Stamps: ${count}`);
    stampsEl.dataset.count = String(count);
    if (count === 0 && sealNext) sealNext = false;
    seal.setAttribute('aria-pressed', String(sealNext));
    seal.disabled = count === 0;
    el.classList.toggle('sealing', sealNext);
  }

  function target(id) {
    selected = selected === id ? null : id;
    render();
    if (selected) announce(`Target: ${label(selected)}`);
  }

  function onFighter(id) {
    selected = id;
    onIntent({ type: 'attack' });
  }

  function onCell(x, y) {
    const f = model?.fighter(session.playerId);
    if (!f) return;
    if (f.pos.x === x && f.pos.y === y) {
      if (model.state.resources.some((r) => r.pos.x === x && r.pos.y === y)) onIntent({ type: 'collect' });
      return;
    }
    const direction = stepToward(f.pos, { x, y });
    if (direction) onIntent({ type: 'move', direction });
  }

  function attackTarget() {
    const meF = model.fighter(session.playerId);
    if (selected && model.fighter(selected)?.alive) return selected;
    const enemies = model.state.fighters.filter((f) => f.alive && f.id !== session.playerId);
    if (!meF || enemies.length === 0) return null;
    const distance = (f) => Math.max(Math.abs(f.pos.x - meF.pos.x), Math.abs(f.pos.y - meF.pos.y));
    return enemies.sort((a, b) => distance(a) - distance(b))[0].id;
  }

  function onIntent(intent) {
    if (!model || model.finished) return;
    if (intent.type === 'seal') {
      if (!holdings.stamps().some((s) => !sent.has(s.item_id))) {
        fill(status, 'You have no stamp to seal with.');
        return;
      }
      sealNext = !sealNext;
      renderStamps();
      fill(status, sealNext ? 'Your next action will be sealed with a stamp.' : 'Seal off.');
      return;
    }
    const action = actionOf(intent, intent.type === 'attack' ? attackTarget() : null);
    if (!action) {
      fill(status, 'There is no one to attack.');
      return;
    }
    // A stamp already sent with an action is not offered again while the
    // holdings have not caught up.
    const stamp = sealNext ? holdings.stamps().find((s) => !sent.has(s.item_id))?.item_id : undefined;
    if (stamp) {
      sent.add(stamp);
      sealNext = false;
      renderStamps();
    }
    if (!queue.push({ ...intent, action, stamp, matchId })) {
      if (stamp) sent.delete(stamp);
      fill(status, 'Wait: actions are still being sent.');
    }
  }

  function send(intent, onRetry) {
    return api.act(intent.matchId, intent.action, { stamp: intent.stamp, onRetry });
  }

  function report({ intent, sending, retrying, response, error }) {
    const what = intent.stamp ? `sealed ${intent.action.type}` : intent.action.type;
    el.setAttribute('aria-busy', String(Boolean(sending || retrying)));
    if (sending) fill(status, `Sending ${what}…`);
    else if (retrying) fill(status, `Connection trouble; sending ${what} again under the same key…`);
    else if (response) {
      const outcome = response.data;
      status.dataset.replayed = String(response.replayed);
      fill(status, response.replayed
        ? `${what}: the host had it already (same key), applied once.`
        : `${what}: done.`);
      if (outcome.seq && model && outcome.match_id === matchId) {
        accept(model.add(itemOf(intent, outcome)));
      }
      // Spent: it leaves the holdings on their next read.
      if (intent.stamp) holdings.refresh().then(() => sent.delete(intent.stamp));
    } else if (error) {
      el.removeAttribute('aria-busy');
      fill(status, h('span', { class: 'error' }, `${what} refused: ${error.detail}`));
      if (intent.stamp) {
        // A refused action leaves its stamp unspent.
        sent.delete(intent.stamp);
        holdings.refresh();
      }
    }
  }

  /** The feed item an accepted outcome stands for. */
  function itemOf(intent, outcome) {
    const a = intent.action;
    const kinds = {
      move: () => ({ Move: a.direction[0].toUpperCase() + a.direction.slice(1) }),
      attack: () => ({ Attack: a.target }),
      defend: () => 'Defend',
      collect: () => 'Collect',
      special: () => ({ Special: a.ability[0].toUpperCase() + a.ability.slice(1) }),
    };
    const entry = {
      kind: 'action',
      action: { id: outcome.action_id, actor: session.playerId, kind: kinds[a.type](), stamped: Boolean(intent.stamp), at_ms: outcome.at_ms },
    };
    return { match_id: outcome.match_id, seq: outcome.seq, at_ms: outcome.at_ms, entry, effects: outcome.effects };
  }

  let resultsFor = null;
  function finish() {
    if (resultsFor === model.matchId) return;
    resultsFor = model.matchId;
    queue.clear();
    const done = model;
    announce('The match is over.');
    setTimeout(() => ctx.showResults(done), RESULTS_AFTER_MS);
  }

  return {
    el,
    title: 'Arena',
    async enter(params) {
      visible = true;
      const id = params?.match || ctx.currentMatch;
      if (!id) {
        ctx.go('lobby');
        return;
      }
      try {
        await open(id);
      } catch (error) {
        fill(status, h('span', { class: 'error' }, `Could not open the match: ${error.detail}`));
      }
      title.focus();
    },
    leave() {
      visible = false;
    },
    reset() {
      matchId = null;
      model = null;
    },
  };
}
