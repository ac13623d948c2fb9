// The host's HTTP API from the test's side: to set a scene up (an operator
// grant) and to check what the pages show against what the host holds.

export async function call(base, path, { method = 'GET', token, body, headers = {} } = {}) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  return { status: r.status, data, headers: r.headers };
}

export async function ok(base, path, options) {
  const r = await call(base, path, options);
  if (r.status >= 300) throw new Error(`${options?.method || 'GET'} ${path}: ${r.status} ${JSON.stringify(r.data)}`);
  return r.data;
}

/** A session of a player that exists (signed up through the pages). */
export function signIn(base, name, password) {
  return ok(base, '/v1/sessions', { method: 'POST', body: { name, password } });
}

/** Gives `player` currency, items or stamps as the operator. */
export function grant(base, operatorToken, player, { currency = [], items = [], stamps = 0, reason = 'test scene' }) {
  return ok(base, `/admin/v1/games/default/players/${player}/grants`, {
    method: 'POST', token: operatorToken,
    body: { key: `scene-${player}-${Date.now()}-${Math.random()}`, currency, items, stamps, reason },
  });
}

/** Polls `read` until `done(value)` holds, or fails after `ms`. */
export async function eventually(read, done, ms = 20_000, what = 'condition') {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what} never held; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
