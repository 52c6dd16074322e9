/**
 * http_server_requests_seconds with Spring's exact tags, over real sockets, for Express 4/5 and Fastify 4/5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { instrument, type Nodemeter } from '../../../src/index.js';
import { close } from '../../helpers/http.js';
import { parseExposition } from '../../helpers/registry.js';
import { find, waitForSeries } from '../../helpers/series.js';

const require = createRequire(import.meta.url);

class OrderFailure extends Error {}
class PaymentDeclined extends Error {}

interface App {
  url: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function expressApp(pkg: string, nm: Nodemeter): Promise<App> {
  const express = require(pkg);
  const app = express();
  app.use(nm.express());
  app.use((req: any, res: any, next: any) => (req.path === '/old' ? res.redirect(302, '/new') : next()));
  app.get('/', (_req: any, res: any) => res.send('home'));
  app.get('/orders/:id', (req: any, res: any) => res.json({ id: req.params.id }));
  app.get('/fail', () => {
    throw new OrderFailure('sync');
  });
  app.get('/fail-async', (_req: any, _res: any, next: any) => {
    setTimeout(() => next(new PaymentDeclined('async')), 1);
  });
  app.get('/five-hundred', (_req: any, res: any) => res.status(500).send('no'));
  app.get('/slow', (_req: any, res: any) => setTimeout(() => res.send('late'), 300));
  const api = express.Router();
  api.get('/items/:itemId', (req: any, res: any) => res.json({ item: req.params.itemId }));
  api.get('/', (_req: any, res: any) => res.send('api root'));
  app.use('/api', api);
  const userOrders = express.Router({ mergeParams: true });
  userOrders.get('/:orderId', (req: any, res: any) => res.json(req.params));
  app.use('/users/:userId/orders', userOrders);
  app.use(nm.expressErrorHandler());
  app.use((err: Error, _req: any, res: any, _next: any) => res.status(500).send(err.message));
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, stop: () => close(server) };
}

async function fastifyApp(pkg: string, nm: Nodemeter): Promise<App> {
  const Fastify = require(pkg);
  const app = Fastify();
  await app.register(nm.fastify);
  app.addHook('onRequest', async (req: any, reply: any) => {
    // Fastify 5 takes (url, code); Fastify 4 reads the string as the url and redirects with 302 as well.
    if (req.url === '/old') return reply.redirect('/new', 302);
  });
  app.get('/', async () => 'home');
  app.get('/orders/:id', async (req: any) => ({ id: req.params.id }));
  app.get('/fail', () => {
    throw new OrderFailure('sync');
  });
  app.get('/fail-async', async () => {
    await sleep(1);
    throw new PaymentDeclined('async');
  });
  app.get('/five-hundred', async (_req: any, reply: any) => reply.code(500).send('no'));
  app.get('/slow', async () => {
    await sleep(300);
    return 'late';
  });
  await app.register(
    async (api: any) => {
      api.get('/items/:itemId', async (req: any) => ({ item: req.params.itemId }));
    },
    { prefix: '/api' },
  );
  await app.register(
    async (users: any) => {
      users.get('/:orderId', async (req: any) => req.params);
    },
    { prefix: '/users/:userId/orders' },
  );
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, stop: () => app.close() };
}

const FRAMEWORKS: [string, (nm: Nodemeter) => Promise<App>][] = [
  ['express 4', (nm) => expressApp('express4', nm)],
  ['express 5', (nm) => expressApp('express', nm)],
  ['fastify 4', (nm) => fastifyApp('fastify4', nm)],
  ['fastify 5', (nm) => fastifyApp('fastify', nm)],
];

const NAME = 'http_server_requests_seconds_count';

function tags(method: string, uri: string, status: string, outcome: string, exception = 'none') {
  return { method, uri, status, outcome, exception, error: exception };
}

/** Aborts a request after its headers were sent, before the response. */
function abortedRequest(url: string, path: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 50);
    });
  });
}

