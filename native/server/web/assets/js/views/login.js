// Sign-in with an app token: checked against the API before it is kept.

import { api } from '../api.js';
import { h } from '../dom.js';
import { clearNotice } from '../notice.js';
import { navigate } from '../router.js';
import { signIn } from '../session.js';

export function loginView(container, _params, query, onSignedIn) {
  document.title = 'Sign in · PSUJobs';
  const input = h('input', {
    id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false',
    required: true, 'aria-describedby': 'token-help login-error',
  });
  const error = h('p', { id: 'login-error', class: 'field-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Sign in');
  const form = h('form', { class: 'panel login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Sign in'),
    h('label', { for: 'token' }, 'App token'),
    input,
    h('p', { id: 'token-help', class: 'help' },
      'Paste an app token (psujobs token new --role Reader). It is kept only for this browser tab.'),
    error,
    submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const candidate = input.value.trim();
    if (!candidate) return;
    submit.disabled = true;
    error.textContent = '';
    try {
      await api.check(candidate);
      signIn(candidate);
      clearNotice();
      onSignedIn();
      const next = query.get('next');
      // Only a path on this site: a crafted link must not send the token holder elsewhere.
      navigate(next?.startsWith('/') && !next.startsWith('//') ? next : '/admin/automation/jobs', { replace: true });
    } catch (e) {
      error.textContent = e.status === 401 ? 'That token is unknown or revoked.' : e.message;
      submit.disabled = false;
      input.focus();
    }
  });
  container.append(form);
  input.focus();
  return null;
}
