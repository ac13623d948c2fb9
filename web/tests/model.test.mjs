// The arena's match model without a browser: entries applied in seq order
// whatever order they arrive in, each once, and a lagging view of the host
// reconciled with the entries it lacks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MatchModel } from '../app/arena/model.js';

function view(logged = 0) {
  return {
    match_id: 'm1', component: 'classic', version: '1.0.0', logged, finished: null,
    state: {
      config: { width: 6, height: 6, duration_ms: 180000, tick_ms: 1000, initial_resources: 1 },
      now_ms: 0, ticks: 0, next_resource_id: 1, rules_data: [],
      zone: { center: { x: 3, y: 3 }, radius: 3 },
      resources: [{ id: 0, pos: { x: 2, y: 2 }, value: 9 }],
      fighters: [
        { id: 'ann', pos: { x: 1, y: 1 }, hp: 100, max_hp: 100, shield: 0, attack: 20, defence: 5, energy: 0, score: 0, kills: 0, alive: true, died_at_ms: null },
        { id: 'bob', pos: { x: 2, y: 1 }, hp: 100, max_hp: 100, shield: 0, attack: 20, defence: 5, energy: 2, score: 0, kills: 0, alive: true, died_at_ms: null },
      ],
    },
  };
}

const action = (seq, kind, effects, at = seq * 10) => ({
  match_id: 'm1', seq, at_ms: at, entry: { kind: 'action', action: { id: `a${seq}`, actor: 'ann', kind, stamped: false, at_ms: at } }, effects,
});
const hit = (seq, hp) => action(seq, { Attack: 'bob' }, [{ Damaged: { target: 'bob', source: 'ann', amount: 100 - hp, hp, critical: false } }]);

test('entries that arrive out of order wait for the gap and apply once, in order', () => {
  const model = new MatchModel(view());
  assert.deepEqual(model.add(hit(2, 70)), []);
  assert.ok(model.waiting);
  const applied = model.add(hit(1, 85));
  assert.deepEqual(applied.map((i) => i.seq), [1, 2]);
  assert.equal(model.fighter('bob').hp, 70);
  assert.deepEqual(model.add(hit(1, 85)), [], 'a repeated entry changes nothing');
  assert.equal(model.fighter('bob').hp, 70);
  assert.equal(model.lastSeq, 2);
});

test('moves, collects, deaths and the finish are applied from their effects', () => {
  const model = new MatchModel(view());
  model.add(action(1, { Move: 'South' }, [{ Moved: { player: 'ann', from: { x: 1, y: 1 }, to: { x: 1, y: 2 } } }]));
  model.add(action(2, 'Collect', [{ Collected: { player: 'ann', resource: 0, value: 9 } }, { Scored: { player: 'ann', points: 9, total: 9 } }]));
  model.add(action(3, { Attack: 'bob' }, [{ Damaged: { target: 'bob', source: 'ann', amount: 100, hp: 0, critical: true } }, { Died: 'bob' }]));
  model.add({ match_id: 'm1', seq: 4, at_ms: 40, entry: { kind: 'finish', result: { match_id: 'm1', placings: [], duration_ms: 40 } }, effects: [] });
  assert.deepEqual(model.fighter('ann').pos, { x: 1, y: 2 });
  assert.equal(model.fighter('ann').score, 9);
  assert.equal(model.state.resources.length, 0);
  assert.equal(model.fighter('bob').alive, false);
  assert.ok(model.finished);
});

test('a view of the host that lags is topped up with the entries it lacks', () => {
  const model = new MatchModel(view());
  model.add(hit(1, 85));
  model.add(hit(2, 70));
  const lagging = view(1);
  lagging.state.fighters[1].hp = 85;
  lagging.state.fighters[1].energy = 5;
  model.reconcile(lagging);
  assert.equal(model.fighter('bob').hp, 70, 'entry 2 re-applied on the older view');
  assert.equal(model.fighter('bob').energy, 5, 'what effects do not carry comes from the view');
  const ahead = view(3);
  ahead.state.fighters[1].hp = 55;
  model.add(hit(4, 40));
  model.reconcile(ahead);
  assert.equal(model.lastSeq, 4, 'the waiting entry after the view went through');
  assert.equal(model.fighter('bob').hp, 40);
});
