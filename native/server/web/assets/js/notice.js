// The page-wide message line under the top bar: refusals, failures, confirmations.

let timer;

export function notify(message, tone = 'info') {
  const el = document.getElementById('notice');
  clearTimeout(timer);
  el.textContent = message;
  el.dataset.tone = tone;
  el.hidden = false;
  // Errors stay until the next navigation; confirmations fade on their own.
  if (tone !== 'danger') timer = setTimeout(clearNotice, 6000);
}

export function clearNotice() {
  const el = document.getElementById('notice');
  el.hidden = true;
  el.textContent = '';
}

/** An API failure in words: a refused role is said plainly, not as a crash. */
export function notifyError(error, doing) {
  if (error?.name === 'AbortError') return;
  const prefix = error?.refused ? `Not allowed to ${doing}` : `Could not ${doing}`;
  notify(`${prefix}: ${error?.message ?? error}`, 'danger');
}
