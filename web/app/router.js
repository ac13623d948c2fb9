// Hash routes (`#/market?sell=itm-1`): one view shown at a time, the others
// kept (hidden) with their state. A view is `{el, title, enter(params),
// leave()}`. The navigation's links get `aria-current="page"`.

export class Router {
  constructor(outlet, views, { fallback, allowed = () => true, appTitle }) {
    this.outlet = outlet;
    this.views = views;
    this.fallback = fallback;
    this.allowed = allowed;
    this.appTitle = appTitle;
    this.current = null;
    for (const view of Object.values(views)) {
      view.el.hidden = true;
      outlet.append(view.el);
    }
    addEventListener('hashchange', () => this.sync());
  }

  static parse(hash) {
    const [path, search = ''] = hash.replace(/^#\/?/, '').split('?');
    return { name: path, params: Object.fromEntries(new URLSearchParams(search)) };
  }

  static href(name, params = {}) {
    const search = new URLSearchParams(params).toString();
    return `#/${name}${search ? `?${search}` : ''}`;
  }

  go(name, params) {
    const href = Router.href(name, params);
    if (location.hash === href) this.sync();
    else location.hash = href;
  }

  sync() {
    let { name, params } = Router.parse(location.hash);
    if (!this.views[name] || !this.allowed(name)) {
      name = this.fallback();
      params = {};
      history.replaceState(null, '', Router.href(name));
    }
    const next = this.views[name];
    if (this.current && this.current !== next) {
      this.current.leave();
      this.current.el.hidden = true;
    }
    this.current = next;
    next.el.hidden = false;
    document.title = `${next.title} · ${this.appTitle}`;
    for (const link of document.querySelectorAll('nav a[href^="#/"]')) {
      const target = Router.parse(link.getAttribute('href')).name;
      if (target === name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    next.enter(params);
  }
}
