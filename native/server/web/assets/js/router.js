// Client-side routes over the History API; the server answers every one with index.html.

const routes = [];
let current = null;
let container = null;

/** pattern: '/admin/automation/jobs/:id'; view(container, params, query) returns a cleanup. */
export function route(pattern, view) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  routes.push({ regex: new RegExp(`^${source}/?$`), names, view });
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

export function start(main, fallback) {
  container = main;
  window.addEventListener('popstate', render);
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href]');
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || link.target || link.hasAttribute('download')) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  routes.push({ regex: /.*/, names: [], view: fallback });
  render();
}

function render() {
  current?.();
  current = null;
  const query = new URLSearchParams(location.search);
  for (const r of routes) {
    const match = r.regex.exec(location.pathname);
    if (!match) continue;
    const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(match[i + 1])]));
    container.replaceChildren();
    current = r.view(container, params, query) ?? null;
    return;
  }
}
