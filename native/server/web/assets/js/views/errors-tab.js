// The Errors tab: each error record of the job with its id, category, target, position and
// stack, and the full record (its CliXml) as a tree on demand.

import { ClixmlDocument } from '../clixml.js';
import { h, replace } from '../dom.js';
import { formatTime } from '../format.js';
import { objectTree } from './object-tree.js';

export function errorsTab(store, onCount) {
  const list = h('ol', { class: 'errors', id: 'error-list' });
  const element = h('div', { class: 'errors-pane' }, list);
  let shown = 0;

  function render() {
    if (store.errors.length === 0) {
      replace(list, h('li', { class: 'empty' }, store.done ? 'No errors.' : 'No errors so far.'));
      return;
    }
    if (shown === 0) list.replaceChildren();
    for (; shown < store.errors.length; shown++) list.append(errorCard(store.errors[shown]));
    onCount(store.errors.length);
  }

  const unsubscribe = store.subscribe(render);
  return { element, destroy: unsubscribe };
}

function errorCard(record) {
  const facts = [
    ['Error id', record.errorId],
    ['Category', record.category],
    ['Target', record.targetName],
    ['Time', formatTime(record.timestamp)],
  ].filter(([, v]) => v);
  const details = h('details', { class: 'error-record' }, h('summary', {}, 'Full error record'));
  details.addEventListener('toggle', () => {
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = 'true';
    try {
      const roots = new ClixmlDocument(record.data ?? '').roots();
      details.append(roots.length ? objectTree(roots, 'Error record') : h('p', { class: 'subtle' }, 'No record data.'));
    } catch (e) {
      details.append(h('p', { class: 'field-error' }, e.message));
    }
  });
  return h('li', { class: 'error-card' },
    h('p', { class: 'error-message' }, record.message),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    record.positionMessage && h('pre', { class: 'position' }, record.positionMessage),
    record.scriptStackTrace && h('pre', { class: 'stack' }, record.scriptStackTrace),
    record.data && details);
}
