// The Output tab: every stream record of the job as lines in a virtualised view, with
// toggles for stream names and timestamps, a stream filter, and a live tail.

import { paintConsoleColors } from '../console-colors.js';
import { h } from '../dom.js';
import { formatClock, formatCount } from '../format.js';
import { STREAMS } from '../output-store.js';
import { VirtualList } from '../virtual-list.js';

/** Must match .output-row's height in app.css. */
const ROW_HEIGHT = 20;

export function outputPane(store) {
  const options = { names: true, times: false, stream: '' };
  // One display line per line of a message; parallel arrays keep 100,000 lines light.
  let lineRecord = [];
  let lineText = [];
  let unsubscribe = null;

  const viewport = h('div', {
    class: 'output-view', id: 'output-view', role: 'log', tabindex: '0', 'aria-label': 'Job output',
  });
  const count = h('span', { class: 'subtle', id: 'output-count', 'aria-live': 'polite' });
  const list = new VirtualList(viewport, { rowHeight: ROW_HEIGHT, renderRow });

  const toggle = (id, label, key) => h('label', { class: 'check' },
    h('input', {
      type: 'checkbox', id, checked: options[key],
      onchange: (e) => { options[key] = e.target.checked; viewport.classList.toggle(`show-${key}`, options[key]); list.refresh(); },
    }), label);
  const streamSelect = h('select', {
    id: 'stream-filter',
    onchange: (e) => { options.stream = e.target.value; rebuild(); },
  }, h('option', { value: '' }, 'All streams'), STREAMS.map((s) => h('option', { value: s }, s)));

  const element = h('div', { class: 'output-pane' },
    h('div', { class: 'toolbar' },
      toggle('show-stream-names', 'Stream names', 'names'),
      toggle('show-timestamps', 'Timestamps', 'times'),
      h('label', { for: 'stream-filter', class: 'visually-hidden' }, 'Stream'), streamSelect,
      h('button', { type: 'button', class: 'btn btn-quiet', onclick: () => list.scrollToEnd() }, 'Jump to end ↓'),
      count),
    viewport);
  viewport.classList.toggle('show-names', options.names);

  function renderRow(i) {
    const record = store.records[lineRecord[i]];
    const stream = STREAMS[record.type] ?? 'information';
    const first = i === 0 || lineRecord[i - 1] !== lineRecord[i];
    return h('div', { class: `output-row stream-${stream}`, dataset: { line: i } },
      h('span', { class: 'ts' }, first ? formatClock(record.timestamp) : ''),
      h('span', { class: 'stream' }, first ? stream : ''),
      paintConsoleColors(h('span', { class: 'msg' }, lineText[i]), record));
  }

  function accepts(record) {
    return !options.stream || STREAMS[record.type] === options.stream;
  }

  function addLines(from) {
    const records = store.records;
    for (let r = from; r < records.length; r++) {
      if (!accepts(records[r])) continue;
      const text = records[r].message ?? '';
      if (text.includes('\n')) {
        for (const part of text.replace(/\r?\n$/, '').split(/\r?\n/)) {
          lineRecord.push(r);
          lineText.push(part);
        }
      } else {
        lineRecord.push(r);
        lineText.push(text);
      }
    }
  }

  function rebuild() {
    lineRecord = [];
    lineText = [];
    addLines(0);
    list.setCount(lineText.length, { reset: true });
    showCount();
  }

  function showCount() {
    const state = { loading: ' · loading…', live: ' · live', done: '' }[store.phase];
    count.textContent = `${formatCount(store.records.length)} records, ${formatCount(lineText.length)} lines shown${state}`;
  }

  unsubscribe = store.subscribe((_records, from) => {
    addLines(from);
    list.setCount(lineText.length);
    showCount();
  });

  return {
    element,
    destroy() {
      unsubscribe?.();
      list.destroy();
    },
  };
}
