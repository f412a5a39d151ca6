// The page's entry point: routes, the sign-in guard and the top bar.

import { onUnauthorized } from './api.js';
import { h } from './dom.js';
import { clearNotice, notify } from './notice.js';
import { navigate, route, start } from './router.js';
import { signOut, token } from './session.js';
import { jobListView } from './views/job-list.js';
import { jobPageView } from './views/job-page.js';
import { loginView } from './views/login.js';

const HOME = '/admin/automation/jobs';

/** Views that need a token send the user to sign in first, then back. */
function guarded(view) {
  return (container, params, query) => {
    if (!token()) {
      queueMicrotask(() => navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true }));
      return null;
    }
    return view(container, params, query);
  };
}

function notFound(container) {
  document.title = 'Not found · PSUJobs';
  container.append(
    h('section', { class: 'panel empty' },
      h('h1', {}, 'Page not found'),
      h('p', {}, h('a', { href: HOME }, 'Back to the jobs'))),
  );
}

function updateTopBar() {
  document.getElementById('sign-out').hidden = !token();
}

document.getElementById('sign-out').addEventListener('click', () => {
  signOut();
  updateTopBar();
  navigate('/login');
});

onUnauthorized((error) => {
  signOut();
  updateTopBar();
  if (location.pathname !== '/login') {
    navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    notify(`Please sign in again: ${error.message}`, 'danger');
  }
});

window.addEventListener('popstate', clearNotice);

route('/login', (c, p, q) => {
  const cleanup = loginView(c, p, q, updateTopBar);
  updateTopBar();
  return cleanup;
});
route(HOME, guarded(jobListView));
route(`${HOME}/:id`, guarded(jobPageView));
updateTopBar();
start(document.getElementById('main'), notFound);
