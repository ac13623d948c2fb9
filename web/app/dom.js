// DOM helpers: element builders (HTML and SVG), clearing, the polite live
// region that announces changes to screen readers, and small formatters.

const SVG_NS = 'http://www.w3.org/2000/svg';

function assign(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.setAttribute('class', value);
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: `h('button', {class: 'x', onclick}, 'Label')`. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  assign(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element, same shape as `h`. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  assign(el, attrs);
  append(el, children);
  return el;
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Says `message` through the page's polite live region. */
export function announce(message) {
  const region = document.getElementById('live');
  if (!region) return;
  region.textContent = '';
  // A fresh text node in a later frame makes screen readers read it again.
  requestAnimationFrame(() => { region.textContent = message; });
}

/** `m:ss` of a duration in milliseconds. */
export function clock(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** A local date and time of Unix milliseconds. */
export function when(ms) {
  return ms ? new Date(ms).toLocaleString() : '—';
}

/** A whole number with thousands separators, and its sign when asked. */
export function amount(n, { signed = false } = {}) {
  const text = Number(n).toLocaleString('en');
  return signed && n > 0 ? `+${text}` : text;
}

/**
 * A long id shortened for display: its last characters, since ids are
 * UUIDv7 whose first ones are a timestamp that players created together
 * share.
 */
export function shortId(id) {
  return id && id.length > 12 ? `…${id.slice(-6)}` : id;
}

let fieldIds = 0;

/**
 * A labelled form field: the label, the control, and a hint the control
 * is described by.
 */
export function field(label, control, hint) {
  fieldIds += 1;
  if (!control.id) control.id = `field-${fieldIds}`;
  const hintEl = hint ? h('small', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { class: 'field-label', for: control.id }, label), control, hintEl);
}

/** Sets a button busy (disabled, aria-busy) while `work` runs. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * Runs `rebuild` (which replaces what `container` holds) and puts the focus
 * back on the same control: the one with the same `data-focus-key`, else
 * the one of the same kind and label, so a refresh does not throw a
 * keyboard user out.
 */
export function keepFocus(container, rebuild) {
  const focused = document.activeElement;
  const inside = focused && focused !== container && container.contains(focused);
  const key = inside ? focused.dataset.focusKey : null;
  const tag = inside ? focused.tagName : null;
  const label = inside ? focused.textContent : null;
  rebuild();
  if (!inside || container.contains(focused)) return;
  const again = key
    ? container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)
    : [...container.querySelectorAll(tag)].find((el) => el.textContent === label);
  again?.focus();
}
