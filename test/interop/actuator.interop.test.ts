// @backends zipkin kafka victorialogs spring
/**
 * nodemeter's actuator against a real Spring Boot service (3.5 and 4.0, test/interop/spring-app), request for
 * request: the same requests go to the Spring app and to nodemeter's actuator on Express and on Fastify, and the
 * answers must have the same status code, the same content type and the same JSON key structure (keys, recursively;
 * array elements by their first one; values not compared). Both sides expose health, info, prometheus, metrics and
 * loggers (Spring through MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE, which nodemeter reads too).
 *
 * The only differences allowed are those in ALLOWED, each with its reason; docs/guides/actuator.md lists the same
 * ones ("Compared with a real Spring Boot service"). Not part of `npm test` yet, as the rest of the interop suite;
 * docs/guides/spring-interop.md says how to run it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { instrument, type Nodemeter } from '../../src/index.js';
import { close, listen } from '../helpers/http.js';
import { untracedFetch } from '../helpers/untraced.js';
import { interopEnv, type InteropEnv } from './helpers/env.js';
import { BOOT_VERSION, bootLines, startSpring, type SpringApp } from './helpers/spring.js';

const EXPOSURE = 'health,info,prometheus,metrics,loggers';
const V3 = 'application/vnd.spring-boot.actuator.v3+json';

interface Probe {
  /** A name for messages and for ALLOWED. */
  id: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** In this order: the POSTs change ROOT's level, the reads before them see the level as started. */
const PROBES: Probe[] = [
  { id: 'links', method: 'GET', path: '/actuator' },
  { id: 'health', method: 'GET', path: '/actuator/health' },
  { id: 'liveness', method: 'GET', path: '/actuator/health/liveness' },
  { id: 'readiness', method: 'GET', path: '/actuator/health/readiness' },
  { id: 'health component hidden', method: 'GET', path: '/actuator/health/ping' },
  { id: 'info', method: 'GET', path: '/actuator/info' },
  { id: 'metrics', method: 'GET', path: '/actuator/metrics' },
  { id: 'metric', method: 'GET', path: '/actuator/metrics/http.server.requests' },
  { id: 'metric by tag', method: 'GET', path: '/actuator/metrics/http.server.requests?tag=method:GET' },
  { id: 'metric, tag no series has', method: 'GET', path: '/actuator/metrics/http.server.requests?tag=uri:/never' },
  { id: 'unknown metric', method: 'GET', path: '/actuator/metrics/no.such.metric' },
  { id: 'bad tag', method: 'GET', path: '/actuator/metrics/http.server.requests?tag=nocolon' },
  { id: 'loggers', method: 'GET', path: '/actuator/loggers' },
  { id: 'logger ROOT', method: 'GET', path: '/actuator/loggers/ROOT' },
  { id: 'unknown logger', method: 'GET', path: '/actuator/loggers/no.such.logger' },
  { id: 'POST logger (v3 type)', method: 'POST', path: '/actuator/loggers/ROOT', headers: { 'content-type': V3 }, body: '{"configuredLevel":"DEBUG"}' },
  { id: 'POST logger (json)', method: 'POST', path: '/actuator/loggers/ROOT', headers: { 'content-type': 'application/json' }, body: '{"configuredLevel":"INFO"}' },
  { id: 'POST logger, bad level', method: 'POST', path: '/actuator/loggers/ROOT', headers: { 'content-type': 'application/json' }, body: '{"configuredLevel":"LOUD"}' },
  { id: 'POST logger, not JSON', method: 'POST', path: '/actuator/loggers/ROOT', headers: { 'content-type': 'application/json' }, body: 'not json' },
  { id: 'POST unknown logger', method: 'POST', path: '/actuator/loggers/no.such.logger', headers: { 'content-type': 'application/json' }, body: '{"configuredLevel":"INFO"}' },
  { id: 'unknown endpoint', method: 'GET', path: '/actuator/nope' },
  { id: 'endpoint not exposed', method: 'GET', path: '/actuator/env' },
  { id: 'wrong method', method: 'DELETE', path: '/actuator/health' },
  { id: 'wrong method, POST', method: 'POST', path: '/actuator/info', headers: { 'content-type': 'application/json' }, body: '{}' },
  { id: 'wrong method, PUT logger', method: 'PUT', path: '/actuator/loggers/ROOT', headers: { 'content-type': 'application/json' }, body: '{}' },
  { id: 'Accept: application/json', method: 'GET', path: '/actuator/health', headers: { accept: 'application/json' } },
  { id: 'Accept: */*', method: 'GET', path: '/actuator/health', headers: { accept: '*/*' } },
  { id: 'Accept: text/plain', method: 'GET', path: '/actuator/health', headers: { accept: 'text/plain' } },
  { id: 'Accept: text/plain, links', method: 'GET', path: '/actuator', headers: { accept: 'text/plain' } },
  { id: 'Accept: text/plain, unknown endpoint', method: 'GET', path: '/actuator/nope', headers: { accept: 'text/plain' } },
  { id: 'scrape', method: 'GET', path: '/actuator/prometheus' },
  { id: 'scrape, OpenMetrics', method: 'GET', path: '/actuator/prometheus', headers: { accept: 'application/openmetrics-text; version=1.0.0' } },
  { id: 'scrape, Accept: application/json', method: 'GET', path: '/actuator/prometheus', headers: { accept: 'application/json' } },
];

