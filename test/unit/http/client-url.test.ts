/**
 * `http.url` of an http.request client span names the port it went to (it was `http://127.0.0.1/x` for a call to
 * another port), and never the query string.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { Diag } from '../../../src/core/diag.js';
import { HttpClientContext } from '../../../src/http/client-context.js';
import { HttpClientConvention } from '../../../src/http/client-convention.js';
import { observeHttpClients } from '../../../src/http/client-observer.js';
import { createObservationRegistry } from '../../../src/observation/registry.js';
import type { ObservationContext } from '../../../src/observation/context.js';
import { close, listen } from '../../helpers/http.js';

function get(url: string, headers: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
}

test('http.request: http.url carries the port; the client_name tag does not', async () => {
  const observations = createObservationRegistry(new Diag('silent'));
  const convention = new HttpClientConvention();
  const seen: { url: string; clientName: string }[] = [];
  observations.addHandler({
    name: 'record',
    supportsContext: (ctx: ObservationContext) => ctx instanceof HttpClientContext,
    onStop(ctx: ObservationContext, low: readonly string[]) {
      const c = ctx as HttpClientContext;
      seen.push({ url: convention.highCardinality(c)['http.url'] as string, clientName: low[0]! });
    },
  });
  const unsubscribe = observeHttpClients(observations, convention);
  const server = createServer((_req, res) => res.end('ok'));
  const base = await listen(server);
  const port = new URL(base).port;
  try {
    await get(`${base}/x?secret=1`);
    await get(`${base}/vhost`, { host: 'example.com' });
    await get(`http://localhost:${port}/named`);
  } finally {
    unsubscribe();
    await close(server);
  }
  console.log('client spans seen:', JSON.stringify(seen));
  assert.deepEqual(seen, [
    { url: `http://127.0.0.1:${port}/x`, clientName: '127.0.0.1' },
    // A Host header naming another host is not where the call went: the host connected to, no port known.
    { url: 'http://127.0.0.1/vhost', clientName: '127.0.0.1' },
    { url: `http://localhost:${port}/named`, clientName: 'localhost' },
  ]);
});

test('client_name of an IPv6 origin keeps the bracketed address', () => {
  const ctx = new HttpClientContext('GET', 'http://[::1]:8080', '/', undefined, new HttpClientConvention(), {}, { set() {} });
  assert.equal(ctx.host, '[::1]');
});
