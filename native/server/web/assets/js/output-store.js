// A job's stream records, read in pages of 10,000 and then tailed with the output route's
// long-poll (`after` + `wait`): one request open per viewer while the job runs, none after.

import { api } from './api.js';
import { isActive } from './status.js';

const PAGE = 10000;
const WAIT_SECONDS = 25;
const BATCH_DELAY_MS = 250;

export const STREAMS = ['information', 'verbose', 'debug', 'warning', 'error', 'progress', 'host'];
export const ERROR_TYPE = 4;

export class OutputStore {
  constructor(jobId) {
    this.jobId = jobId;
    this.records = [];
    this.errors = [];
    this.lastId = 0;
    this.done = false;
    /** 'loading' while reading what exists, 'live' while tailing, then 'done'. */
    this.phase = 'loading';
    this.listeners = new Set();
    this.abort = new AbortController();
  }

  subscribe(fn) {
    this.listeners.add(fn);
    fn(this.records, 0);
    return () => this.listeners.delete(fn);
  }

  /** Reads everything so far, then tails until the job is finished. */
  async run(onError) {
    const signal = this.abort.signal;
    try {
      for (;;) {
        const batch = await api.output(this.jobId, this.lastId, { take: PAGE, signal });
        this.add(batch);
        if (batch.length < PAGE) break;
      }
      this.phase = 'live';
      this.emit(this.records.length);
      for (;;) {
        const batch = await api.output(this.jobId, this.lastId, { take: PAGE, wait: WAIT_SECONDS, signal });
        this.add(batch);
        if (batch.length === 0) {
          // Empty: the wait timed out or the job ended. Only the job can say which.
          const job = await api.job(this.jobId, signal);
          if (!isActive(job.status)) {
            // Records written just before the end arrive with this last read.
            this.add(await api.output(this.jobId, this.lastId, { take: PAGE, signal }));
            break;
          }
        } else if (batch.length < PAGE) {
          // A chatty job: gather a few lines per request instead of one request per line.
          await sleep(BATCH_DELAY_MS, signal);
        }
      }
      this.done = true;
      this.phase = 'done';
      this.emit(this.records.length);
    } catch (e) {
      if (e.name !== 'AbortError') onError(e);
    }
  }

  add(batch) {
    if (!batch.length) return;
    const from = this.records.length;
    for (const record of batch) {
      this.records.push(record);
      if (record.type === ERROR_TYPE) this.errors.push(record);
    }
    this.lastId = batch[batch.length - 1].id;
    this.emit(from);
  }

  emit(from) {
    for (const fn of this.listeners) fn(this.records, from);
  }

  stop() {
    this.abort.abort();
  }
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('stopped', 'AbortError'));
    }, { once: true });
  });
}
