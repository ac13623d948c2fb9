// Cheap accessibility checks of what a page shows: every visible control
// has a name (its text, a label, aria-label or aria-labelledby), a focused
// control shows a focus ring, and nothing overflows the window sideways.

export function unnamedControls(page) {
  return page.evaluate(() => {
    const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const named = (el) => {
      if (el.getAttribute('aria-label')?.trim()) return true;
      const by = el.getAttribute('aria-labelledby');
      if (by && by.split(' ').some((id) => document.getElementById(id)?.textContent.trim())) return true;
      if (['BUTTON', 'A', 'SUMMARY'].includes(el.tagName)) return el.textContent.trim() !== '';
      if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
      return Boolean(el.getAttribute('title'));
    };
    return [...document.querySelectorAll('button, a[href], input, select, textarea, summary, [role="button"]')]
      .filter((el) => visible(el) && el.type !== 'hidden' && !named(el))
      .map((el) => el.outerHTML.slice(0, 120));
  });
}

/** Tabs to the next control; answers its outline (style and width). */
export async function focusRing(page) {
  await page.keyboard.press('Tab');
  return page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return { tag: el.tagName, text: el.textContent.trim().slice(0, 40), outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
}

/** How far the page is wider than its window, in CSS pixels. */
export function sidewaysOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
