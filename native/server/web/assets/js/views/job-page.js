// /admin/automation/jobs/{id or runId}: the job's facts, parent and children, Cancel and
// "Respond to feedback", and the Output, Pipeline Output and Errors tabs.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { duration, formatTime } from '../format.js';
import { notify, notifyError } from '../notice.js';
import { OutputStore } from '../output-store.js';
import { isActive, isCancelable, statusInfo } from '../status.js';
import { errorsTab } from './errors-tab.js';
import { respondToFeedback } from './feedback-dialog.js';
import { outputPane } from './output-pane.js';
import { pipelineTab } from './pipeline-tab.js';
import { statusBadge } from './status-badge.js';

const WAITING_ON_FEEDBACK = 4;
const POLL_MS = 1500;

export function jobPageView(container, { id }) {
  document.title = `Job ${id} · PSUJobs`;
  const abort = new AbortController();
  let timer = null;
  let job = null;
  let parts = null;

  container.append(h('p', { class: 'loading' }, 'Loading job…'));

  async function refresh() {
    clearTimeout(timer);
    try {
      const next = await api.job(id, abort.signal);
      const changed = !job || job.status !== next.status;
      job = next;
      if (!parts) parts = build(container, job, abort.signal, refresh);
      parts.update(job, changed);
    } catch (e) {
      if (e.name === 'AbortError') return;
      if (!parts) {
        replace(container, h('section', { class: 'panel empty' },
          h('h1', {}, e.status === 404 ? `Job ${id} was not found` : `Job ${id} could not be shown`),
          h('p', {}, e.message),
          h('p', {}, h('a', { href: '/admin/automation/jobs' }, 'Back to the jobs'))));
        return;
      }
      notifyError(e, 'refresh the job');
    }
    if (job && isActive(job.status) && !abort.signal.aborted) timer = setTimeout(refresh, POLL_MS);
  }

  refresh();
  return () => {
    abort.abort();
    clearTimeout(timer);
    parts?.destroy();
  };
}

/** Lays the page out once the job is known; `update` then only changes what moved. */
function build(container, first, signal, refresh) {
  const store = new OutputStore(first.id);
  const output = outputPane(store);
  const pipeline = pipelineTab(first.id);
  const errorTabLabel = h('span', {}, 'Errors');
  const errors = errorsTab(store, (n) => { errorTabLabel.textContent = `Errors (${n})`; });

  const title = h('h1', {}, scriptName(first.scriptFullPath));
  const badge = h('span', { id: 'job-status' });
  const actions = h('div', { class: 'head-actions' });
  const facts = h('dl', { class: 'facts facts-grid', id: 'job-facts' });
  const family = h('div', { class: 'family', id: 'job-family' });
  const progress = h('div', { class: 'progress-line', id: 'job-progress' });

  const tabs = [
    { id: 'output', label: 'Output', panel: output.element },
    { id: 'pipeline', label: 'Pipeline Output', panel: pipeline.element },
    { id: 'errors', label: errorTabLabel, panel: errors.element },
  ];
  let selected = 'output';
  const tabButtons = tabs.map((t) => h('button', {
    type: 'button', role: 'tab', id: `tab-${t.id}`, 'aria-controls': `panel-${t.id}`,
    onclick: () => select(t.id), onkeydown: (e) => arrowKeys(e, t.id),
  }, t.label));
  const panels = tabs.map((t) => h('section', { role: 'tabpanel', id: `panel-${t.id}`, 'aria-labelledby': `tab-${t.id}`, tabindex: '0' }, t.panel));

  function select(tabId) {
    selected = tabId;
    tabs.forEach((t, i) => {
      const on = t.id === tabId;
      tabButtons[i].setAttribute('aria-selected', String(on));
      tabButtons[i].tabIndex = on ? 0 : -1;
      panels[i].hidden = !on;
    });
    if (tabId === 'pipeline') pipeline.load(current.status);
  }

  function arrowKeys(event, tabId) {
    const i = tabs.findIndex((t) => t.id === tabId);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const next = tabs[(i + step + tabs.length) % tabs.length].id;
    select(next);
    tabButtons[tabs.findIndex((t) => t.id === next)].focus();
  }

  replace(container,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
      h('a', { href: '/admin/automation/jobs' }, 'Jobs'), h('span', { 'aria-hidden': 'true' }, ' › '), `Job ${first.id}`),
    h('section', { class: 'page-head' }, h('div', { class: 'title-line' }, title, badge), actions),
    progress,
    h('section', { class: 'panel' }, facts, family),
    h('section', { class: 'panel tabs-panel' },
      h('div', { role: 'tablist', class: 'tabs', 'aria-label': 'Job details' }, tabButtons),
      panels));
  select('output');
  store.run((e) => notifyError(e, 'read the job output'));

  let current = first;
  return {
    update(job, statusChanged) {
      current = job;
      replace(badge, statusBadge(job.status));
      renderActions(actions, job, refresh);
      renderFacts(facts, job);
      renderProgress(progress, job);
      if (statusChanged) {
        document.title = `Job ${job.id} · ${statusInfo(job.status).label} · PSUJobs`;
        renderFamily(family, job, signal);
        if (selected === 'pipeline') pipeline.load(job.status);
      }
    },
    destroy() {
      store.stop();
      output.destroy();
      pipeline.destroy();
      errors.destroy();
    },
  };
}

