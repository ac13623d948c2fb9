// The HTTP transport every API call goes through: JSON in and out,
// problem+json errors as `ApiError` (whose `detail` is what the user reads),
// bearer tokens, and retries, at most MAX_ATTEMPTS with growing, jittered
// pauses. A request that carries an `Idempotency-Key` is retried with the
// same key after a network failure, a 409 `idempotency-key-in-flight`, a 429
// (after `Retry-After`) or a 502/503/504, so the host applies it once however
// often it is sent; reads are retried the same way.

/** An error answer of the API, or a failure to reach it. */
export class ApiError extends Error {
  constructor({ status = 0, type = '', title = '', detail = '', body = null }) {
    super(detail || title || `request failed (${status})`);
    this.status = status;
    this.type = type;
    this.kind = type ? type.split('/').pop() : '';
    this.title = title;
    this.detail = detail || title || (status ? `the host answered ${status}` : 'the host cannot be reached');
    this.body = body;
  }
}

/** A fresh idempotency key (a UUIDv4). */
export function newKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Most attempts of one retried request, and the first backoff in ms. */
export const MAX_ATTEMPTS = 6;
export const BACKOFF_MS = 250;

const RETRIED_STATUSES = new Set([429, 502, 503, 504]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function backoff(attempt, retryAfter) {
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds > 0) return Math.min(seconds, 10) * 1000;
  const cap = BACKOFF_MS * 2 ** attempt;
  return cap / 2 + Math.random() * (cap / 2);
}

async function parse(response) {
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') || '';
  if (type.includes('json')) return response.json();
  const text = await response.text();
  return text === '' ? null : text;
}

/**
 * Sends one request and answers `{status, data, replayed}`, or throws an
 * `ApiError`. Options: `method`, `body` (JSON-encoded unless `raw`),
 * `token`, `key` (an Idempotency-Key, which every retry keeps), `onRetry`.
 * Reads (GET) and keyed requests are retried; other writes are sent once.
 */
export async function request(path, options = {}) {
  const { method = 'GET', body, token, key, raw = false, onRetry } = options;
  const headers = { Accept: 'application/json, application/problem+json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (key) headers['Idempotency-Key'] = key;
  let payload;
  if (body !== undefined) {
    if (raw) {
      payload = body;
      headers['Content-Type'] = 'application/octet-stream';
    } else {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
  }
  const retries = Boolean(key) || method === 'GET';
  for (let attempt = 0; ; attempt += 1) {
    const last = !retries || attempt + 1 >= MAX_ATTEMPTS;
    let response;
    try {
      response = await fetch(path, { method, headers, body: payload });
    } catch (failure) {
      if (last) throw new ApiError({ detail: `the host cannot be reached (${failure.message})` });
      onRetry?.({ attempt, reason: 'network' });
      await sleep(backoff(attempt));
      continue;
    }
    const data = await parse(response).catch(() => null);
    if (response.ok) {
      return {
        status: response.status,
        data,
        replayed: response.headers.get('Idempotency-Replayed') === 'true',
      };
    }
    const problem = data && typeof data === 'object' ? data : {};
    const error = new ApiError({ ...problem, status: response.status, body: problem });
    const inFlight = response.status === 409 && error.kind === 'idempotency-key-in-flight';
    if (!last && (inFlight || RETRIED_STATUSES.has(response.status))) {
      onRetry?.({ attempt, reason: error.kind || String(response.status) });
      await sleep(backoff(attempt, response.headers.get('Retry-After')));
      continue;
    }
    throw error;
  }
}
