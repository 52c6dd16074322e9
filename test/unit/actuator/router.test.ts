/** The actuator endpoints through the framework-free router: exact JSON shapes, content types and status codes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Diag } from '../../../src/core/diag.js';
import { createAvailability, registerAvailabilityIndicators } from '../../../src/health/availability.js';
import { createHealthRegistry, type HealthRegistry } from '../../../src/health/registry.js';
import { resolveActuatorOptions } from '../../../src/actuator/options.js';
import { createActuatorRouter } from '../../../src/actuator/router.js';
import type { LoggerLevels } from '../../../src/actuator/endpoints/loggers.js';
import { newRegistry } from '../../helpers/registry.js';

const V3 = 'application/vnd.spring-boot.actuator.v3+json';

function setup(options: Record<string, unknown> = {}, extra: { loggers?: LoggerLevels; health?: HealthRegistry } = {}) {
  const config = resolveActuatorOptions(options);
  const registry = newRegistry();
  const health = extra.health ?? createHealthRegistry();
  const availability = createAvailability();
  if (config.health.probes) registerAvailabilityIndicators(health, availability);
  const router = createActuatorRouter({
    basePath: config.basePath,
    exposure: config.exposure,
    registry,
    health,
    diag: new Diag('error'),
    config,
    loggers: extra.loggers,
    commonTags: { application: 'test-app' },
  });
  const get = async (url: string, headers: Record<string, string> = {}, method = 'GET', body = '') => {
    const r = await router.handle(method, url, { host: 'h:1', ...headers }, body);
    assert.ok(r, `no answer for ${url}`);
    return { ...r, json: r.body === '' ? undefined : r.contentType.includes('json') ? JSON.parse(r.body) : r.body };
  };
  return { router, registry, health, availability, get, config };
}

test('exposure: arrays, include/exclude, "*", unknown ids skipped one by one', () => {
  assert.deepEqual(resolveActuatorOptions({}).exposure, ['health', 'prometheus']);
  assert.deepEqual(resolveActuatorOptions({ exposure: ['health', 'info', 'prometheus', 'metrics'] }).exposure, [
    'health', 'info', 'prometheus', 'metrics',
  ]);
  const star = resolveActuatorOptions({ exposure: { include: '*', exclude: ['loggers'] } });
  assert.deepEqual(star.exposure, ['health', 'info', 'prometheus', 'metrics']);
  const unknown = resolveActuatorOptions({ exposure: ['health', 'env', 'metrics', 'heapdump', 'env'] });
  assert.deepEqual(unknown.exposure, ['health', 'metrics']);
  assert.deepEqual(unknown.unknownEndpoints, ['env', 'heapdump']);
  const fromEnv = resolveActuatorOptions(undefined, { include: ['health', 'info', 'prometheus', 'metrics', 'beans'], exclude: ['info'] });
  assert.deepEqual(fromEnv.exposure, ['health', 'prometheus', 'metrics']);
  assert.deepEqual(fromEnv.unknownEndpoints, ['beans']);
  assert.deepEqual(resolveActuatorOptions({ exposure: { exclude: '*' } }).exposure, []);
});

test('links: only exposed endpoints, selector links templated, v3 content type', async () => {
  const { get } = setup({ exposure: ['health', 'info', 'prometheus', 'metrics'] });
  const r = await get('/actuator');
  assert.equal(r.status, 200);
  assert.equal(r.contentType, V3);
  assert.deepEqual(r.json, {
    _links: {
      self: { href: 'http://h:1/actuator', templated: false },
      health: { href: 'http://h:1/actuator/health', templated: false },
      'health-path': { href: 'http://h:1/actuator/health/{*path}', templated: true },
      info: { href: 'http://h:1/actuator/info', templated: false },
      prometheus: { href: 'http://h:1/actuator/prometheus', templated: false },
      metrics: { href: 'http://h:1/actuator/metrics', templated: false },
      'metrics-requiredMetricName': { href: 'http://h:1/actuator/metrics/{requiredMetricName}', templated: true },
    },
  });
  assert.equal((await get('/actuator', { accept: 'application/json' })).contentType, 'application/json');
  assert.equal((await get('/actuator', { accept: 'text/html' })).status, 406);
  assert.equal((await get('/actuator/loggers')).status, 404);
});

test('health: status only by default, groups, probes, 503 for OUT_OF_SERVICE', async () => {
  const { get, availability } = setup();
  const r = await get('/actuator/health');
  assert.equal(r.status, 200);
  assert.equal(r.contentType, V3);
  assert.deepEqual(r.json, { status: 'UP', groups: ['liveness', 'readiness'] });
  assert.deepEqual((await get('/actuator/health/liveness')).json, { status: 'UP' });
  assert.deepEqual((await get('/actuator/health/readiness')).json, { status: 'UP' });
  assert.equal((await get('/actuator/health/ping')).status, 404, 'components hidden → component paths 404, as Spring');
  availability.setReadiness('REFUSING_TRAFFIC');
  const ready = await get('/actuator/health/readiness');
  assert.equal(ready.status, 503);
  assert.deepEqual(ready.json, { status: 'OUT_OF_SERVICE' });
  assert.equal((await get('/actuator/health')).status, 503);
  assert.equal((await get('/actuator/health/liveness')).status, 200);
  availability.setLiveness('BROKEN');
  assert.deepEqual((await get('/actuator/health/liveness')).json, { status: 'DOWN' });
});

test('health: show-details always, a DOWN component (503), composites and instances, a hung indicator times out', async () => {
  const { get, health } = setup({ health: { showDetails: 'always', timeoutMs: 50 } });
  health.register('db', () => ({
    status: 'DOWN',
    components: {
      orders: { status: 'DOWN', details: { error: 'ECONNREFUSED' } },
      users: { status: 'UP', details: { database: 'PostgreSQL', validationQuery: 'SELECT 1' } },
    },
  }));
  const r = await get('/actuator/health');
  assert.equal(r.status, 503);
  assert.equal(r.json.status, 'DOWN');
  assert.deepEqual(Object.keys(r.json.components), ['db', 'livenessState', 'ping', 'readinessState']);
  assert.deepEqual(r.json.components.db.components.orders, { status: 'DOWN', details: { error: 'ECONNREFUSED' } });
  assert.deepEqual(r.json.groups, ['liveness', 'readiness']);
  const users = await get('/actuator/health/db/users');
  assert.equal(users.status, 200);
  assert.deepEqual(users.json, { status: 'UP', details: { database: 'PostgreSQL', validationQuery: 'SELECT 1' } });
  assert.equal((await get('/actuator/health/db/nope')).status, 404);
  assert.equal((await get('/actuator/health/liveness/ping')).status, 404);
  assert.deepEqual((await get('/actuator/health/liveness/livenessState')).json, { status: 'UP' });

  health.register('hung', () => new Promise(() => {}));
  const started = Date.now();
  const hung = await get('/actuator/health/hung');
  assert.ok(Date.now() - started < 1000);
  assert.equal(hung.status, 503);
  assert.deepEqual(hung.json, { status: 'DOWN', details: { error: 'timed out after 50 ms' } });
});

test('health: components without details; when-authorized shows them only with credentials', async () => {
  const a = setup({ health: { showComponents: 'always' } });
  a.health.register('kafka', () => ({ status: 'UP', details: { clusterId: 'secret' } }));
  const body = (await a.get('/actuator/health')).json;
  assert.deepEqual(body.components.kafka, { status: 'UP' });

  const b = setup({ health: { showDetails: 'when-authorized' }, auth: { token: 't0k' } });
  b.health.register('kafka', () => ({ status: 'UP', details: { clusterId: 'secret' } }));
  assert.deepEqual((await b.get('/actuator/health')).json, { status: 'UP', groups: ['liveness', 'readiness'] });
  const authed = (await b.get('/actuator/health', { authorization: 'Bearer t0k' })).json;
  assert.deepEqual(authed.components.kafka, { status: 'UP', details: { clusterId: 'secret' } });
});

test('protection: 401 with a challenge on protected endpoints, health and prometheus open; bearer and basic', async () => {
  const { get } = setup({ exposure: '*', auth: { token: 'abc' } });
  const denied = await get('/actuator/metrics');
  assert.equal(denied.status, 401);
  assert.equal(denied.headers?.['WWW-Authenticate'], 'Bearer realm="actuator"');
  assert.equal((await get('/actuator/metrics', { authorization: 'Bearer nope' })).status, 401);
  assert.equal((await get('/actuator/metrics', { authorization: 'Bearer abc' })).status, 200);
  assert.equal((await get('/actuator')).status, 401);
  assert.equal((await get('/actuator/health')).status, 200);
  assert.equal((await get('/actuator/prometheus')).status, 200);

  const basic = setup({ exposure: { include: '*' }, auth: { username: 'ops', password: 'pw' } });
  assert.equal((await basic.get('/actuator/info')).headers?.['WWW-Authenticate'], 'Basic realm="actuator"');
  const ok = await basic.get('/actuator/info', { authorization: `Basic ${Buffer.from('ops:pw').toString('base64')}` });
  assert.equal(ok.status, 200);
  const open = setup({ exposure: { include: '*' } });
  assert.equal((await open.get('/actuator/metrics')).status, 200, 'no protection configured: open');
});

test('metrics: sorted dotted names, statistics, availableTags, tag filter, 404 and 400', async () => {
  const { get, registry } = setup({ exposure: ['metrics'] });
  const timer = registry.timer('http.server.requests', { labelNames: ['method', 'uri'] });
  timer.record({ method: 'GET', uri: '/a' }, 0.25);
  timer.record({ method: 'GET', uri: '/a' }, 0.5);
  timer.record({ method: 'POST', uri: '/b' }, 1);
  registry.counter('orders.placed').inc();
  registry.gauge('queue.size', { baseUnit: 'items' }).set(7);
  const names = await get('/actuator/metrics');
  assert.deepEqual(names.json, { names: ['http.server.requests', 'orders.placed', 'queue.size'] });
  const all = await get('/actuator/metrics/http.server.requests');
  assert.equal(all.status, 200);
  assert.deepEqual(all.json, {
    name: 'http.server.requests',
    baseUnit: 'seconds',
    measurements: [
      { statistic: 'COUNT', value: 3 },
      { statistic: 'TOTAL_TIME', value: 1.75 },
      { statistic: 'MAX', value: 1 },
    ],
    availableTags: [
      { tag: 'application', values: ['test-app'] },
      { tag: 'method', values: ['GET', 'POST'] },
      { tag: 'uri', values: ['/a', '/b'] },
    ],
  });
  const get1 = await get('/actuator/metrics/http.server.requests?tag=method:GET');
  assert.deepEqual(get1.json.measurements, [
    { statistic: 'COUNT', value: 2 },
    { statistic: 'TOTAL_TIME', value: 0.75 },
    { statistic: 'MAX', value: 0.5 },
  ]);
  assert.deepEqual(get1.json.availableTags.map((t: { tag: string }) => t.tag), ['application', 'uri']);
  assert.deepEqual((await get('/actuator/metrics/queue.size')).json.measurements, [{ statistic: 'VALUE', value: 7 }]);
  assert.deepEqual((await get('/actuator/metrics/orders.placed')).json.measurements, [{ statistic: 'COUNT', value: 1 }]);
  const missing = await get('/actuator/metrics/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.body, '');
  assert.equal((await get('/actuator/metrics/http.server.requests?tag=method:PUT')).status, 404);
  const bad = await get('/actuator/metrics/http.server.requests?tag=nocolon');
  assert.equal(bad.status, 400);
  // Spring's error body, as application/json, without a message (server.error.include-message=never).
  assert.equal(bad.contentType, 'application/json');
  assert.deepEqual(Object.keys(bad.json).sort(), ['error', 'path', 'status', 'timestamp']);
  assert.equal(bad.json.error, 'Bad Request');
});

test('loggers: list, one, POST off by default (405), on with write: true (204), bad level 400', async () => {
  const state: Record<string, { configuredLevel: null | 'DEBUG' | 'INFO'; effectiveLevel: 'INFO' | 'DEBUG' }> = {
    ROOT: { configuredLevel: null, effectiveLevel: 'INFO' },
  };
  const loggers: LoggerLevels = {
    list: () => state,
    get: (n) => state[n],
    set: (n, level) => {
      if (!state[n]) return false;
      state[n] = { configuredLevel: level as 'DEBUG', effectiveLevel: (level ?? 'INFO') as 'DEBUG' };
      return true;
    },
  };
  const ro = setup({ exposure: ['loggers'] }, { loggers });
  assert.deepEqual((await ro.get('/actuator/loggers')).json, {
    levels: ['OFF', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'],
    loggers: { ROOT: { configuredLevel: null, effectiveLevel: 'INFO' } },
    groups: {},
  });
  assert.equal((await ro.get('/actuator/loggers/nope')).status, 404);
  const refused = await ro.get('/actuator/loggers/ROOT', {}, 'POST', '{"configuredLevel":"DEBUG"}');
  assert.equal(refused.status, 405);
  assert.equal(state.ROOT?.effectiveLevel, 'INFO');

  const rw = setup({ exposure: ['loggers'], write: true }, { loggers });
  const done = await rw.get('/actuator/loggers/ROOT', {}, 'POST', '{"configuredLevel":"DEBUG"}');
  assert.equal(done.status, 204);
  assert.deepEqual((await rw.get('/actuator/loggers/ROOT')).json, { configuredLevel: 'DEBUG', effectiveLevel: 'DEBUG' });
  assert.equal((await rw.get('/actuator/loggers/ROOT', {}, 'POST', '{"configuredLevel":"LOUD"}')).status, 400);
  assert.equal((await rw.get('/actuator/loggers', {}, 'POST', '{}')).status, 405);
});

test('info: build from package.json, user contributions; node/os/process only when enabled', async () => {
  const off = setup({ exposure: ['info'] });
  off.router.info.register('team', () => ({ name: 'orders' }));
  const body = (await off.get('/actuator/info')).json;
  assert.equal(body.build.name, 'nodemeter');
  assert.equal(typeof body.build.version, 'string');
  assert.deepEqual(body.team, { name: 'orders' });
  assert.equal(body.node, undefined);
  const on = setup({ exposure: ['info'], info: { node: true, os: true, process: true, build: false, git: false } });
  const all = (await on.get('/actuator/info')).json;
  assert.deepEqual(Object.keys(all), ['node', 'os', 'process']);
  assert.equal(all.node.version, process.versions.node);
  assert.equal(all.process.pid, process.pid);
  assert.deepEqual(Object.keys(all.os), ['name', 'version', 'arch']);
});

test('methods: PUT is 405 with Allow; prometheus keeps its own content types', async () => {
  const { get } = setup();
  const put = await get('/actuator/health', {}, 'PUT');
  assert.equal(put.status, 405);
  assert.equal(put.headers?.Allow, 'GET, HEAD');
  const scrape = await get('/actuator/prometheus', { accept: 'application/openmetrics-text; version=1.0.0' });
  assert.match(scrape.contentType, /^application\/openmetrics-text/);
});

test('errors as Spring answers them: JSON error body when JSON is accepted, none otherwise; 406 on the scrape', async () => {
  const { get } = setup({ exposure: '*', write: true });
  const unknown = await get('/actuator/nope');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.contentType, 'application/json');
  assert.deepEqual(Object.keys(unknown.json).sort(), ['error', 'path', 'status', 'timestamp']);
  const plain = await get('/actuator/nope', { accept: 'text/plain' });
  assert.deepEqual([plain.status, plain.contentType, plain.body], [404, '', '']);
  const notAcceptable = await get('/actuator/health', { accept: 'text/plain' });
  assert.deepEqual([notAcceptable.status, notAcceptable.contentType, notAcceptable.body], [406, '', '']);
  const scrapeJson = await get('/actuator/prometheus', { accept: 'application/json' });
  assert.deepEqual([scrapeJson.status, scrapeJson.contentType, scrapeJson.json.error], [406, 'application/json', 'Not Acceptable']);
  assert.equal((await get('/actuator/prometheus', { accept: 'application/*' })).contentType.split(';')[0], 'application/openmetrics-text');
  assert.equal((await get('/actuator/prometheus', { accept: 'text/plain;version=0.0.4;q=0.3,*/*;q=0.2' })).status, 200);
  const badLevel = await get('/actuator/loggers/ROOT', {}, 'POST', '{"configuredLevel":"LOUD"}');
  assert.deepEqual([badLevel.status, badLevel.contentType, badLevel.json.error], [400, 'application/json', 'Bad Request']);
  const notJson = await get('/actuator/loggers/ROOT', {}, 'POST', 'not json');
  assert.equal(notJson.status, 400);
  const wrong = await get('/actuator/health', {}, 'DELETE');
  assert.deepEqual([wrong.status, wrong.contentType, wrong.json.error], [405, 'application/json', 'Method Not Allowed']);
});

test('auth secrets are redacted in the resolved configuration and still checked', async () => {
  const token = resolveActuatorOptions({ auth: { token: 's3cret-token' } });
  assert.deepEqual(token.auth, { token: '******', username: undefined, password: undefined });
  const basic = resolveActuatorOptions(undefined, { username: 'ops', password: 'pw-from-env' });
  assert.deepEqual(basic.auth, { token: undefined, username: 'ops', password: '******' });
  assert.ok(!JSON.stringify([token, basic]).includes('s3cret') && !JSON.stringify(basic).includes('pw-from-env'));
  const { inspect } = await import('node:util');
  assert.ok(!inspect(token, { depth: 5, showHidden: true }).includes('s3cret-token'));
  const { get } = setup({ exposure: '*', auth: { token: 's3cret-token' } });
  assert.equal((await get('/actuator/info', { authorization: 'Bearer ******' })).status, 401, 'the mask is not the token');
  assert.equal((await get('/actuator/info', { authorization: 'Bearer s3cret-token' })).status, 200);
});
