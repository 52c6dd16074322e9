/** The scenarios both services serve (the same endpoints under /java/ and /node/), driven over plain HTTP. */
import assert from 'node:assert/strict';
import { waitFor } from '../../helpers/http.js';
import { untracedFetch } from '../../helpers/untraced.js';

export interface Ids {
  traceId: string;
  spanId: string;
}

export interface Answer extends Ids {
  /** trace headers the callee got (HTTP hello) */
  headers: Record<string, string>;
  /** the callee's answer (call) */
  body: string;
}

export interface Received {
  traceId?: string;
  spanId?: string;
  value?: string;
  headers: Record<string, string>;
}

/** GET/POST a service endpoint, expecting 200 and JSON. The test's own request is not traced. */
export async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await untracedFetch(url, { signal: AbortSignal.timeout(30_000), ...init });
  const text = await res.text();
  assert.equal(res.status, 200, `${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** `<side>/call?url=<other>/hello`: the caller's ids, and the callee's answer in `body`. */
export function callOther(from: string, side: 'java' | 'node', to: string, toSide: 'java' | 'node'): Promise<Answer> {
  return call<Answer>(`${from}/${side}/call?url=${encodeURIComponent(`${to}/${toSide}/hello`)}`);
}

export function publish(base: string, side: 'java' | 'node', topic: string, value: string): Promise<Ids> {
  return call<Ids>(`${base}/${side}/publish?topic=${encodeURIComponent(topic)}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: value,
  });
}

export function waitForRecord(base: string, side: 'java' | 'node', value: string): Promise<Received> {
  return waitFor(`${base}/${side}/received to hold ${value}`, async () => {
    const got = await call<Received[]>(`${base}/${side}/received`);
    return got.find((r) => r.value === value);
  }, 30_000, 200);
}

/** A request answered with an unhandled exception: its status (500 on both sides). */
export async function fail(base: string, side: 'java' | 'node'): Promise<number> {
  const res = await untracedFetch(`${base}/${side}/fail`, { signal: AbortSignal.timeout(30_000) });
  await res.arrayBuffer();
  return res.status;
}

let seq = 0;
/** A record value no other scenario sends. */
export const uniqueValue = (what: string): string => `${what}-${process.pid}-${Date.now()}-${++seq}`;
