// A live match as the client holds it: the host's view of the match at
// `logged` entries (`GET /v1/matches/{id}`), then the effects of every
// committed entry after it, applied in `seq` order. Effects carry absolute
// values (hit points left, shield after, new position), so applying one twice
// changes nothing; entries that arrive early wait until the gap before them
// is filled; `reconcile` takes a fresher view and re-applies what it lacks.

/** Entries kept to re-apply on top of a view that lags them. */
const KEEP_ENTRIES = 500;

const clone = (v) => structuredClone(v);

/** The single key and value of an externally tagged effect. */
export function effectOf(effect) {
  if (typeof effect === 'string') return [effect, null];
  const [kind] = Object.keys(effect);
  return [kind, effect[kind]];
}

function applyEffect(state, effect) {
  const [kind, e] = effectOf(effect);
  const fighter = (id) => state.fighters.find((f) => f.id === id);
  switch (kind) {
    case 'Moved': {
      const f = fighter(e.player);
      if (f) f.pos = { ...e.to };
      break;
    }
    case 'Damaged': {
      const f = fighter(e.target);
      if (f) f.hp = e.hp;
      break;
    }
    case 'Died': {
      const f = fighter(e);
      if (f) {
        f.alive = false;
        f.hp = Math.min(f.hp, 0);
      }
      break;
    }
    case 'Collected':
      state.resources = state.resources.filter((r) => r.id !== e.resource);
      break;
    case 'Scored': {
      const f = fighter(e.player);
      if (f) f.score = e.total;
      break;
    }
    case 'Healed': {
      const f = fighter(e.player);
      if (f) f.hp = e.hp;
      break;
    }
    case 'Shielded': {
      const f = fighter(e.player);
      if (f) f.shield = e.shield;
      break;
    }
    case 'ZoneShrunk':
      state.zone = clone(e);
      break;
    case 'ResourceSpawned':
      if (!state.resources.some((r) => r.id === e.id)) state.resources.push(clone(e));
      break;
    default:
      break;
  }
}

function applyItem(state, item) {
  for (const effect of item.effects) applyEffect(state, effect);
  state.now_ms = Math.max(state.now_ms, item.at_ms);
  if (item.entry.kind === 'tick') state.ticks += 1;
}

export class MatchModel {
  /** A model from the host's `MatchView`. */
  constructor(view) {
    this.matchId = view.match_id;
    this.component = view.component;
    this.version = view.version;
    this.state = clone(view.state);
    this.finished = view.finished;
    this.lastSeq = view.logged;
    this.kept = [];
    this.early = new Map();
  }

  /**
   * Takes one committed entry. Answers the entries applied now, in order
   * (none if it was old, or early and waiting for the gap before it).
   */
  add(item) {
    if (item.seq <= this.lastSeq) return [];
    this.early.set(item.seq, item);
    return this.flush();
  }

  /** Applies the waiting entries that follow `lastSeq` without a gap. */
  flush() {
    const applied = [];
    for (let next = this.early.get(this.lastSeq + 1); next; next = this.early.get(this.lastSeq + 1)) {
      this.early.delete(next.seq);
      applyItem(this.state, next);
      if (next.entry.kind === 'finish') this.finished = next.entry.result;
      this.lastSeq = next.seq;
      this.kept.push(next);
      applied.push(next);
    }
    if (this.kept.length > KEEP_ENTRIES) this.kept.splice(0, this.kept.length - KEEP_ENTRIES);
    return applied;
  }

  /** True when entries wait for a gap to be filled. */
  get waiting() {
    return this.early.size > 0;
  }

  /**
   * Takes a fresher view of the host (for what effects do not carry, such as
   * energy and kills): its state, then the kept entries it lacks. Answers
   * the waiting entries it let through.
   */
  reconcile(view) {
    if (view.match_id !== this.matchId) return [];
    const state = clone(view.state);
    for (const item of this.kept) {
      if (item.seq > view.logged) applyItem(state, item);
    }
    this.state = state;
    this.finished = this.finished || view.finished;
    if (view.logged <= this.lastSeq) return [];
    this.lastSeq = view.logged;
    for (const seq of [...this.early.keys()]) if (seq <= this.lastSeq) this.early.delete(seq);
    return this.flush();
  }

  fighter(id) {
    return this.state.fighters.find((f) => f.id === id);
  }

  /** Live enemies of `id` within `reach` cells (Chebyshev). */
  enemiesNear(id, reach = 1) {
    const me = this.fighter(id);
    if (!me) return [];
    return this.state.fighters.filter((f) => f.id !== id && f.alive
      && Math.max(Math.abs(f.pos.x - me.pos.x), Math.abs(f.pos.y - me.pos.y)) <= reach);
  }

  /** Match time left, in match milliseconds. */
  get remainingMs() {
    return Math.max(0, this.state.config.duration_ms - this.state.now_ms);
  }
}
