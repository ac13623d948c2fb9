// Crafting: the recipes the active market component offers, what each
// needs against what the player holds, and a button to craft. The answer
// names the items consumed and the one made.

import { h, fill, amount, busy, announce } from '../dom.js';

export function craftingView(ctx) {
  const { api, holdings } = ctx;
  let recipes = [];

  const title = h('h2', { id: 'crafting-title', tabindex: '-1' }, 'Crafting');
  const closed = h('p', { class: 'notice-closed', hidden: true, role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });
  const list = h('ul', { class: 'recipes' });
  const result = h('div', { class: 'craft-result', 'aria-live': 'polite' });
  const el = h('section', { class: 'view crafting-view', 'aria-labelledby': 'crafting-title' }, title, closed, error, list, result);

  holdings.addEventListener('change', render);

  function have(type) {
    return holdings.owned(type).length;
  }

  function render() {
    fill(list, recipes.map((r) => {
      const missing = r.inputs.filter((i) => have(i.item_type) < i.count);
      const poor = holdings.balance(r.currency) < r.cost;
      const ready = missing.length === 0 && !poor;
      return h('li', { class: `recipe ${ready ? 'ready' : ''}`, dataset: { recipe: r.id } },
        h('h3', {}, r.output),
        h('p', {}, 'Needs: ', r.inputs.map((i) => `${i.count} × ${i.item_type} (you have ${have(i.item_type)})`).join(', '),
          ` and ${amount(r.cost)} ${r.currency} (you have ${amount(holdings.balance(r.currency))})`),
        h('button', {
          type: 'button', class: 'primary', disabled: !ready,
          onclick: (e) => busy(e.currentTarget, () => craft(r)),
        }, ready ? `Craft ${r.output}` : `Craft ${r.output} (missing ${missing.length ? missing.map((m) => m.item_type).join(', ') : r.currency})`));
    }));
  }

  async function craft(recipe) {
    fill(error);
    try {
      const made = await api.craft(recipe.id);
      fill(result, h('p', {}, `Made ${made.output.item_type} `, h('code', {}, made.output.id),
        ` from ${made.consumed.length} item${made.consumed.length === 1 ? '' : 's'} and ${amount(made.cost)} ${made.currency}.`));
      announce(`Crafted ${made.output.item_type}.`);
      await holdings.refresh();
    } catch (e) {
      fill(error, e.detail);
    }
  }

  return {
    el,
    title: 'Crafting',
    async enter() {
      title.focus();
      try {
        recipes = (await api.recipes()).recipes;
        closed.hidden = true;
        await holdings.refresh();
        render();
      } catch (e) {
        if (e.status === 404) {
          closed.hidden = false;
          fill(closed, 'Crafting is not open on this host yet.');
        } else fill(error, e.detail);
      }
    },
    leave() {},
  };
}
