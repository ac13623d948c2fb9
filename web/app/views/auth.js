// Signing up and signing in: one form, two buttons. A new player is signed
// in right after the sign-up. Refusals show the host's `detail`.

import { h, fill, field } from '../dom.js';

export function authView(ctx) {
  const { api, session } = ctx;
  const name = h('input', {
    name: 'name', autocomplete: 'username', required: true, minlength: 3, maxlength: 24,
    pattern: '[A-Za-z0-9_\\-]{3,24}', spellcheck: 'false',
  });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, minlength: 8 });
  const error = h('p', { class: 'error', role: 'alert' });
  const signIn = h('button', { type: 'submit', class: 'primary', value: 'sign-in' }, 'Sign in');
  const signUp = h('button', { type: 'submit', value: 'sign-up' }, 'Create account');
  const title = h('h2', { id: 'auth-title', tabindex: '-1' }, 'Enter the arena');
  const form = h('form', { class: 'auth-form', 'aria-labelledby': 'auth-title' },
    field('Player name', name, '3 to 24 letters, digits, _ or -'),
    field('Password', password, 'At least 8 characters'),
    h('p', { class: 'buttons' }, signIn, ' ', signUp), error);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const creating = event.submitter?.value === 'sign-up';
    fill(error);
    for (const b of [signIn, signUp]) b.disabled = true;
    try {
      if (creating) await api.signUp(name.value, password.value);
      const answer = await api.signIn(name.value, password.value);
      password.value = '';
      session.set(answer, name.value);
    } catch (e) {
      fill(error, e.detail);
    } finally {
      for (const b of [signIn, signUp]) b.disabled = false;
    }
  });

  const el = h('section', { class: 'view auth-view', 'aria-labelledby': 'auth-title' }, title,
    h('p', {}, 'Sign in, or create a player to start.'), form);
  return {
    el,
    title: 'Sign in',
    enter() {
      name.focus();
    },
    leave() {},
  };
}
