// What players are told about a rules version. The host names the combat
// component and the version a match is pinned to; it publishes no notes, so
// the ones known here are kept by component and version. An unknown version
// is shown by its name alone.

const NOTES = {
  'classic@1.0.0': { title: 'Classic', note: 'Melee with shields, specials, a shrinking zone and resources.' },
  'classic@1.1.0': {
    title: 'Classic with critical hits',
    note: 'New: 20% of hits are critical and deal double damage.',
    badge: 'critical hits',
  },
};

/** `{title, note, badge}` of a component version (`badge` marks new rules). */
export function rulesOf(component, version) {
  return NOTES[`${component}@${version}`] || { title: component, note: '' };
}
