// The player's WebSocket (`GET /v1/ws`) with resume: it remembers the last
// entry `seq` of the watched match and the last notice `seq`, and every
// reconnect asks for what came after them (`match_id`, `after`,
// `notices_after`), so a dropped connection loses nothing and repeats
// nothing. Frames are re-emitted as events: `hello`, `entry`, `notice`,
// `matched`, `error`; `status` tells `connecting` / `live` / `offline`.

const MIN_BACKOFF_MS = 300;
const MAX_BACKOFF_MS = 8000;

export class LiveSocket extends EventTarget {
  constructor(session) {
    super();
    this.session = session;
    this.socket = null;
    this.matchId = null;
    this.after = 0;
    this.noticesAfter = 0;
    this.status = 'offline';
    this.attempts = 0;
    this.stopped = true;
    this.timer = null;
  }

  /** Connects (again) for the signed-in player. */
  start() {
    this.stopped = false;
    if (!this.socket) this.connect();
  }

  /** Closes for good (sign-out); forgets the cursors. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'signed out');
    this.matchId = null;
    this.after = 0;
    this.noticesAfter = 0;
    this.setStatus('offline');
  }

  /** Watches `matchId` from after `after` (on this and later connections). */
  watch(matchId, after = 0) {
    this.matchId = matchId;
    this.after = after;
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: 'watch', match_id: matchId, after }));
    }
  }

  url() {
    const params = new URLSearchParams({ token: this.session.token, notices_after: String(this.noticesAfter) });
    if (this.matchId) {
      params.set('match_id', this.matchId);
      params.set('after', String(this.after));
    }
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${location.host}/v1/ws?${params}`;
  }

  setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent('status', { detail: status }));
  }

  connect() {
    this.setStatus('connecting');
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.addEventListener('message', (event) => {
      if (this.socket !== socket) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.onFrame(frame);
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      this.setStatus('offline');
      const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.attempts);
      this.attempts += 1;
      this.timer = setTimeout(() => this.connect(), delay / 2 + Math.random() * (delay / 2));
    });
  }

  onFrame(frame) {
    switch (frame.type) {
      case 'hello':
        this.attempts = 0;
        this.setStatus('live');
        // A watch asked for while connecting, which the URL did not carry.
        if (this.matchId && frame.match_id !== this.matchId) {
          this.socket.send(JSON.stringify({ type: 'watch', match_id: this.matchId, after: this.after }));
        } else if (!this.matchId && frame.match_id) {
          // The host watches the player's running match, from its start.
          this.matchId = frame.match_id;
          this.after = 0;
        }
        break;
      case 'matched':
        // Its entries follow from seq 1 on this connection.
        this.matchId = frame.match_id;
        this.after = 0;
        break;
      case 'entry':
        if (frame.match_id !== this.matchId || frame.seq <= this.after) return;
        this.after = frame.seq;
        break;
      case 'notice':
        if (frame.seq <= this.noticesAfter) return;
        this.noticesAfter = frame.seq;
        break;
      default:
        break;
    }
    this.dispatchEvent(new CustomEvent(frame.type, { detail: frame }));
  }
}
