// /admin/automation/jobs: one server page of jobs at a time (the list stays fast at any
// size), with status filter, sort, paging and live refresh while any shown job is active.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { duration, formatCount, formatTime } from '../format.js';
import { notify, notifyError } from '../notice.js';
import { navigate } from '../router.js';
import { STATUSES, isActive, isCancelable } from '../status.js';
import { statusBadge } from './status-badge.js';

const PAGE_SIZES = [25, 50, 100];
const SORTABLE = { Id: 'ID', StartTime: 'Started', EndTime: 'Ended' };
/** Refresh quickly while jobs on the page can change, slowly to notice new jobs. */
const ACTIVE_POLL_MS = 1500;
const IDLE_POLL_MS = 5000;

function readState(query) {
  const take = Number(query.get('take'));
  return {
    page: Math.max(1, Number(query.get('page')) || 1),
    take: PAGE_SIZES.includes(take) ? take : PAGE_SIZES[0],
    status: query.get('status') ?? '',
    orderBy: SORTABLE[query.get('orderBy')] ? query.get('orderBy') : 'Id',
    direction: query.get('direction') === 'Ascending' ? 'Ascending' : 'Descending',
  };
}

function urlFor(state) {
  const q = new URLSearchParams();
  if (state.page > 1) q.set('page', state.page);
  if (state.take !== PAGE_SIZES[0]) q.set('take', state.take);
  if (state.status !== '') q.set('status', state.status);
  if (state.orderBy !== 'Id') q.set('orderBy', state.orderBy);
  if (state.direction !== 'Descending') q.set('direction', state.direction);
  const s = q.toString();
  return `/admin/automation/jobs${s ? `?${s}` : ''}`;
}

