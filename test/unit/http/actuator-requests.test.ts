/**
 * Requests to the actuator on the application's port are observed as Spring Boot observes its actuator's (measured
 * on Boot 3.5.7 and 4.0.7): `http_server_requests_seconds{uri}` is the endpoint's request mapping, the same on
 * node:http, Express and Fastify; a separate management port is not observed (neither is Spring's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { instrument } from '../../../src/index.js';
import { actuatorRouteResolver } from '../../../src/http/actuator-route.js';
import { close, listen } from '../../helpers/http.js';
import { parseExposition } from '../../helpers/registry.js';
import { waitForSeries } from '../../helpers/series.js';

const require = createRequire(import.meta.url);

test('the mapping of each actuator path, as Spring MVC records it', () => {
  const resolve = actuatorRouteResolver('/actuator');
  const uri = (url: string): string | undefined => resolve({ url } as IncomingMessage);
  assert.equal(uri('/actuator'), '/actuator');
  assert.equal(uri('/actuator/'), '/actuator');
  assert.equal(uri('/actuator/health'), '/actuator/health');
  assert.equal(uri('/actuator/health?x=1'), '/actuator/health');
  assert.equal(uri('/actuator/health/liveness'), '/actuator/health/{*path}');
  assert.equal(uri('/actuator/health/db/primary'), '/actuator/health/{*path}');
  assert.equal(uri('/actuator/prometheus'), '/actuator/prometheus');
  assert.equal(uri('/actuator/metrics/jvm.memory.used'), '/actuator/metrics/{requiredMetricName}');
  assert.equal(uri('/actuator/loggers/com.example'), '/actuator/loggers/{name}');
  assert.equal(uri('/actuator/env/PATH'), '/actuator/env/{toMatch}');
  assert.equal(uri('/actuator/prometheus/extra'), undefined);
  // the template strings are built once, not per request
  assert.equal(uri('/actuator/health/liveness'), uri('/actuator/health/readiness'));
});

async function uris(nm: ReturnType<typeof instrument>, expected: string): Promise<string[]> {
  const scrape = () => nm.scrape();
  await waitForSeries(scrape, 'http_server_requests_seconds_count', { uri: expected });
  return [...new Set(parseExposition(await scrape()).filter((s) => s.name === 'http_server_requests_seconds_count').map((s) => `${s.labels.uri} ${s.labels.status}`))].sort();
}

const EXPECTED = [
  '/actuator 200',
  '/actuator/health 200',
  '/actuator/health/{*path} 200',
  '/actuator/health/{*path} 404',
  'NOT_FOUND 404',
];

async function hitActuator(url: string): Promise<void> {
  for (const path of ['/actuator', '/actuator/health', '/actuator/health/liveness', '/actuator/health/nothing', '/actuator/nothing']) {
    const res = await fetch(`${url}${path}`);
    await res.arrayBuffer();
  }
  // the scrape comes last: it is recorded when its response closed, after the exposition was written
  await (await fetch(`${url}/actuator/prometheus`)).arrayBuffer();
}

async function checkServer(start: (nm: ReturnType<typeof instrument>) => Promise<{ url: string; stop(): Promise<void> }>): Promise<void> {
  // Every request sampled: a sampled span asks for its name at start, before the response is known, and an unknown
  // endpoint must still end as NOT_FOUND (with 10% sampling this failed one run in ten).
  const nm = instrument({
    serviceName: 'actuator-uri',
    diagLevel: 'silent',
    actuator: { health: { probes: true } },
    tracing: { samplingProbability: 1, zipkin: { enabled: false } },
  });
  const app = await start(nm);
  try {
    await hitActuator(app.url);
    const got = await uris(nm, '/actuator/prometheus');
    assert.deepEqual(got, [...EXPECTED, '/actuator/prometheus 200'].sort());
  } finally {
    await app.stop();
    await nm.shutdown();
  }
}

test('node:http: actuator requests recorded under their mapping', () =>
  checkServer(async (nm) => {
    const server: Server = createServer((req, res) => {
      if (nm.actuator.serve(req, res)) return;
      res.end();
    });
    const url = await listen(server);
    return { url, stop: () => close(server) };
  }));

test('Express 5: actuator requests recorded under their mapping', () =>
  checkServer(async (nm) => {
    const express = require('express');
    const app = express();
    app.use(nm.express());
    const server: Server = app.listen(0);
    await new Promise((r) => server.once('listening', r));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, stop: () => close(server) };
  }));

test('Fastify 5: actuator requests recorded under their mapping, not the Fastify route', () =>
  checkServer(async (nm) => {
    const Fastify = require('fastify');
    const app = Fastify();
    await app.register(nm.fastify);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, stop: () => app.close() };
  }));
