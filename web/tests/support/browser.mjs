// Debian's Chromium driven by playwright-core: launch it headless with the
// network closed, open pages whose console errors are collected (uncaught
// exceptions, console.error, and the browser's own failed-load messages),
// and save screenshots as artifacts.

import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACTS_DIR } from './paths.mjs';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * A page in a fresh context (its own storage: another player), whose console
 * errors land in `page.errors` (`{text, url}`). `prepare(page, context)` runs
 * before the page loads (to route requests, say).
 */
export async function openPage(browser, url, { viewport = { width: 1280, height: 900 }, prepare } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  if (prepare) await prepare(page, context);
  page.errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') page.errors.push({ text: message.text(), url: message.location().url });
  });
  page.on('pageerror', (error) => page.errors.push({ text: `uncaught: ${error.stack || error.message}`, url: '' }));
  page.setDefaultTimeout(20_000);
  await page.goto(url);
  return page;
}

/**
 * The console errors of `pages`. `expected` lists failures the test caused
 * on purpose or the host is known to lack, each `{url, text, why}`: a message
 * is excused only if both its URL and text contain theirs.
 */
export function consoleErrors(pages, expected = []) {
  return pages.flatMap((page) => page.errors)
    .filter((e) => !expected.some((x) => e.url.includes(x.url) && e.text.includes(x.text)));
}

export async function screenshot(page, name) {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Runs `work`; if it fails, saves a screenshot of each of `pages` first. */
export async function shotsOnFailure(pages, prefix, work) {
  try {
    return await work();
  } catch (error) {
    for (const [name, page] of Object.entries(pages())) {
      await screenshot(page, `failed-${prefix}-${name}`).catch(() => {});
    }
    throw error;
  }
}
