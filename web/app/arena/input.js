// The arena's keyboard: arrows or WASD move, F attacks (the chosen target or
// the nearest enemy in reach), E defends, C collects, 1/2/3 are the
// specials (whirlwind, dash, heal), T toggles the stamp seal for the next
// action. Keys act only while the arena is shown and focus is not in a text
// field; the same intents come from the buttons and from clicks.

export const KEYS = [
  { keys: ['ArrowUp', 'w'], intent: { type: 'move', direction: 'north' }, label: '↑ / W', help: 'move north' },
  { keys: ['ArrowDown', 's'], intent: { type: 'move', direction: 'south' }, label: '↓ / S', help: 'move south' },
  { keys: ['ArrowLeft', 'a'], intent: { type: 'move', direction: 'west' }, label: '← / A', help: 'move west' },
  { keys: ['ArrowRight', 'd'], intent: { type: 'move', direction: 'east' }, label: '→ / D', help: 'move east' },
  { keys: ['f'], intent: { type: 'attack' }, label: 'F', help: 'attack' },
  { keys: ['e'], intent: { type: 'defend' }, label: 'E', help: 'defend (shield)' },
  { keys: ['c'], intent: { type: 'collect' }, label: 'C', help: 'collect' },
  { keys: ['1'], intent: { type: 'special', ability: 'whirlwind' }, label: '1', help: 'whirlwind' },
  { keys: ['2'], intent: { type: 'special', ability: 'dash' }, label: '2', help: 'dash' },
  { keys: ['3'], intent: { type: 'special', ability: 'heal' }, label: '3', help: 'heal' },
  { keys: ['t'], intent: { type: 'seal' }, label: 'T', help: 'seal the next action with a stamp' },
];

function typing(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** Calls `onIntent(intent)` for arena keys while `active()` holds. */
export function bindKeys(active, onIntent) {
  document.addEventListener('keydown', (event) => {
    if (!active() || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const binding = KEYS.find((b) => b.keys.includes(key));
    if (!binding) return;
    event.preventDefault();
    onIntent(binding.intent);
  });
}

/** The one-step move from `from` toward cell `to` (the longer axis first). */
export function stepToward(from, to) {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  if (dx === 0 && dy === 0) return null;
  if (Math.abs(dx) >= Math.abs(dy)) return dx > 0 ? 'east' : 'west';
  return dy > 0 ? 'south' : 'north';
}
