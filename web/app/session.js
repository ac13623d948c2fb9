// The signed-in player: the session token, the player's id and name, kept in
// sessionStorage so a reload stays signed in. Emits `change`.

const KEY = 'idempo.session';

export class Session extends EventTarget {
  constructor() {
    super();
    this.token = null;
    this.playerId = null;
    this.name = null;
    this.expiresAt = null;
    try {
      const saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
      if (saved && Date.parse(saved.expiresAt) > Date.now()) Object.assign(this, saved);
    } catch {
      sessionStorage.removeItem(KEY);
    }
  }

  get signedIn() {
    return Boolean(this.token);
  }

  /** Keeps a session answered by `POST /v1/sessions`. */
  set({ token, player_id: playerId, expires_at: expiresAt }, name) {
    Object.assign(this, { token, playerId, expiresAt, name });
    sessionStorage.setItem(KEY, JSON.stringify({ token, playerId, expiresAt, name }));
    this.dispatchEvent(new Event('change'));
  }

  clear() {
    Object.assign(this, { token: null, playerId: null, expiresAt: null, name: null });
    sessionStorage.removeItem(KEY);
    this.dispatchEvent(new Event('change'));
  }
}
