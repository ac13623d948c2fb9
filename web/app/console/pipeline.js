// The event pipeline: each consumer group's lag (records appended that it
// has not read), in total and per topic, charted over time; and the dead
// letters, page by page, each to inspect (its whole envelope) and replay
// onto its topic. The host lists neither its groups nor the topics each
// reads: the host's own groups are known here with their topics, and others
// can be added by name (their lag is then counted over every topic).

import { h, fill, field, busy, when, announce, keepFocus } from '../dom.js';
import { LineChart } from '../charts.js';

/** The host's consumer groups and the topics they read. */
const KNOWN_GROUPS = { rewards: ['match-events'], leaderboard: ['match-events'] };
const PAGE = 50;

export function pipelinePanel(admin) {
  const groups = new Map(Object.entries(KNOWN_GROUPS));
  const lagChart = new LineChart({ title: 'Consumer lag (records)' });
  const lagBody = h('tbody');
  const addName = h('input', { name: 'group', required: true, spellcheck: 'false' });
  const add = h('button', { type: 'submit' }, 'Watch group');
  const addForm = h('form', { class: 'group-form', 'aria-label': 'Watch another consumer group' }, field('Consumer group', addName), add);
  const error = h('p', { class: 'error', role: 'alert' });

  const dlqBody = h('tbody');
  const more = h('button', { type: 'button', hidden: true, onclick: () => busy(more, () => loadLetters(false)) }, 'More dead letters');
  const inspect = h('div', { class: 'inspect', 'aria-live': 'polite' });
  let after = 0;

  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!addForm.reportValidity()) return;
    groups.set(addName.value.trim(), null);
    addName.value = '';
    busy(add, refresh);
  });

  async function refreshLag() {
    const now = Date.now();
    const rows = [];
    for (const [group, topics] of groups) {
      try {
        const views = topics ? await Promise.all(topics.map((t) => admin.group(group, t))) : [await admin.group(group)];
        const perTopic = views.flatMap((v) => v.topics);
        const lag = perTopic.reduce((n, t) => n + t.lag, 0);
        lagChart.push(group, now, lag);
        rows.push(h('tr', { dataset: { group, lag } },
          h('th', { scope: 'row' }, group), h('td', { class: 'num' }, String(lag)),
          h('td', {}, perTopic.map((t) => `${t.topic}: ${t.lag}`).join(' · '))));
      } catch (e) {
        rows.push(h('tr', {}, h('th', { scope: 'row' }, group), h('td', { colspan: 2, class: 'error' }, e.detail)));
      }
    }
    lagChart.draw();
    fill(lagBody, rows);
  }

  function letterRow(d) {
    return h('tr', { dataset: { letterId: d.id, replayed: String(Boolean(d.replayed_at_ms)) } },
      h('th', { scope: 'row' }, String(d.id)),
      h('td', {}, d.consumer_group), h('td', {}, `${d.topic}/${d.partition}@${d.offset}`),
      h('td', {}, `${d.event_type} v${d.schema_version}`), h('td', {}, d.error),
      h('td', { class: 'num' }, String(d.attempts)), h('td', {}, when(d.dead_at_ms)),
      h('td', {}, d.replayed_at_ms ? `replayed ${when(d.replayed_at_ms)}` : 'waiting'),
      h('td', { class: 'row-actions' },
        h('button', { type: 'button', onclick: (e) => busy(e.currentTarget, () => show(d.id)) }, `Inspect ${d.id}`), ' ',
        d.replayed_at_ms ? '' : h('button', { type: 'button', onclick: (e) => busy(e.currentTarget, () => replay(d.id)) }, `Replay ${d.id}`)));
  }

  async function loadLetters(fresh) {
    if (fresh) after = 0;
    try {
      const page = await admin.deadLetters(after, PAGE);
      keepFocus(dlqBody, () => {
        if (fresh) dlqBody.replaceChildren();
        dlqBody.append(...page.dead_letters.map(letterRow));
        if (fresh && page.dead_letters.length === 0) dlqBody.append(h('tr', {}, h('td', { colspan: 9 }, 'No dead letter: every event was applied.')));
      });
      after = page.next_after ?? after;
      more.hidden = page.next_after === null;
    } catch (e) {
      fill(error, e.detail);
    }
  }

  async function show(id) {
    try {
      const letter = await admin.deadLetter(id);
      fill(inspect, h('h4', {}, `Dead letter ${id}`), h('pre', { tabindex: '0', 'aria-label': `Envelope of dead letter ${id}` },
        JSON.stringify(letter.envelope, null, 2)));
    } catch (e) {
      fill(error, e.detail);
    }
  }

  async function replay(id) {
    try {
      const r = await admin.replayLetter(id);
      announce(`Dead letter ${id} replayed onto ${r.position.topic}.`);
    } catch (e) {
      fill(error, e.detail);
    }
    await loadLetters(true);
  }

  async function refresh() {
    fill(error);
    await refreshLag();
    if (after === 0 || dlqBody.children.length <= PAGE) await loadLetters(true);
  }

  const el = h('div', { class: 'pipeline-panel' }, error,
    h('div', { class: 'charts' }, lagChart.el),
    h('div', { class: 'table-scroll' }, h('table', { class: 'lag' },
      h('caption', {}, 'Consumer groups'),
      h('thead', {}, h('tr', {}, ...['Group', 'Lag', 'Per topic'].map((t) => h('th', { scope: 'col' }, t)))),
      lagBody)),
    addForm,
    h('h3', {}, 'Dead letters'),
    h('div', { class: 'table-scroll' }, h('table', { class: 'dlq' },
      h('caption', { class: 'visually-hidden' }, 'Dead letters'),
      h('thead', {}, h('tr', {}, ...['#', 'Group', 'Where', 'Event', 'Error', 'Attempts', 'Dead at', 'State', ''].map((t) => h('th', { scope: 'col' }, t)))),
      dlqBody)),
    more, inspect);
  return { el, refresh };
}
