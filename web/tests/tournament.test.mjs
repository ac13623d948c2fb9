// The daily tournament through the pages: a player of level 10 enters
// today's tournament from the Tournament page, is charged the fee once and
// sees their group's standings with their own row; a level-1 player's entry
// is refused with the host's reason. The host's tournament clock is set to
// 08:00 UTC of today (`tournament.clock_offset_ms`), so entries are open
// whenever the test runs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHost } from './support/host.mjs';
import { launch, openPage, screenshot, consoleErrors, shotsOnFailure } from './support/browser.mjs';
import { signIn, grant, call, eventually } from './support/api.mjs';
import { signUp } from './support/flows.mjs';
import { unnamedControls, sidewaysOverflow } from './support/a11y.mjs';

const DAY_MS = 86_400_000;
let host;
let browser;

before(async () => {
  const now = Date.now();
  const eight = now - (now % DAY_MS) + 8 * 3_600_000;
  host = await startHost({ name: 'tournament', extra: ['[tournament]', `clock_offset_ms = ${eight - now}`] });
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

test('a player enters the day’s tournament and sees their group; a low level is refused', async () => {
  browser ??= await launch();
  const pages = {};
  await shotsOnFailure(() => pages, 'tournament', () => play(pages));
});

async function gold(token) {
  const { data } = await call(host.base, '/v1/players/me/wallet', { token });
  return data.balances.find((b) => b.currency === 'gold')?.available;
}

async function play(pages) {
  const ann = await openPage(browser, `${host.base}/`);
  const bob = await openPage(browser, `${host.base}/`, { viewport: { width: 390, height: 860 } });
  Object.assign(pages, { ann, bob });
  await signUp(ann, 'annie', 'annie-password');
  await signUp(bob, 'bobby', 'bobby-password');
  const annie = await signIn(host.base, 'annie', 'annie-password');
  const bobby = await signIn(host.base, 'bobby', 'bobby-password');
  await grant(host.base, host.operatorToken, annie.player_id, { currency: [{ code: 'gold', amount: 1000 }, { code: 'xp', amount: 2250 }] });
  await grant(host.base, host.operatorToken, bobby.player_id, { currency: [{ code: 'gold', amount: 1000 }] });

  await ann.getByRole('link', { name: 'Tournament' }).click();
  await ann.locator('.tournament-view:not([hidden]) .tournament-day').waitFor();
  await ann.getByText('You are level 10').waitFor();
  await ann.getByRole('button', { name: 'Enter for 500 gold' }).click();
  await ann.getByText('You are in group 1.').waitFor();
  const mine = ann.locator('.tournament-standings tr.me');
  await mine.waitFor();
  assert.equal(await mine.getAttribute('data-rank'), '1');
  assert.match(await mine.textContent(), /You \(annie\)/);
  assert.equal(await gold(annie.token), 500, 'the fee, once');
  assert.deepEqual(await unnamedControls(ann), []);
  await screenshot(ann, 'tournament');

  await bob.getByRole('link', { name: 'Tournament' }).click();
  await bob.getByRole('button', { name: 'Enter for 500 gold' }).click();
  await bob.locator('.tournament-view .error').filter({ hasText: 'level 10' }).waitFor();
  assert.equal(await gold(bobby.token), 1000, 'refused, not charged');
  assert.ok(await sidewaysOverflow(bob) <= 0, 'the tournament fits a 390 px window');
  const entries = await eventually(
    async () => (await call(host.base, '/v1/tournaments/current', { token: bobby.token })).data.entries,
    (n) => n === 1, 10_000, 'one entry');
  assert.equal(entries, 1);
  // The browser logs the refused entry (422) and the standing of a player
  // not entered yet (404) as failed loads.
  const expected = [
    { url: '/v1/tournaments/', text: '422', why: 'a refused entry' },
    { url: '/v1/tournaments/', text: '404', why: 'no standing before an entry' },
  ];
  assert.deepEqual(consoleErrors([ann, bob], expected), []);
}
