/**
 * The actuator mounted on real Express 4/5 and Fastify 4/5 applications, over real sockets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { instrument } from '../../../src/index.js';
import { close, listen } from '../../helpers/http.js';
import { parseExposition } from '../../helpers/registry.js';

const require = createRequire(import.meta.url);

interface App {
  url: string;
  stop(): Promise<void>;
}

async function expressApp(pkg: string, nm: ReturnType<typeof instrument>): Promise<App> {
  const express = require(pkg);
  const app = express();
  app.use(nm.express());
  app.get('/orders/:id', (req: { params: { id: string } }, res: { json(v: unknown): void }) => res.json({ id: req.params.id }));
  const server: Server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, stop: () => close(server) };
}

async function fastifyApp(pkg: string, nm: ReturnType<typeof instrument>): Promise<App> {
  const Fastify = require(pkg);
  const app = Fastify();
  await app.register(nm.fastify);
  // A route in an encapsulated child context: the plugin must not be encapsulated away from it.
  await app.register(async (child: { get: Function }) => {
    child.get('/orders/:id', async (req: { params: { id: string } }) => ({ id: req.params.id }));
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, stop: () => app.close() };
}

const FRAMEWORKS: [string, (nm: ReturnType<typeof instrument>) => Promise<App>][] = [
  ['express 4', (nm) => expressApp('express4', nm)],
  ['express 5', (nm) => expressApp('express', nm)],
  ['fastify 4', (nm) => fastifyApp('fastify4', nm)],
  ['fastify 5', (nm) => fastifyApp('fastify', nm)],
];

for (const [name, start] of FRAMEWORKS) {
  test(`${name}: /actuator/prometheus, content negotiation, health, links; app routes untouched`, async () => {
    const nm = instrument({ serviceName: `svc-${name.replace(' ', '')}`, diagLevel: 'silent' });
    const app = await start(nm);
    try {
      const text = await fetch(`${app.url}/actuator/prometheus`);
      assert.equal(text.status, 200);
      assert.equal(text.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      const samples = parseExposition(await text.text());
      const uptime = samples.find((s) => s.name === 'process_uptime_seconds');
      assert.ok(uptime, 'runtime series present');
      assert.equal(uptime.labels.application, `svc-${name.replace(' ', '')}`);

      const om = await fetch(`${app.url}/actuator/prometheus`, {
        headers: {
          accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
        },
      });
      assert.equal(om.headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8');
      assert.match(await om.text(), /# EOF\n$/);

      const health = await fetch(`${app.url}/actuator/health`);
      assert.equal(health.status, 200);
      // Spring's default show-components=never: the status and the probe groups only.
      assert.deepEqual(await health.json(), { status: 'UP', groups: ['liveness', 'readiness'] });

      const links = (await (await fetch(`${app.url}/actuator`)).json()) as { _links: Record<string, { href: string }> };
      assert.equal(links._links.prometheus?.href, `${app.url}/actuator/prometheus`);

      const head = await fetch(`${app.url}/actuator/prometheus`, { method: 'HEAD' });
      assert.equal(head.status, 200);

      const order = await fetch(`${app.url}/orders/42`);
      assert.deepEqual(await order.json(), { id: '42' });
    } finally {
      await app.stop();
      await nm.shutdown();
    }
  });
}

test('with a management port the actuator moves there and leaves the application port', async () => {
  const nm = instrument({ serviceName: 'mgmt', management: { port: 0, host: '127.0.0.1' }, diagLevel: 'silent' });
  const app = await expressApp('express', nm);
  try {
    const address = await nm.managementAddress();
    assert.ok(address && address.port > 0);
    const scrape = await fetch(`http://127.0.0.1:${address.port}/actuator/prometheus`);
    assert.equal(scrape.status, 200);
    assert.match(await scrape.text(), /process_uptime_seconds\{application="mgmt"\}/);
    assert.equal((await fetch(`http://127.0.0.1:${address.port}/other`)).status, 404);
    assert.equal((await fetch(`${app.url}/actuator/prometheus`)).status, 404, 'not on the app port');
  } finally {
    await app.stop();
    await nm.shutdown();
  }
  assert.equal(await nm.managementAddress().then((a) => a?.port), (await nm.managementAddress())?.port);
});

test('an occupied management port: one warning, the service keeps running', async () => {
  const { createServer } = await import('node:http');
  const blocker = createServer();
  const blockerUrl = await listen(blocker);
  const port = Number(new URL(blockerUrl).port);
  const messages: string[] = [];
  const nm = instrument({ serviceName: 'busy', management: { port, host: '127.0.0.1' } });
  nm.diag.setSink((level, message) => messages.push(`${level} ${message}`));
  try {
    assert.equal(await nm.managementAddress(), undefined);
    assert.equal(messages.filter((m) => m.startsWith('warn NMWRN003')).length, 1, messages.join('\n'));
    assert.match(await nm.scrape(), /process_uptime_seconds/);
  } finally {
    await nm.shutdown();
    await close(blocker);
  }
});
