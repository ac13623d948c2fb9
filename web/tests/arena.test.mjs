// The arena, played in two browsers: two players sign up, queue, and fight a
// match to its end with keys and clicks, one of them in a narrow window whose
// WebSocket drops mid-match; a stamp seals an action; an action whose answer
// is lost is sent again under the same key and applied once. Then each sees
// the placings, the rewards and stamps the match paid, and their rank.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHost } from './support/host.mjs';
import { launch, openPage, screenshot, consoleErrors, shotsOnFailure } from './support/browser.mjs';
import { signIn, grant, ok, eventually } from './support/api.mjs';
import { signUp, fighters, walkToRival, settled, attackUntilKnockout } from './support/flows.mjs';
import { unnamedControls, focusRing, sidewaysOverflow } from './support/a11y.mjs';

let host;
let browser;

before(async () => {
  host = await startHost({ name: 'arena' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

test('two players fight a match to its end through the pages and see their rewards and rank', async (t) => {
  const pages = {};
  const started = Date.now();
  const mark = (what) => t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
  await shotsOnFailure(() => pages, 'arena', () => play(pages, mark));
});

async function play(pages, mark) {
  const ann = await openPage(browser, `${host.base}/`);
  pages.ann = ann;
  mark('pages open');
  // Bob plays in a narrow window, through a WebSocket the test can cut.
  // Its reconnection waits for `gate`, so he misses what happens meanwhile.
  const bobSockets = [];
  let gate = null;
  const bob = await openPage(browser, `${host.base}/`, {
    viewport: { width: 380, height: 820 },
    prepare: (page) => page.routeWebSocket(/\/v1\/ws/, async (ws) => {
      const socket = { ws, server: null };
      bobSockets.push(socket);
      if (gate) await gate;
      // Frames are relayed explicitly, both ways.
      socket.server = ws.connectToServer();
      ws.onMessage((message) => socket.server.send(message));
      socket.server.onMessage((message) => ws.send(message));
    }),
  });
  pages.bob = bob;

  mark('sign-up form checked');
  // The sign-in form is labelled and shows where focus is.
  assert.deepEqual(await unnamedControls(ann), []);
  const ring = await focusRing(ann);
  assert.equal(ring.outline, 'solid', `focus is visible on ${ring.tag} ${ring.text}`);
  assert.ok(ring.width >= 2);

  await signUp(ann, 'ann', 'ann-password-1');
  await signUp(bob, 'bob', 'bob-password-1');
  const annSession = await signIn(host.base, 'ann', 'ann-password-1');
  const bobSession = await signIn(host.base, 'bob', 'bob-password-1');
  await grant(host.base, host.operatorToken, annSession.player_id, { stamps: 1, reason: 'welcome stamp' });

  mark('queueing');
  // Ann queues and sees herself waiting; Bob's join fills the match.
  await ann.getByRole('button', { name: 'Find a match' }).click();
  await ann.locator('.queue[data-state="queued"]').getByText('You are in the queue').waitFor();
  await ann.locator('.queue-wait').getByText(/Waiting \d+:\d\d/).waitFor();
  await ann.locator('.queue[data-size="1"] .queue-place').getByText('#1').waitFor();
  // Bob's lobby shows the queue before he joins it: one player, Ann, by name.
  await bob.locator('.queue[data-size="1"] .queue-next li').getByText('ann', { exact: true }).waitFor();
  await bob.locator('.queue-place').getByText('not queued').waitFor();
  await bob.getByRole('button', { name: 'Find a match' }).click();
  for (const page of [ann, bob]) await page.locator('.fighter.me').waitFor();
  const matchId = await ann.locator('.match-id').getAttribute('data-match-id');
  assert.equal(await bob.locator('.match-id').getAttribute('data-match-id'), matchId);
  await ann.locator('.rules[data-version="1.0.0"]').waitFor();
  await ann.locator('.stamps[data-count="1"]').waitFor();
  // Each sees the other by name.
  await ann.locator('.fighters-table tbody th').getByText('bob', { exact: true }).waitFor();
  await bob.locator('.fighters-table tbody th').getByText('ann', { exact: true }).waitFor();
  assert.deepEqual(await unnamedControls(ann), []);
  assert.deepEqual(await unnamedControls(bob), []);
  assert.ok(await sidewaysOverflow(bob) <= 0, 'the arena fits a 380 px window');

  mark('bob defends');
  // Bob raises his shield by key, then by button.
  await bob.keyboard.press('e');
  await settled(bob);
  await bob.getByRole('button', { name: 'Defend (E)' }).click();
  await settled(bob);
  assert.equal(await bob.locator('.fighters-table tr.me td').nth(1).textContent(), '20');

  mark('bob dropped');
  // Bob's connection drops, and stays down while Ann acts.
  assert.equal(bobSockets.length, 1);
  let release;
  gate = new Promise((resolve) => { release = resolve; });
  await bobSockets[0].ws.close({ code: 4000, reason: 'dropped by the test' });
  await bobSockets[0].server.close();
  await bob.locator('.link-state:not([data-state="live"])').waitFor();

  mark('ann closes in');
  // Ann walks up to Bob with the keyboard and hits him with a click.
  const steps = await walkToRival(ann);
  const bobId = (await fighters(ann)).rival.id;
  assert.equal(bobId, bobSession.player_id);
  await ann.locator(`.board .fighter[data-id="${bobId}"]`).click();
  await settled(ann);

  mark('sealed whirlwind');
  // A whirlwind sealed with her stamp: the seal shows on both sides.
  await ann.keyboard.press('t');
  assert.equal(await ann.getByRole('button', { name: /Seal with a stamp/ }).getAttribute('aria-pressed'), 'true');
  await ann.keyboard.press('1');
  await settled(ann);
  await ann.locator('.match-log li.sealed').getByText(/used whirlwind/).waitFor();
  await ann.locator('.stamps[data-count="0"]').waitFor();
  await screenshot(ann, 'arena');

  mark('lost answer, retried');
  // An attack whose answer is lost on the way back: sent again under the
  // same key, answered from the host's record, applied once.
  const keys = [];
  await ann.route('**/v1/matches/*/actions', async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (keys.length === 1) {
      await route.fetch();
      await route.abort('failed');
    } else {
      await route.continue();
    }
  });
  await ann.keyboard.press('f');
  const said = await settled(ann);
  await ann.unroute('**/v1/matches/*/actions');
  assert.equal(keys.length, 2, 'sent twice');
  assert.equal(keys[0], keys[1], 'under one key');
  assert.match(said, /applied once/);
  assert.equal(await ann.locator('.action-status').getAttribute('data-replayed'), 'true');
  const feed = await ok(host.base, `/v1/matches/${matchId}/feed?after=0&limit=1000`, { token: annSession.token });
  assert.equal(feed.items.filter((i) => i.entry.kind === 'action' && i.entry.action.id === keys[0]).length, 1, 'the retried attack is logged once');
  assert.equal(feed.items.filter((i) => i.entry.kind === 'action' && i.entry.action.stamped).length, 1, 'one sealed action');

  mark('bob resumed');
  // Bob is back, resumed from the last entry he had, and sees what he missed.
  await eventually(() => bobSockets.length, (n) => n >= 2, 15_000, 'bob tries to reconnect');
  const resumed = new URL(bobSockets[bobSockets.length - 1].ws.url());
  const resumedAfter = Number(resumed.searchParams.get('after'));
  assert.equal(resumed.searchParams.get('match_id'), matchId);
  assert.ok(resumedAfter > 0, `resumed after seq ${resumedAfter}`);
  assert.ok(resumedAfter < feed.items[feed.items.length - 1].seq, 'entries came while he was away');
  assert.ok(resumed.searchParams.has('notices_after'));
  release();
  await bob.locator('.link-state[data-state="live"]').waitFor();
  await bob.locator('.match-log li.sealed').waitFor();
  const host1 = await ok(host.base, `/v1/matches/${matchId}`, { token: bobSession.token });
  const bobNow = host1.state.fighters.find((f) => f.id === bobId);
  await bob.locator(`.fighters-table tr.me[data-hp="${bobNow.hp}"]`).waitFor();

  mark('knockout');
  // Ann finishes him.
  const attacks = await attackUntilKnockout(ann);
  assert.ok(steps + attacks > 0);

  mark('results');
  // Bob's log holds every action of the match once, the ones he missed
  // while cut off included.
  const full = await ok(host.base, `/v1/matches/${matchId}/feed?after=0&limit=1000`, { token: bobSession.token });
  const actionSeqs = full.items.filter((i) => i.entry.kind === 'action').map((i) => i.seq);
  await bob.locator('.arena-view .match-log li.finish').waitFor({ state: 'attached' });
  const logged = await bob.locator('.arena-view .match-log li').evaluateAll(
    (lines) => lines.filter((li) => !li.classList.contains('tick') && !li.classList.contains('finish')).map((li) => Number(li.dataset.seq)));
  assert.deepEqual([...logged].sort((a, b) => a - b), actionSeqs);

  // Both see the placings and what the match paid them.
  const paid = {};
  for (const [page, session, place] of [[ann, annSession, 1], [bob, bobSession, 2]]) {
    await page.locator('.results-view:not([hidden])').waitFor();
    await page.locator(`.placings-table tr.me[data-place="${place}"]`).waitFor();
    await page.locator('.rewards[data-state="paid"]').waitFor({ timeout: 30_000 });
    const history = await eventually(
      () => ok(host.base, '/v1/players/me/matches?limit=1', { token: session.token }),
      (h) => h.matches[0]?.rewards.length > 0, 20_000, 'rewards booked');
    const lines = history.matches[0].rewards;
    const gold = lines.find((l) => l.code === 'gold');
    const stamps = lines.find((l) => l.kind === 'stamp')?.amount ?? 0;
    assert.ok(gold.amount > 0);
    await page.locator(`.reward-lines li[data-code="gold"][data-amount="${gold.amount}"]`).waitFor();
    assert.equal(Number(await page.locator('.stamps-earned').getAttribute('data-count')), stamps);
    assert.equal(stamps, place === 1 ? 2 : 1, 'the standard rewards: 2 stamps to the winner, 1 to the second');
    paid[place] = { gold: gold.amount, stamps };
  }
  await screenshot(ann, 'results');

  mark('wallet and inventory');
  // The wallet and the inventory hold them.
  await ann.getByRole('link', { name: 'Wallet' }).first().click();
  await ann.locator(`.balances-table tr[data-currency="gold"][data-available="${paid[1].gold}"]`).waitFor();
  await ann.locator('.ledger tbody tr').first().waitFor();
  await ann.getByRole('link', { name: 'Inventory' }).first().click();
  await ann.locator(`.chip.stamp[data-count="${paid[1].stamps}"]`).waitFor();

  mark('leaderboard');
  // And the leaderboard shows each their own rank.
  for (const [page, rank] of [[ann, 1], [bob, 2]]) {
    await page.goto(`${host.base}/#/leaderboard`);
    await page.locator(`.my-rank[data-rank="${rank}"]`).waitFor({ timeout: 20_000 });
    await page.locator('.board-table tr.me').waitFor();
    const other = page === ann ? 'bob' : 'ann';
    await page.locator('.board-table tbody th').getByText(other, { exact: true }).waitFor();
    assert.deepEqual(await unnamedControls(page), []);
    mark(`rank ${rank} shown`);
  }
  assert.ok(await sidewaysOverflow(bob) <= 0, 'the leaderboard fits a 380 px window');
  await screenshot(bob, 'leaderboard-narrow');

  assert.deepEqual(consoleErrors([ann, bob], [
    { url: '/actions', text: 'net::ERR_FAILED', why: 'the answer the test cut on purpose' },
  ]), []);
}
