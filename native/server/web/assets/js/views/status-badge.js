// A job status as a coloured badge; the text says the status, colour only reinforces it.

import { h } from '../dom.js';
import { statusInfo } from '../status.js';

export function statusBadge(value) {
  const s = statusInfo(value);
  return h('span', { class: `badge tone-${s.tone}`, dataset: { status: s.name } }, s.label);
}
