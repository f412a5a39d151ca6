// Job statuses (docs/api.md JobStatus) with their names and the colour class each shows with.

export const STATUSES = [
  { value: 0, name: 'Queued', tone: 'neutral' },
  { value: 1, name: 'Running', tone: 'info' },
  { value: 2, name: 'Completed', tone: 'success' },
  { value: 3, name: 'Failed', tone: 'danger' },
  { value: 4, name: 'WaitingOnFeedback', label: 'Waiting on feedback', tone: 'attention' },
  { value: 5, name: 'Canceled', tone: 'muted' },
  { value: 6, name: 'Canceling', tone: 'attention' },
  { value: 9, name: 'TimedOut', label: 'Timed out', tone: 'danger' },
  { value: 10, name: 'Warning', tone: 'attention' },
  { value: 11, name: 'Error', tone: 'danger' },
];

const byValue = new Map(STATUSES.map((s) => [s.value, s]));

export function statusInfo(value) {
  const s = byValue.get(value) ?? { value, name: `Status ${value}`, tone: 'neutral' };
  return { ...s, label: s.label ?? s.name };
}

/** Queued, Running, WaitingOnFeedback and Canceling jobs can still change. */
export function isActive(value) {
  return value === 0 || value === 1 || value === 4 || value === 6;
}

/** Jobs a Cancel makes sense for. */
export function isCancelable(value) {
  return value === 0 || value === 1 || value === 4;
}