for (const [framework, start] of FRAMEWORKS) {
  test(`${framework}: Spring's http_server_requests_seconds series`, async () => {
    const nm = instrument({ serviceName: 'http-test', diagLevel: 'silent' });
    const app = await start(nm);
    const scrape = () => nm.scrape();
    try {
      for (let i = 0; i < 3; i++) assert.equal((await fetch(`${app.url}/orders/${i}?secret=x`)).status, 200);
      assert.equal((await fetch(`${app.url}/`)).status, 200);
      assert.equal((await fetch(`${app.url}/api/items/7`)).status, 200);
      assert.equal((await fetch(`${app.url}/users/42/orders/9`)).status, 200);
      assert.equal((await fetch(`${app.url}/nope/${Math.random()}`)).status, 404);
      assert.equal((await fetch(`${app.url}/fail`)).status, 500);
      assert.equal((await fetch(`${app.url}/fail-async`)).status, 500);
      assert.equal((await fetch(`${app.url}/five-hundred`)).status, 500);
      const redirect = await fetch(`${app.url}/old`, { redirect: 'manual' });
      assert.equal(redirect.status, 302);
      await abortedRequest(app.url, '/slow');

      const orders = await waitForSeries(scrape, NAME, tags('GET', '/orders/{id}', '200', 'SUCCESS'), 3);
      assert.equal(orders.value, 3);
      assert.deepEqual(Object.keys(orders.labels).sort(), ['application', 'error', 'exception', 'method', 'outcome', 'status', 'uri']);
      await waitForSeries(scrape, NAME, tags('GET', 'root', '200', 'SUCCESS'));
      await waitForSeries(scrape, NAME, tags('GET', '/api/items/{itemId}', '200', 'SUCCESS'));
      await waitForSeries(scrape, NAME, tags('GET', '/users/{userId}/orders/{orderId}', '200', 'SUCCESS'));
      await waitForSeries(scrape, NAME, tags('GET', 'NOT_FOUND', '404', 'CLIENT_ERROR'));
      await waitForSeries(scrape, NAME, tags('GET', '/fail', '500', 'SERVER_ERROR', 'OrderFailure'));
      await waitForSeries(scrape, NAME, tags('GET', '/fail-async', '500', 'SERVER_ERROR', 'PaymentDeclined'));
      await waitForSeries(scrape, NAME, tags('GET', '/five-hundred', '500', 'SERVER_ERROR'));
      await waitForSeries(scrape, NAME, tags('GET', 'REDIRECTION', '302', 'REDIRECTION'));
      await waitForSeries(scrape, NAME, tags('GET', '/slow', 'UNKNOWN', 'UNKNOWN'));

      const text = await scrape();
      const sum = find(text, 'http_server_requests_seconds_sum', tags('GET', '/orders/{id}', '200', 'SUCCESS'));
      assert.ok(sum && sum.value > 0 && sum.value < 5);
      const max = find(text, 'http_server_requests_seconds_max', tags('GET', '/orders/{id}', '200', 'SUCCESS'));
      assert.ok(max && max.value > 0 && max.value <= sum!.value);
      const samples = parseExposition(text).filter((s) => s.name.startsWith('http_server_requests_seconds'));
      assert.ok(!samples.some((s) => (s.labels.uri ?? '').includes('?') || /\/orders\/\d/.test(s.labels.uri ?? '')), 'never a raw path');
      assert.ok(!samples.some((s) => (s.labels.uri ?? '').includes('actuator')), 'actuator excluded');
      assert.ok(!samples.some((s) => s.name.endsWith('_bucket')), 'no buckets unless enabled');
      assert.match(text, /# TYPE http_server_requests_seconds summary/);
      assert.match(text, /# TYPE http_server_requests_active_seconds summary/);
      // The aborted /slow request finishes its handler after the client left; nothing is in flight at the end.
      await waitForSeries(scrape, 'http_server_requests_active_seconds_count', { method: 'GET', uri: 'UNKNOWN' }, 0);
    } finally {
      await app.stop();
      await nm.shutdown();
    }
  });
}

test('in-flight requests show in http_server_requests_active_seconds', async () => {
  const nm = instrument({ serviceName: 'active-test', diagLevel: 'silent' });
  const app = await expressApp('express', nm);
  try {
    const pending = Promise.all([fetch(`${app.url}/slow`), fetch(`${app.url}/slow`)]);
    const active = await waitForSeries(() => nm.scrape(), 'http_server_requests_active_seconds_count', {
      method: 'GET', uri: 'UNKNOWN', status: '200', outcome: 'SUCCESS', exception: 'none',
    }, 2);
    assert.equal(active.value, 2);
    await pending;
    await waitForSeries(() => nm.scrape(), NAME, tags('GET', '/slow', '200', 'SUCCESS'), 2);
    const after = find(await nm.scrape(), 'http_server_requests_active_seconds_count', { uri: 'UNKNOWN' });
    assert.equal(after?.value, 0);
  } finally {
    await app.stop();
    await nm.shutdown();
  }
});

test('percentiles histogram with Micrometer\'s ladder, and SLO buckets, when enabled per meter name', async () => {
  const nm = instrument({
    serviceName: 'histo',
    diagLevel: 'silent',
    metrics: { distribution: { percentilesHistogram: { 'http.server.requests': true }, slo: { http: [0.05, 0.1] } } },
  });
  const app = await expressApp('express', nm);
  try {
    await fetch(`${app.url}/orders/1`);
    await waitForSeries(() => nm.scrape(), NAME, tags('GET', '/orders/{id}', '200', 'SUCCESS'));
    const text = await nm.scrape();
    const buckets = parseExposition(text).filter(
      (s) => s.name === 'http_server_requests_seconds_bucket' && s.labels.uri === '/orders/{id}',
    );
    const les = buckets.map((b) => b.labels.le);
    assert.equal(les.length, 68 + 2 + 1, '68 default boundaries + 2 SLOs + +Inf');
    assert.equal(les[0], '0.001');
    assert.ok(les.includes('0.05') && les.includes('0.1'));
    assert.equal(les.at(-2), '30.0');
    assert.equal(les.at(-1), '+Inf');
    assert.equal(buckets.at(-1)!.value, 1);
    assert.match(text, /# TYPE http_server_requests_seconds histogram/);
  } finally {
    await app.stop();
    await nm.shutdown();
  }
});
