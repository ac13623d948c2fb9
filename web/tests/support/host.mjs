// One host process per test file: the built `idempo` binary on a free port,
// a temporary data directory (in memory where the machine has /dev/shm, and
// SQLite syncing at checkpoints only: a test host need not survive a power
// cut, and a busy disk must not slow the pages down), the staged components,
// these web pages, and a configuration that makes a match start as soon as
// two players queue. Matches last at least 3 minutes by the arena's own
// bounds, so the tests end theirs by a knockout.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, writeFile, mkdir, rm, access, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { HOST_BIN, COMPONENTS_DIR, WEB_DIR, ARTIFACTS_DIR } from './paths.mjs';

export const OPERATOR_TOKEN = `web-test-operator-${randomBytes(8).toString('hex')}`;
const READY_TIMEOUT_MS = 60_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a host. `components` is the directory of components loaded at
 * boot (the staged set by default); `name` names its log file; `extra`
 * lines end its configuration (tables of their own).
 */
export async function startHost({ name, components = COMPONENTS_DIR, extra = [] } = {}) {
  await access(HOST_BIN).catch(() => {
    throw new Error(`no host binary at ${HOST_BIN}: build it (cargo build -p idempo-host --bin idempo) or set IDEMPO_BIN`);
  });
  const port = await freePort();
  const scratch = await stat('/dev/shm').then((s) => (s.isDirectory() ? '/dev/shm' : os.tmpdir()), () => os.tmpdir());
  const dataDir = await mkdtemp(path.join(scratch, 'idempo-web-'));
  const config = path.join(dataDir, 'idempo.toml');
  await writeFile(config, [
    `listen = "127.0.0.1:${port}"`,
    `data_dir = ${JSON.stringify(path.join(dataDir, 'data'))}`,
    `components_dir = ${JSON.stringify(components)}`,
    `web_dir = ${JSON.stringify(WEB_DIR)}`,
    `operator_token = "${OPERATOR_TOKEN}"`,
    '[storage]',
    'sqlite_synchronous = "normal"',
    '[gateway]',
    `jwt_secret = "${randomBytes(32).toString('hex')}"`,
    '[arena]',
    'min_players = 2',
    'max_players = 2',
    'lobby_wait_ms = 500',
    'arena_width = 6',
    'arena_height = 6',
    'initial_resources = 4',
    '[bus]',
    'relay_poll_ms = 20',
    'consumer_poll_ms = 20',
    ...extra,
    '',
  ].join('\n'));
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const logPath = path.join(ARTIFACTS_DIR, `host-${name || port}.log`);
  const log = createWriteStream(logPath);
  // The host reads IDEMPO_* variables over its config file: none of the
  // caller's may leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('IDEMPO_')));
  const child = spawn(HOST_BIN, ['--config', config], {
    env: { ...env, RUST_LOG: process.env.RUST_LOG || 'info,wasmtime=warn,cranelift=warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`the host exited at start (${JSON.stringify(exited)}); see ${logPath}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the host did not answer /healthz in time; see ${logPath}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    base,
    port,
    logPath,
    operatorToken: OPERATOR_TOKEN,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const gone = await Promise.race([
          new Promise((r) => child.once('exit', () => r(true))),
          new Promise((r) => setTimeout(() => r(false), 5000)),
        ]);
        if (!gone) child.kill('SIGKILL');
      }
      log.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