/**
 * The differences allowed, by probe id, with the reason (the same list is in docs/guides/actuator.md).
 *   ignoreKeys: top-level keys left out of the comparison on both sides;
 *   status: the codes each side answers instead of one code.
 */
const ALLOWED: Record<string, { ignoreKeys?: string[]; status?: { spring: number; node: number }; reason: string }> = {
  info: {
    ignoreKeys: ['build', 'git'],
    reason: 'nodemeter reads build from package.json; Spring has build only with build-info.properties from its build plugin',
  },
  metric: { ignoreKeys: ['description'], reason: "Micrometer's http.server.requests has no description; nodemeter's has one" },
  'metric by tag': { ignoreKeys: ['description'], reason: "Micrometer's http.server.requests has no description; nodemeter's has one" },
  'POST unknown logger': {
    status: { spring: 204, node: 404 },
    reason: 'Logback creates a logger for any name; pino has no logger registry to create one in',
  },
};

/** The key structure of a JSON value: objects by their keys (sorted), arrays by their first element, values as '·'. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
  }
  return '·';
}

interface Answer {
  status: number;
  /** Parameters without spaces, lower case: `text/plain;version=0.0.4;charset=utf-8` (RFC 9110: whitespace there is not significant). */
  type: string;
  shape: unknown;
}

async function ask(base: string, probe: Probe): Promise<Answer> {
  const res = await untracedFetch(`${base}${probe.path}`, { method: probe.method, headers: probe.headers, body: probe.body });
  const text = await res.text();
  const type = (res.headers.get('content-type') ?? '').replace(/;\s+/g, ';').toLowerCase();
  let body: unknown = text === '' ? '' : undefined;
  if (body === undefined && type.includes('json')) body = JSON.parse(text);
  if (body !== undefined && probe.id === 'loggers') {
    // Logger names are each runtime's own (Spring's hundreds, nodemeter's ROOT and named children); Spring's
    // default groups `web` and `sql` have no pino counterpart. ROOT's entry is the structure both must share.
    const b = body as { loggers: Record<string, unknown> };
    body = { ...b, loggers: { ROOT: b.loggers.ROOT }, groups: {} };
  }
  const ignore = ALLOWED[probe.id]?.ignoreKeys;
  if (ignore && body !== null && typeof body === 'object') {
    body = Object.fromEntries(Object.entries(body).filter(([k]) => !ignore.includes(k)));
  }
  return { status: res.status, type, shape: body === undefined ? `(${text.length > 0 ? 'text' : 'empty'})` : shape(body) };
}

let env: InteropEnv;
let nm: Nodemeter;
let expressServer: Server;
let fastify: FastifyInstance;
const nodeUrls: Record<string, string> = {};

