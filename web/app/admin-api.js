// The admin API under /admin/v1, with the operator token, for one game; and
// the host's /metrics (Prometheus text), which answers `null` when the host
// does not serve it.

import { request, ApiError } from './http.js';

const enc = encodeURIComponent;

export function createAdminApi(getToken, getGame) {
  const base = () => `/admin/v1/games/${enc(getGame())}`;
  const call = (path, options = {}) => request(`${base()}${path}`, { token: getToken(), ...options });
  const data = async (path, options) => (await call(path, options)).data;
  const slot = (world, name) => `/components/${enc(world)}/${enc(name)}`;

  return {
    components: () => data('/components'),
    component: (world, name) => data(slot(world, name)),
    upload: (world, name, version, bytes, activate) =>
      call(`${slot(world, name)}/versions/${enc(version)}${activate ? '?activate=true' : ''}`,
        { method: 'PUT', body: bytes, raw: true }),
    activate: (world, name, version) => data(`${slot(world, name)}/activate`, { method: 'POST', body: { version } }),
    rollback: (world, name) => data(`${slot(world, name)}/rollback`, { method: 'POST' }),
    breakers: () => data('/breakers'),
    matches: ({ status, limit = 50, before } = {}) =>
      data(`/matches?${new URLSearchParams(Object.entries({ status, limit, before }).filter(([, v]) => v !== undefined))}`),
    replay: (matchId) => data(`/matches/${enc(matchId)}/replay`),
    deadLetters: (after = 0, limit = 50) => data(`/events/dlq?after=${after}&limit=${limit}`),
    deadLetter: (id) => data(`/events/dlq/${enc(id)}`),
    replayLetter: (id) => data(`/events/dlq/${enc(id)}/replay`, { method: 'POST' }),
    group: (group, topic) => data(`/events/groups/${enc(group)}${topic ? `?topic=${enc(topic)}` : ''}`),
  };
}

/** The host's metrics as text, or `null` when it has no /metrics. */
export async function fetchMetrics() {
  try {
    const { data } = await request('/metrics');
    return typeof data === 'string' ? data : null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
