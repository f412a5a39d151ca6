// Calls to the REST API (docs/api.md) with the session's Bearer token. Every failure
// becomes an ApiError carrying the server's stable error id and message.

import { token } from './session.js';

export class ApiError extends Error {
  constructor(status, id, message) {
    super(message);
    this.status = status;
    this.id = id;
  }

  /** The role was refused, as opposed to a missing or bad token. */
  get refused() {
    return this.status === 403;
  }
}

/** Listeners told when the token is rejected, so the app can send the user to sign in. */
const unauthorized = new Set();
export function onUnauthorized(fn) {
  unauthorized.add(fn);
}

export async function call(path, { method = 'GET', body, accept = 'application/json', signal, tokenOverride } = {}) {
  const headers = { Accept: accept };
  const bearer = tokenOverride ?? token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `The server could not be reached (${e.message}).`);
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (error.status === 401 && !tokenOverride) unauthorized.forEach((fn) => fn(error));
    throw error;
  }
  if (response.status === 204 || response.status === 202) return null;
  const type = response.headers.get('Content-Type') ?? '';
  return type.includes('json') ? response.json() : response.text();
}

async function errorFrom(response) {
  let id = `http.${response.status}`;
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body?.id) id = body.id;
    if (body?.message) message = body.message;
  } catch {
    // Not JSON (a proxy's page, say): the status line is the best message there is.
  }
  return new ApiError(response.status, id, message);
}

const enc = encodeURIComponent;

export const api = {
  jobs: (query, signal) => call(`/job?${new URLSearchParams(query)}`, { signal }),
  job: (id, signal) => call(`/job/${enc(id)}`, { signal }),
  children: (id, signal) => call(`/job/${enc(id)}/children`, { signal }),
  output: (id, after, { take = 10000, wait = 0, signal } = {}) =>
    call(`/job/${enc(id)}/output?after=${after}&take=${take}&wait=${wait}`, { signal }),
  pipelineClixml: (id, signal) => call(`/job/${enc(id)}/pipelineOutput`, { accept: 'application/clixml', signal }),
  feedback: (id, signal) => call(`/job/${enc(id)}/feedback`, { signal }),
  answer: (id, body) => call(`/job/${enc(id)}/feedback`, { method: 'POST', body }),
  cancel: (id) => call(`/job/${enc(id)}/cancel`, { method: 'POST' }),
  check: (candidate) => call('/job?take=1', { tokenOverride: candidate }),
};
