// Hot swap from the operator console: while a match runs on classic 1.0.0,
// the operator uploads classic 1.1.0 (critical hits) and activates it. The
// running match stays on its pinned version to its end (the console's pin
// listing says so); the next match runs the new rules, and the arena says
// so and shows every critical hit. Then one click rolls back.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHost } from './support/host.mjs';
import { launch, openPage, screenshot, consoleErrors, shotsOnFailure } from './support/browser.mjs';
import { signIn, ok, call } from './support/api.mjs';
import { signUp, walkToRival, attackUntilKnockout } from './support/flows.mjs';
import { unnamedControls } from './support/a11y.mjs';
import { COMBAT_V2 } from './support/paths.mjs';
import { effectOf } from '../app/arena/model.js';

let host;
let browser;

before(async () => {
  host = await startHost({ name: 'hot-swap' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

/** Ann and Bob queue (Ann first) and land in the same new match; its id. */
async function queueBoth(ann, bob, button, previous = '') {
  await ann.getByRole('button', { name: button }).click();
  await ann.locator('.queue[data-state="queued"]').waitFor();
  await bob.getByRole('button', { name: button }).click();
  const shown = `.arena-view:not([hidden]) .match-id[data-match-id]:not([data-match-id="${previous}"])`;
  const id = await bob.locator(shown).getAttribute('data-match-id');
  await ann.locator(`.arena-view:not([hidden]) .match-id[data-match-id="${id}"]`).waitFor();
  return id;
}

/** The critical hits in a match's log. */
async function criticalHits(matchId, token) {
  const feed = await ok(host.base, `/v1/matches/${matchId}/feed?after=0&limit=1000`, { token });
  return feed.items.flatMap((i) => i.effects.map(effectOf)).filter(([k, e]) => k === 'Damaged' && e.critical).length;
}

/** Ann walks up to Bob and knocks him out; both land on their results. */
async function knockout(ann, bob) {
  await walkToRival(ann);
  await attackUntilKnockout(ann);
  for (const page of [ann, bob]) await page.locator('.results-view:not([hidden]) .placings-table').waitFor();
}

test('a match keeps its pinned version across a hot swap and the next one runs the new rules', async (t) => {
  const pages = {};
  const started = Date.now();
  const mark = (what) => t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
  await shotsOnFailure(() => pages, 'hot-swap', () => swap(pages, mark));
});

async function swap(pages, mark) {
  const metricsServed = (await call(host.base, '/metrics')).status !== 404;
  const con = await openPage(browser, `${host.base}/console.html`);
  pages.console = con;
  await con.getByLabel('Operator token').fill(host.operatorToken);
  await con.getByRole('button', { name: 'Open the console' }).click();
  const classic = con.locator('.slot[data-world="combat"][data-name="classic"]');
  await con.locator('.slot[data-name="classic"][data-active="1.0.0"]').waitFor();
  assert.equal(await classic.locator('tr[data-version]').count(), 1, 'only 1.0.0 is loaded at start');
  await con.locator(`.metrics-state[data-state="${metricsServed ? 'live' : 'absent'}"]`).waitFor();
  if (!metricsServed) {
    assert.equal(await con.locator('.metrics-panel .chart-box.no-data').count(), 3, 'every metrics chart says it has no data');
  }

  mark('console open');
  const ann = await openPage(browser, `${host.base}/`);
  const bob = await openPage(browser, `${host.base}/`);
  Object.assign(pages, { ann, bob });
  await signUp(ann, 'ann', 'ann-password-1');
  await signUp(bob, 'bob', 'bob-password-1');
  const annSession = await signIn(host.base, 'ann', 'ann-password-1');

  mark('match A');
  // Match A starts on 1.0.0.
  const matchA = await queueBoth(ann, bob, 'Find a match');
  await ann.locator('.rules[data-version="1.0.0"]').waitFor();

  mark('upload and activate');
  // While it runs, the operator uploads 1.1.0 and activates it.
  const file = con.getByLabel('Component file (.wasm)');
  await file.setInputFiles(COMBAT_V2);
  assert.equal(await con.getByLabel('Name', { exact: true }).inputValue(), 'classic');
  assert.equal(await con.getByLabel('Version', { exact: true }).inputValue(), '1.1.0');
  // Sent as a rewards component first by mistake: refused, with the reason.
  await con.getByLabel('World').selectOption('rewards');
  await con.getByRole('button', { name: 'Upload', exact: true }).click();
  await con.locator('.components-panel > .error').getByText(/^Upload refused: .*rewards/).waitFor();
  assert.equal(await con.locator('.slot[data-world="rewards"] tr[data-version]').count(), 1, 'nothing was loaded');
  await con.getByLabel('World').selectOption('combat');
  await con.getByRole('button', { name: 'Upload', exact: true }).click();
  await con.locator('.upload-result[data-version="1.1.0"]').getByText(/^Uploaded/).waitFor();
  await classic.locator('tr[data-version="1.1.0"]').waitFor();
  await con.getByRole('button', { name: 'Activate 1.1.0' }).click();
  await con.locator('.slot[data-name="classic"][data-active="1.1.0"]').waitFor();

  mark('pins');
  // The console lists match A, running and still pinned to 1.0.0, with its
  // players by name, and counts it under 1.0.0; so does the arena.
  const rowA = con.locator(`.pins tr[data-match-id="${matchA}"][data-version="1.0.0"][data-state="running"]`);
  await rowA.waitFor();
  await rowA.getByText(/ann.*bob|bob.*ann/).waitFor();
  await con.locator('.pin-counts li[data-version="1.0.0"][data-running="1"]').waitFor();
  assert.equal(await ann.locator('.rules').getAttribute('data-version'), '1.0.0');

  mark('match A knockout');
  // Match A is fought to its end on 1.0.0: no critical hit.
  await knockout(ann, bob);
  const viewA = await ok(host.base, `/v1/matches/${matchA}`, { token: annSession.token });
  assert.equal(viewA.version, '1.0.0');
  assert.ok(viewA.finished);
  assert.equal(await criticalHits(matchA, annSession.token), 0, '1.0.0 has no critical hit');
  await con.locator(`.pins tr[data-match-id="${matchA}"][data-version="1.0.0"][data-state="finished"]`).waitFor();

  mark('match B on 1.1.0');
  // The next match runs 1.1.0, and the arena says what is new.
  const matchB = await queueBoth(ann, bob, 'Play again', matchA);
  assert.notEqual(matchB, matchA);
  for (const page of [ann, bob]) {
    await page.locator('.rules[data-version="1.1.0"]').waitFor();
    await page.locator('.rules .badge.new-rules').getByText('critical hits').waitFor();
  }
  await con.locator(`.pins tr[data-match-id="${matchB}"][data-version="1.1.0"][data-state="running"]`).waitFor();
  await con.locator(`.pins tr[data-match-id="${matchA}"][data-version="1.0.0"][data-state="finished"]`).waitFor();
  await con.locator('.pin-counts li[data-version="1.1.0"][data-running="1"]').waitFor();
  // A match can also be looked up by id: its log replayed on its pin.
  await con.getByLabel('Match id').fill(matchA);
  await con.getByRole('button', { name: 'Look up' }).click();
  await con.waitForFunction(() => document.querySelector('.pin-form input[name="match_id"]').value === '');
  assert.equal((await con.locator('.pins-panel > .error').textContent()).trim(), '', 'the lookup was refused');

  await walkToRival(ann);
  await screenshot(ann, 'arena-v2');
  await attackUntilKnockout(ann);
  for (const page of [ann, bob]) await page.locator('.results-view:not([hidden]) .placings-table').waitFor();
  await ann.locator('.results-view .summary').getByText(/rules classic 1\.1\.0 \(critical hits\)/).waitFor();

  mark('critical hits checked');
  // Every critical hit the host logged is shown as one in the arena's log.
  const crits = await criticalHits(matchB, annSession.token);
  const shown = await ann.locator('.arena-view .match-log li').evaluateAll(
    (lines) => lines.reduce((n, li) => n + (li.textContent.match(/\(critical!\)/g) || []).length, 0));
  assert.equal(shown, crits, `the log shows the ${crits} critical hit(s) the host logged`);

  // The console counted the calls of both versions, and can roll back.
  await con.locator('#calls .chart-line').first().waitFor();
  mark('calls charted');
  await con.getByRole('button', { name: 'Roll back classic' }).click();
  await con.locator('.slot[data-name="classic"][data-active="1.0.0"]').waitFor();
  await classic.locator('summary').click();
  await classic.locator('.history li').getByText(/rollback 1\.1\.0 → 1\.0\.0 by operator/).waitFor();
  await classic.locator('.history li').getByText(/activate 1\.0\.0 → 1\.1\.0 by operator/).waitFor();
  mark('rolled back');
  assert.deepEqual(await unnamedControls(con), []);
  await screenshot(con, 'console');
  mark('console shot');

  assert.deepEqual(consoleErrors([con, ann, bob], [
    { url: '/components/rewards/classic/versions/1.1.0', text: 'status of 422', why: 'the upload to the wrong world, on purpose' },
    ...(metricsServed ? [] : [{ url: '/metrics', text: 'status of 404', why: 'the host does not serve /metrics yet' }]),
  ]), []);
}
