// Player names. The API names players by id and adds `names` (id to name)
// to the answers that mention players; every answer's names are learned
// here, so any view can show a player by name. Names never change, so what
// was learned stays true.

import { shortId } from './dom.js';

export class Names {
  constructor(session) {
    this.session = session;
    this.known = new Map();
  }

  /** Keeps the `names` of an API answer, if it has any. */
  learn(answer) {
    const names = answer && typeof answer === 'object' ? answer.names : null;
    if (names && typeof names === 'object') for (const [id, name] of Object.entries(names)) this.known.set(id, name);
  }

  /** A player's name, or their shortened id until it is known. */
  of(id) {
    return this.known.get(id) ?? shortId(id);
  }

  /** How a view shows a player: "You (name)" for the signed-in one. */
  label(id) {
    return id === this.session.playerId ? `You (${this.session.name})` : this.of(id);
  }
}
