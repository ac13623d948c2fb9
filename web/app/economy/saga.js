// A trade's saga drawn as it goes: the states it passes (INITIATED ->
// FUNDS_RESERVED -> ITEM_LOCKED -> ... -> COMPLETED, or COMPENSATING ->
// FAILED), then each step of its log with its phase (forward, or backward
// for a compensation), status, time and error, so the player watches the
// steps pass.

import { h, amount, shortId } from '../dom.js';

const TRACK = ['INITIATED', 'FUNDS_RESERVED', 'ITEM_LOCKED', 'COMPLETED'];
const BACKWARD = new Set(['backward', 'undo']);

/** The states to draw for `trade`: the usual ones, and any other it is in. */
function trackOf(trade) {
  if (trade.state === 'COMPENSATING' || trade.state === 'FAILED') {
    return [...TRACK.slice(0, 3), 'COMPENSATING', 'FAILED'];
  }
  if (TRACK.includes(trade.state)) return TRACK;
  return [...TRACK.slice(0, 3), trade.state, 'COMPLETED'];
}

/** What one side of an offer holds, in words. */
export function describeSide(side = {}) {
  const items = (side.items || []).map((id) => `item ${shortId(id)}`);
  const money = (side.currency || []).map((c) => `${amount(c.amount)} ${c.currency}`);
  return [...items, ...money].join(', ') || 'nothing';
}

/** Who does what in `trade`, seen by `me`. */
function headline(trade, me) {
  if (trade.kind === 'offer' && trade.from) {
    const terms = `${describeSide(trade.give)} for ${describeSide(trade.want)}`;
    return trade.from === me ? `Your offer to ${shortId(trade.to)}: ${terms}` : `Offer from ${shortId(trade.from)}: ${terms}`;
  }
  const what = `${trade.item_type ?? 'item'} for ${amount(trade.price ?? 0)} ${trade.currency ?? ''}`;
  if (trade.buyer === me) return `You buy ${what}`;
  if (trade.seller === me) return `You sell ${what}${trade.seller_receives !== undefined ? `, receiving ${amount(trade.seller_receives)}` : ''}`;
  return `Trade: ${what}`;
}

/** A block showing `trade`, for `me` (the player id). */
export function sagaBlock(trade, me) {
  const track = trackOf(trade);
  const reached = track.indexOf(trade.state);
  return h('article', { class: `saga state-${trade.state.toLowerCase()}`, dataset: { tradeId: trade.id, state: trade.state }, 'aria-label': `Trade ${trade.id}` },
    h('header', {}, h('strong', {}, headline(trade, me)),
      trade.fee ? ` · fee ${amount(trade.fee)}` : '', ' ',
      h('span', { class: 'badge state' }, trade.state)),
    h('ol', { class: 'saga-track', 'aria-label': 'Saga states' }, ...track.map((s, i) => h('li', {
      class: i < reached ? 'passed' : i === reached ? 'current' : 'ahead',
      'aria-current': i === reached ? 'step' : undefined,
    }, s.replaceAll('_', ' ').toLowerCase()))),
    h('ol', { class: 'saga-steps', 'aria-label': 'Steps' }, ...(trade.steps || []).map((step) => h('li', {
      class: `step ${BACKWARD.has(step.phase) ? 'undo' : 'do'} ${String(step.status).toLowerCase()}`,
      dataset: { step: step.step, phase: step.phase, status: step.status },
    }, h('span', { class: 'phase' }, BACKWARD.has(step.phase) ? '↶ undo' : '→'), ' ', step.step, ': ', String(step.status),
    step.at_ms ? h('small', {}, ` ${new Date(step.at_ms).toLocaleTimeString()}`) : '',
    step.error ? h('span', { class: 'error' }, ` — ${step.error}`) : ''))),
    trade.failure ? h('p', { class: 'error' }, `Failed: ${trade.failure}`) : null);
}
