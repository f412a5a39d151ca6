// The Pipeline Output tab: the job's output objects, fetched as one CliXml document and
// shown as a tree of type names, properties and values.

import { api } from '../api.js';
import { ClixmlDocument } from '../clixml.js';
import { h, replace } from '../dom.js';
import { formatCount } from '../format.js';
import { objectTree } from './object-tree.js';

export function pipelineTab(jobId) {
  const element = h('div', { class: 'pipeline-pane', id: 'pipeline-pane' }, h('p', { class: 'subtle' }, 'Loading pipeline output…'));
  const abort = new AbortController();
  let loadedFor = null;

  /** Reads (again) when the job's status changed since the last read: finished jobs once. */
  async function load(status) {
    if (loadedFor === status) return;
    loadedFor = status;
    try {
      const text = await api.pipelineClixml(jobId, abort.signal);
      const roots = new ClixmlDocument(text).roots();
      replace(element,
        h('p', { class: 'subtle', id: 'pipeline-count' }, `${formatCount(roots.length)} object${roots.length === 1 ? '' : 's'}`),
        roots.length ? objectTree(roots, 'Pipeline output') : h('p', { class: 'empty' }, 'This job wrote no objects to the pipeline.'));
    } catch (e) {
      if (e.name === 'AbortError') return;
      loadedFor = null;
      replace(element, h('p', { class: 'field-error', role: 'alert' }, `The pipeline output could not be shown: ${e.message}`));
    }
  }

  return { element, load, destroy: () => abort.abort() };
}
