// Decoded CliXml objects as an expandable tree (ARIA tree pattern). A node's children are
// decoded and drawn only when it is first expanded.

import { h } from '../dom.js';

/** Long lists open a slice at a time so one huge collection cannot freeze the page. */
const SLICE = 200;

export function objectTree(nodes, label) {
  const tree = h('ul', { class: 'tree', role: 'tree', 'aria-label': label });
  appendSlice(tree, nodes, 0, 1);
  return tree;
}

function appendSlice(list, nodes, start, level) {
  const end = Math.min(nodes.length, start + SLICE);
  for (let i = start; i < end; i++) list.append(treeItem(nodes[i], level));
  if (end < nodes.length) {
    const more = h('li', { role: 'none', class: 'tree-more' },
      h('button', {
        type: 'button', class: 'btn btn-quiet btn-small',
        onclick: () => { more.remove(); appendSlice(list, nodes, end, level); },
      }, `Show ${Math.min(SLICE, nodes.length - end)} more of ${nodes.length - end}`));
    list.append(more);
  }
}

function treeItem(node, level) {
  const summary = node.summary === '' ? null : h('span', { class: `tree-value${node.value === '$null' ? ' null' : ''}` }, node.summary);
  const type = h('span', { class: 'tree-type', title: node.typeNames.join('\n') }, node.typeName);
  const name = h('span', { class: 'tree-name' }, node.name);
  if (!node.hasChildren) {
    return h('li', { role: 'treeitem', 'aria-level': level, class: 'tree-leaf' },
      h('span', { class: 'tree-row' }, h('span', { class: 'tree-spacer', 'aria-hidden': 'true' }), name, summary, type));
  }
  const item = h('li', { role: 'treeitem', 'aria-level': level, 'aria-expanded': 'false' });
  let group = null;
  const toggle = h('button', {
    type: 'button', class: 'tree-row tree-toggle', 'aria-label': `${node.name} ${node.typeName}`,
    onclick: () => {
      const open = item.getAttribute('aria-expanded') !== 'true';
      item.setAttribute('aria-expanded', String(open));
      if (open && !group) {
        group = h('ul', { role: 'group' });
        appendSlice(group, node.children(), 0, level + 1);
        item.append(group);
      }
      if (group) group.hidden = !open;
    },
  }, h('span', { class: 'tree-caret', 'aria-hidden': 'true' }), name, summary, type);
  item.append(toggle);
  return item;
}
