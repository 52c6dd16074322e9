/**
 * http_client_requests_seconds for fetch (undici) and http.request against a local server, including a refused
 * connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { instrument, withUriTemplate } from '../../../src/index.js';
import { close, listen } from '../../helpers/http.js';
import { parseExposition } from '../../helpers/registry.js';
import { find, waitForSeries } from '../../helpers/series.js';

const NAME = 'http_client_requests_seconds_count';

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('fetch and http.request: Spring client tags, templates from withUriTemplate, refused connections', async () => {
  const nm = instrument({ serviceName: 'client-test', diagLevel: 'silent' });
  const server = createServer((req, res) => {
    res.statusCode = req.url?.startsWith('/missing') ? 404 : req.url?.startsWith('/boom') ? 503 : 200;
    res.end('x');
  });
  const url = await listen(server);
  const port = await closedPort();
  const scrape = () => nm.scrape();
  try {
    await withUriTemplate('/orders/{id}', async () => {
      for (const id of [1, 2]) assert.equal((await fetch(`${url}/orders/${id}?x=1`)).status, 200);
    });
    assert.equal(await withUriTemplate(`${url}/items/{id}`, () => get(`${url}/items/9`)), 200);
    assert.equal((await fetch(`${url}/missing/3`)).status, 404);
    assert.equal(await get(`${url}/boom`), 503);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/refused`));
    await assert.rejects(get(`http://127.0.0.1:${port}/refused`));

    const base = { client_name: '127.0.0.1', method: 'GET' };
    const orders = await waitForSeries(scrape, NAME, { ...base, uri: '/orders/{id}', status: '200', outcome: 'SUCCESS', exception: 'none', error: 'none' }, 2);
    assert.equal(orders.value, 2);
    assert.deepEqual(Object.keys(orders.labels).sort(), ['application', 'client_name', 'error', 'exception', 'method', 'outcome', 'status', 'uri']);
    await waitForSeries(scrape, NAME, { ...base, uri: '/items/{id}', status: '200', outcome: 'SUCCESS' });
    await waitForSeries(scrape, NAME, { ...base, uri: 'none', status: '404', outcome: 'CLIENT_ERROR' });
    await waitForSeries(scrape, NAME, { ...base, uri: 'none', status: '503', outcome: 'SERVER_ERROR' });
    const refused = await waitForSeries(scrape, NAME, { ...base, uri: 'none', status: 'IO_ERROR', outcome: 'UNKNOWN', exception: 'Error', error: 'Error' }, 2);
    assert.equal(refused.value, 2, 'one refused fetch and one refused http.request');
    const text = await scrape();
    assert.ok(find(text, 'http_client_requests_seconds_max', { uri: '/orders/{id}' })!.value > 0);
    const uris = parseExposition(text).filter((s) => s.name === NAME).map((s) => s.labels.uri);
    assert.ok(uris.every((u) => u === 'none' || u!.includes('{')), 'never a raw path');
    // Nothing left in flight.
    const active = parseExposition(text).filter((s) => s.name === 'http_client_requests_active_seconds_count');
    assert.equal(active.reduce((a, s) => a + s.value, 0), 0);
  } finally {
    await close(server);
    await nm.shutdown();
  }
});

test('after shutdown, calls are no longer observed', async () => {
  const nm = instrument({ serviceName: 'client-off', diagLevel: 'silent' });
  await nm.shutdown();
  const server = createServer((_req, res) => res.end());
  const url = await listen(server);
  try {
    await fetch(url);
    assert.equal(find(await nm.scrape(), NAME, {}), undefined);
  } finally {
    await close(server);
  }
});