export function jobListView(container, _params, query) {
  document.title = 'Jobs · PSUJobs';
  const state = readState(query);
  const abort = new AbortController();
  let timer = null;
  /** job id -> { key, row }: a row is rebuilt only when its job changed. */
  let rows = new Map();
  const go = (changes) => navigate(urlFor({ ...state, ...changes }));

  const statusSelect = h('select', { id: 'status-filter', onchange: (e) => go({ status: e.target.value, page: 1 }) },
    h('option', { value: '' }, 'All statuses'),
    STATUSES.map((s) => h('option', { value: s.value, selected: String(s.value) === state.status }, s.label ?? s.name)));
  const sizeSelect = h('select', { id: 'page-size', onchange: (e) => go({ take: Number(e.target.value), page: 1 }) },
    PAGE_SIZES.map((n) => h('option', { value: n, selected: n === state.take }, `${n} per page`)));
  const live = h('span', { class: 'live-indicator', 'aria-live': 'off' });
  const summary = h('p', { class: 'summary', id: 'job-summary', 'aria-live': 'polite' }, 'Loading jobs…');
  const body = h('tbody');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Job pages' });

  container.append(
    h('section', { class: 'page-head' },
      h('div', {},
        h('h1', {}, 'Jobs'),
        h('p', { class: 'subtle' }, 'Every script run, newest first. The list refreshes while jobs run.')),
      live),
    h('section', { class: 'panel' },
      h('div', { class: 'toolbar' },
        h('label', { for: 'status-filter' }, 'Status'), statusSelect,
        h('label', { for: 'page-size', class: 'visually-hidden' }, 'Page size'), sizeSelect,
        summary),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'jobs', id: 'jobs-table' },
          h('caption', { class: 'visually-hidden' }, 'Jobs'),
          h('thead', {}, h('tr', {},
            sortHeader('Id', 'ID', state, go),
            h('th', { scope: 'col' }, 'Script'),
            h('th', { scope: 'col' }, 'Status'),
            sortHeader('StartTime', 'Started', state, go),
            sortHeader('EndTime', 'Ended', state, go),
            h('th', { scope: 'col', class: 'num' }, 'Duration'),
            h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          body)),
      pager));

  async function refresh() {
    clearTimeout(timer);
    const q = { take: state.take, skip: (state.page - 1) * state.take, orderBy: state.orderBy, orderDirection: state.direction };
    if (state.status !== '') q.status = state.status;
    let anyActive = false;
    try {
      const result = await api.jobs(q, abort.signal);
      anyActive = result.page.some((j) => isActive(j.status));
      renderRows(result.page);
      renderPager(result.total);
      live.textContent = anyActive ? 'Live' : '';
      live.classList.toggle('on', anyActive);
    } catch (e) {
      if (e.name === 'AbortError') return;
      notifyError(e, 'list the jobs');
      summary.textContent = 'The jobs could not be loaded.';
    }
    if (!abort.signal.aborted) timer = setTimeout(tick, anyActive ? ACTIVE_POLL_MS : IDLE_POLL_MS);
  }

  // A hidden tab costs the server nothing: it catches up when shown again.
  function tick() {
    if (document.hidden) timer = setTimeout(tick, IDLE_POLL_MS);
    else refresh();
  }

  // Rows are kept across refreshes unless their job changed, so a button under the pointer
  // is never swapped out mid-click; running jobs only get their duration text updated.
  function renderRows(jobs) {
    if (jobs.length === 0) {
      rows = new Map();
      replace(body, h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No jobs match.')));
      return;
    }
    const next = new Map();
    for (const job of jobs) {
      const key = JSON.stringify(job);
      const kept = rows.get(job.id);
      const row = kept?.key === key ? kept.row : jobRow(job, refresh);
      if (row === kept?.row && isActive(job.status)) {
        row.querySelector('.duration').textContent = duration(job.startTime, job.endTime);
      }
      next.set(job.id, { key, row });
    }
    rows = next;
    const wanted = [...next.values()].map((r) => r.row);
    const same = wanted.length === body.children.length && wanted.every((row, i) => body.children[i] === row);
    if (!same) body.replaceChildren(...wanted);
  }

  function renderPager(total) {
    if (pager.dataset.total === String(total)) return;
    pager.dataset.total = total;
    const pages = Math.max(1, Math.ceil(total / state.take));
    const first = total === 0 ? 0 : (state.page - 1) * state.take + 1;
    const last = Math.min(total, state.page * state.take);
    summary.textContent = `${formatCount(first)}–${formatCount(last)} of ${formatCount(total)} jobs`;
    const button = (label, page, disabled, aria) =>
      h('button', { type: 'button', class: 'btn btn-quiet', disabled, 'aria-label': aria, onclick: () => go({ page }) }, label);
    replace(pager,
      button('« First', 1, state.page <= 1, 'First page'),
      button('‹ Previous', state.page - 1, state.page <= 1, 'Previous page'),
      h('span', { class: 'page-of', id: 'page-of' }, `Page ${formatCount(state.page)} of ${formatCount(pages)}`),
      button('Next ›', state.page + 1, state.page >= pages, 'Next page'),
      button('Last »', pages, state.page >= pages, 'Last page'));
  }

  const onVisible = () => { if (!document.hidden) refresh(); };
  document.addEventListener('visibilitychange', onVisible);
  refresh();
  return () => {
    abort.abort();
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}

function sortHeader(field, label, state, go) {
  const active = state.orderBy === field;
  const next = active && state.direction === 'Descending' ? 'Ascending' : 'Descending';
  const arrow = active ? (state.direction === 'Descending' ? ' ↓' : ' ↑') : '';
  return h('th', { scope: 'col', 'aria-sort': active ? state.direction.toLowerCase() : 'none', class: field === 'Id' ? 'num' : '' },
    h('button', { type: 'button', class: 'sort', onclick: () => go({ orderBy: field, direction: next, page: 1 }) },
      label, h('span', { 'aria-hidden': 'true' }, arrow)));
}

function jobRow(job, refresh) {
  const path = job.scriptFullPath || '(unknown script)';
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const name = path.slice(slash + 1);
  const folder = slash > 0 ? path.slice(0, slash) : '';
  const href = `/admin/automation/jobs/${job.id}`;
  const actions = h('td', { class: 'actions' },
    h('a', { class: 'btn btn-small', href, 'aria-label': `View job ${job.id}` }, 'View'));
  if (isCancelable(job.status)) {
    actions.append(h('button', {
      type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Cancel job ${job.id}`,
      onclick: async (e) => {
        e.target.disabled = true;
        try {
          await api.cancel(job.id);
          notify(`Job ${job.id} is being canceled.`, 'success');
        } catch (err) {
          notifyError(err, `cancel job ${job.id}`);
        }
        refresh();
      },
    }, 'Cancel'));
  }
  return h('tr', { dataset: { jobId: job.id, status: job.status } },
    h('td', { class: 'num' }, h('a', { href }, String(job.id))),
    h('td', { class: 'script' }, h('span', { class: 'script-name' }, name), folder && h('span', { class: 'subtle' }, ` ${folder}`)),
    h('td', {}, statusBadge(job.status)),
    h('td', {}, formatTime(job.startTime)),
    h('td', {}, formatTime(job.endTime)),
    h('td', { class: 'num duration' }, duration(job.startTime, job.endTime)),
    actions);
}