function scriptName(path) {
  return path ? path.split(/[\\/]/).pop() : '(unknown script)';
}

function renderActions(el, job, refresh) {
  const buttons = [];
  if (job.status === WAITING_ON_FEEDBACK) {
    buttons.push(h('button', {
      type: 'button', class: 'btn btn-primary', id: 'respond-feedback',
      onclick: async (e) => {
        e.target.disabled = true;
        try {
          const feedback = await api.feedback(job.id);
          if (await respondToFeedback(job.id, feedback)) notify('Response sent.', 'success');
        } catch (err) {
          notifyError(err, 'read the prompt');
        }
        e.target.disabled = false;
        refresh();
      },
    }, 'Respond to feedback'));
  }
  if (isCancelable(job.status)) {
    buttons.push(h('button', {
      type: 'button', class: 'btn btn-danger', id: 'cancel-job',
      onclick: async (e) => {
        e.target.disabled = true;
        try {
          await api.cancel(job.id);
          notify(`Job ${job.id} is being canceled.`, 'success');
        } catch (err) {
          notifyError(err, 'cancel the job');
          e.target.disabled = false;
        }
        refresh();
      },
    }, 'Cancel job'));
  }
  // Rebuilding on every poll would steal focus from a button the user is about to press.
  const key = buttons.map((b) => b.id).join();
  if (el.dataset.key !== key) {
    el.dataset.key = key;
    replace(el, buttons);
  }
}

function renderFacts(el, job) {
  const rows = [
    ['Job ID', String(job.id)],
    ['Run ID', job.runId ?? '—', 'mono'],
    ['Script', job.scriptFullPath || '—', 'mono'],
    ['Created', formatTime(job.createdTime)],
    ['Started', formatTime(job.startTime)],
    ['Ended', formatTime(job.endTime)],
    ['Duration', duration(job.startTime, job.endTime)],
    ['Started by', job.identity ? `${job.identity.name}${job.identity.role ? ` (${job.identity.role})` : ''}` : '—'],
    ['Environment', job.environment ?? '—'],
    ['Computer', job.computerName ?? '—'],
    ['Process', job.processId ? String(job.processId) : '—'],
    ['Exit code', job.exitCode ?? '—'],
  ];
  if (job.parameters?.length) rows.push(['Parameters', job.parameters.map((p) => `-${p.name} ${p.value ?? ''}`).join('  '), 'mono']);
  if (job.output) rows.push(['Error', job.output]);
  replace(el, rows.map(([k, v, cls]) => h('div', { class: 'fact' }, h('dt', {}, k), h('dd', { class: cls ?? '' }, String(v)))));
}

function renderProgress(el, job) {
  const text = [job.activity, job.statusDescription, job.currentOperation].filter(Boolean).join(' — ');
  const pct = job.percentComplete ?? -1;
  el.hidden = !(isActive(job.status) && (text || pct >= 0));
  if (el.hidden) return;
  replace(el,
    pct >= 0 && h('progress', { max: 100, value: pct, 'aria-label': 'Job progress' }),
    h('span', {}, text || `${pct}%`));
}

async function renderFamily(el, job, signal) {
  const links = [];
  if (job.parentJobId) links.push(h('p', { id: 'parent-job' }, 'Started by job ', h('a', { href: `/admin/automation/jobs/${job.parentJobId}` }, `#${job.parentJobId}`)));
  try {
    const children = await api.children(job.id, signal);
    if (children.length) {
      links.push(h('div', { id: 'child-jobs' }, h('h2', {}, 'Child jobs'),
        h('ul', { class: 'child-list' }, children.map((c) => h('li', {},
          h('a', { href: `/admin/automation/jobs/${c.id}` }, `#${c.id} ${scriptName(c.scriptFullPath)}`), ' ', statusBadge(c.status))))));
    }
  } catch (e) {
    if (e.name !== 'AbortError') links.push(h('p', { class: 'field-error' }, `Child jobs could not be read: ${e.message}`));
  }
  replace(el, links);
}
