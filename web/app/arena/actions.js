// Sending actions: one at a time, in the order asked (up to a few waiting),
// each under a fresh Idempotency-Key that its retries keep, so a lost
// answer never applies an action twice. A sealed action names a stamp the
// player owns; the host spends it only if the rules accept the action.

/** Intents waiting behind the one in flight, at most. */
export const MAX_WAITING = 3;

export class ActionQueue {
  /**
   * `send(intent, onRetry)` posts one action and answers the host's
   * response; `report({intent, outcome, error, retrying})` hears what
   * happened.
   */
  constructor(send, report) {
    this.send = send;
    this.report = report;
    this.waiting = [];
    this.running = false;
  }

  get busy() {
    return this.running;
  }

  /** Queues `intent`; false when the queue is full. */
  push(intent) {
    if (this.waiting.length >= MAX_WAITING) return false;
    this.waiting.push(intent);
    if (!this.running) this.drain();
    return true;
  }

  clear() {
    this.waiting = [];
  }

  async drain() {
    this.running = true;
    while (this.waiting.length) {
      const intent = this.waiting.shift();
      this.report({ intent, sending: true });
      try {
        const response = await this.send(intent, (retry) => this.report({ intent, retrying: retry }));
        this.report({ intent, response });
      } catch (error) {
        this.report({ intent, error });
        // A refused action makes the ones queued after it moot.
        this.waiting = [];
      }
    }
    this.running = false;
  }
}

/** The API body of an intent, given the model and the chosen target. */
export function actionOf(intent, target) {
  switch (intent.type) {
    case 'move':
      return { type: 'move', direction: intent.direction };
    case 'attack':
      return target ? { type: 'attack', target } : null;
    case 'defend':
      return { type: 'defend' };
    case 'collect':
      return { type: 'collect' };
    case 'special':
      return { type: 'special', ability: intent.ability };
    default:
      return null;
  }
}
