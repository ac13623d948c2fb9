// What a player does through the pages, step by step, as the tests tell it:
// sign up, queue, walk up to the rival with the keyboard, fight, and what
// the arena shows of the fighters.

import assert from 'node:assert/strict';

export async function signUp(page, name, password) {
  await page.getByLabel('Player name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Find a match' }).waitFor();
  await page.locator('.link-state[data-state="live"]').waitFor();
}

/** The fighters as the arena's table shows them: `{me, rival}` with x, y, hp. */
export async function fighters(page) {
  return page.locator('.fighters-table tbody tr').evaluateAll((rows) => {
    const read = (r) => r && { id: r.dataset.id, x: Number(r.dataset.x), y: Number(r.dataset.y), hp: Number(r.dataset.hp), fallen: r.classList.contains('fallen') };
    return { me: read(rows.find((r) => r.classList.contains('me'))), rival: read(rows.find((r) => r.classList.contains('enemy'))) };
  });
}

export const distance = (a, b) => Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y));

/**
 * Waits until the arena has the answer to the last action; fails with the
 * host's words if it was refused.
 */
export async function settled(page) {
  const status = await page.waitForFunction(() => {
    const view = document.querySelector('.arena-view');
    const text = view.querySelector('.action-status').textContent;
    return view.getAttribute('aria-busy') !== 'true' && /done\.|applied once|refused/.test(text) && text;
  });
  const text = await status.jsonValue();
  assert.doesNotMatch(text, /refused/, `the host refused an action: ${text}`);
  return text;
}

const KEYS = {
  arrows: { north: 'ArrowUp', south: 'ArrowDown', east: 'ArrowRight', west: 'ArrowLeft' },
  wasd: { north: 'w', south: 's', east: 'd', west: 'a' },
};

/**
 * Walks `page`'s fighter next to its rival with the keyboard, alternating
 * arrows and WASD, checking each step moved it.
 */
export async function walkToRival(page) {
  for (let step = 0; step < 12; step += 1) {
    const { me, rival } = await fighters(page);
    if (distance(me, rival) <= 1) return step;
    const dx = rival.x - me.x;
    const dy = rival.y - me.y;
    const direction = Math.abs(dx) >= Math.abs(dy) ? (dx > 0 ? 'east' : 'west') : (dy > 0 ? 'south' : 'north');
    await page.keyboard.press(KEYS[step % 2 ? 'wasd' : 'arrows'][direction]);
    await settled(page);
    const after = (await fighters(page)).me;
    assert.notDeepEqual([after.x, after.y], [me.x, me.y], `the ${direction} key moved the fighter`);
  }
  throw new Error('never reached the rival');
}

/** Attacks with F until the rival falls; answers the number of attacks. */
export async function attackUntilKnockout(page, { max = 40 } = {}) {
  for (let n = 1; n <= max; n += 1) {
    await page.keyboard.press('f');
    await settled(page);
    const { rival } = await fighters(page);
    if (rival.fallen || rival.hp <= 0) return n;
  }
  throw new Error('the rival never fell');
}