before(async () => {
  env = interopEnv();
  // Read by the Spring app (relaxed binding, above its application.properties) and by nodemeter alike.
  process.env.MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE = EXPOSURE;
  process.env.MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED = 'true';
  // Writes are off by default in nodemeter (on in Spring): on here, so the POSTs compare.
  nm = instrument({ serviceName: `node-actuator-${process.pid}`, diagLevel: 'error', tracing: { enabled: false }, actuator: { write: true } });
  const app = express();
  app.use(nm.express());
  app.get('/node/hello', (_req, res) => {
    res.json({ hello: true });
  });
  expressServer = app.listen(0, '127.0.0.1');
  nodeUrls.express = await listen(expressServer);
  fastify = Fastify();
  await fastify.register(nm.fastify);
  fastify.get('/node/hello', async () => ({ hello: true }));
  nodeUrls.fastify = await fastify.listen({ port: 0, host: '127.0.0.1' });
  // A request of the application's own, so http.server.requests exists (nodemeter does not time its actuator's).
  for (const url of Object.values(nodeUrls)) assert.equal((await untracedFetch(`${url}/node/hello`)).status, 200);
});

after(async () => {
  await fastify?.close();
  if (expressServer) await close(expressServer);
  await nm?.shutdown();
});

for (const line of bootLines()) {
  describe(`actuator: Spring Boot ${BOOT_VERSION[line]} and nodemeter answer the same`, () => {
    let java: SpringApp | undefined;
    const springAnswers = new Map<string, Answer>();

    before(async () => {
      java = await startSpring({
        line,
        appName: `java-actuator-${line}-${process.pid}`,
        propagation: 'W3C',
        listenTopic: `interop-actuator-${line}-${process.pid}`,
        kafkaBrokers: env.kafkaBrokers,
        zipkinUrl: env.zipkinUrl,
        victoriaLogsUrl: env.victoriaLogsUrl,
      });
      assert.equal((await untracedFetch(`${java.url}/java/hello`)).status, 200);
      for (const probe of PROBES) springAnswers.set(probe.id, await ask(java.url, probe));
      // The Spring side answered as measured (a misconfigured app would make every comparison vacuous).
      const seen = (id: string) => [springAnswers.get(id)!.status, springAnswers.get(id)!.type];
      assert.deepEqual(seen('health'), [200, V3]);
      assert.deepEqual(seen('loggers'), [200, V3], 'loggers exposed on the Spring app');
      assert.deepEqual(seen('wrong method'), [405, 'application/json']);
      assert.deepEqual(seen('Accept: text/plain'), [406, '']);
      assert.deepEqual(seen('scrape'), [200, 'text/plain;version=0.0.4;charset=utf-8']);
    });

    after(async () => {
      await java?.stop();
    });

    for (const server of ['express', 'fastify']) {
      test(`nodemeter on ${server}: same status, content type and key structure for every request`, async () => {
        assert.ok(java, 'the Spring app started');
        const differences: string[] = [];
        for (const probe of PROBES) {
          const spring = springAnswers.get(probe.id)!;
          const node = await ask(nodeUrls[server]!, probe);
          const allowed = ALLOWED[probe.id];
          const label = `${probe.id} (${probe.method} ${probe.path}${probe.headers?.accept ? `, Accept ${probe.headers.accept}` : ''})`;
          if (allowed?.status) {
            assert.equal(spring.status, allowed.status.spring, `${label}: Spring's status changed; update ALLOWED and the guide`);
            if (node.status !== allowed.status.node) differences.push(`${label}: status ${node.status}, allowed ${allowed.status.node}`);
            continue;
          }
          if (node.status !== spring.status) differences.push(`${label}: status ${node.status}, Spring ${spring.status}`);
          if (node.type !== spring.type) differences.push(`${label}: content type '${node.type}', Spring '${spring.type}'`);
          if (JSON.stringify(node.shape) !== JSON.stringify(spring.shape)) {
            differences.push(`${label}: keys ${JSON.stringify(node.shape)}, Spring ${JSON.stringify(spring.shape)}`);
          }
        }
        assert.deepEqual(differences, [], differences.join('\n'));
      });
    }
  });
}
