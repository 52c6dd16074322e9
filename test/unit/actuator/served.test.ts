/**
 * The new endpoints served the same on Express 4/5, Fastify 4/5, node:http (`nm.actuator.serve`) and the management
 * port, over real sockets; a taken management port falls back to the application's routes (or stops the process
 * with `onPortTaken: 'fail'`, checked in a child process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import { instrument } from '../../../src/index.js';
import { close, listen } from '../../helpers/http.js';

const require = createRequire(import.meta.url);
const V3 = 'application/vnd.spring-boot.actuator.v3+json';

type Nm = ReturnType<typeof instrument>;
interface App {
  url: string;
  stop(): Promise<void>;
}

async function expressApp(pkg: string, nm: Nm): Promise<App> {
  const app = require(pkg)();
  app.use(nm.express());
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, stop: () => close(server) };
}

async function fastifyApp(pkg: string, nm: Nm): Promise<App> {
  const app = require(pkg)();
  await app.register(nm.fastify);
  // The application's own route keeps Fastify's JSON parser: the actuator's text parser is scoped to its routes.
  app.post('/echo', async (request: { body: unknown }) => ({ type: typeof request.body, body: request.body }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, stop: () => app.close() };
}

async function nodeApp(_pkg: string, nm: Nm): Promise<App> {
  const server = createServer((req, res) => {
    if (nm.actuator.serve(req, res)) return;
    res.statusCode = 404;
    res.end();
  });
  const url = await listen(server);
  return { url, stop: () => close(server) };
}

const OPTIONS = {
  diagLevel: 'silent' as const,
  actuator: { exposure: { include: '*' as const }, write: true, health: { showDetails: 'always' as const } },
};

async function checkEndpoints(url: string, nm: Nm): Promise<void> {
  const links = await fetch(`${url}/actuator`);
  assert.equal(links.headers.get('content-type'), V3);
  const body = (await links.json()) as { _links: Record<string, unknown> };
  assert.deepEqual(Object.keys(body._links), [
    'self', 'health', 'health-path', 'info', 'prometheus', 'metrics', 'metrics-requiredMetricName', 'loggers', 'loggers-name',
  ]);
  const health = await fetch(`${url}/actuator/health/readiness`, { headers: { accept: 'application/json' } });
  assert.equal(health.headers.get('content-type'), 'application/json');
  assert.deepEqual(await health.json(), { status: 'UP', components: { readinessState: { status: 'UP' } } });
  const disk = (await (await fetch(`${url}/actuator/health/diskSpace`)).json()) as { details: Record<string, unknown> };
  assert.deepEqual(Object.keys(disk.details), ['total', 'free', 'threshold', 'path', 'exists']);
  const names = (await (await fetch(`${url}/actuator/metrics`)).json()) as { names: string[] };
  assert.ok(names.names.includes('process.uptime'), names.names.join(','));
  const uptime = (await (await fetch(`${url}/actuator/metrics/process.uptime`)).json()) as { measurements: unknown[] };
  assert.equal(uptime.measurements.length, 1);
  assert.equal((await fetch(`${url}/actuator/metrics/process.uptime?tag=bad`)).status, 400);
  const posted = await fetch(`${url}/actuator/loggers/ROOT`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"configuredLevel":"DEBUG"}',
  });
  assert.equal(posted.status, 204);
  assert.equal(nm.logger.level, 'debug');
  assert.deepEqual(await (await fetch(`${url}/actuator/loggers/ROOT`)).json(), { configuredLevel: 'DEBUG', effectiveLevel: 'DEBUG' });
  // Spring's own media types as the request body's type (Fastify would answer 415 without the actuator's parser).
  for (const type of [V3, 'application/vnd.spring-boot.actuator.v2+json']) {
    const spring = await fetch(`${url}/actuator/loggers/ROOT`, { method: 'POST', headers: { 'content-type': type }, body: '{"configuredLevel":"WARN"}' });
    assert.equal(spring.status, 204, `${type}: ${await spring.text()}`);
    assert.equal(nm.logger.level, 'warn');
  }
  // Spring's error answers, whichever framework carries the actuator.
  for (const [method, path, body, status] of [
    ['POST', '/actuator/loggers/ROOT', 'not json', 400],
    ['DELETE', '/actuator/health', undefined, 405],
    ['PUT', '/actuator/loggers/ROOT', '{}', 405],
    ['GET', '/actuator/nope', undefined, 404],
  ] as const) {
    const res = await fetch(`${url}${path}`, { method, body, headers: body === undefined ? {} : { 'content-type': 'application/json' } });
    assert.equal(res.status, status, `${method} ${path}`);
    assert.equal(res.headers.get('content-type'), 'application/json', `${method} ${path}`);
    assert.deepEqual(Object.keys((await res.json()) as object).sort(), ['error', 'path', 'status', 'timestamp'], `${method} ${path}`);
  }
  nm.availability.setReadiness('REFUSING_TRAFFIC');
  assert.equal((await fetch(`${url}/actuator/health/readiness`)).status, 503);
  assert.equal((await fetch(`${url}/actuator/health`)).status, 503);
}

for (const [name, make] of [
  ['express4', expressApp],
  ['express', expressApp],
  ['fastify4', fastifyApp],
  ['fastify', fastifyApp],
  ['node:http', nodeApp],
] as const) {
  test(`endpoints on ${name}`, async () => {
    const nm = instrument({ serviceName: `served-${name}`, ...OPTIONS });
    const app = await make(name, nm);
    try {
      await checkEndpoints(app.url, nm);
      if (name.startsWith('fastify')) {
        const echo = await fetch(`${app.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
        assert.deepEqual(await echo.json(), { type: 'object', body: { a: 1 } });
        const v3 = await fetch(`${app.url}/echo`, { method: 'POST', headers: { 'content-type': V3 }, body: '{"a":1}' });
        assert.equal(v3.status, 415, 'the application has no parser of its own for the actuator type');
      }
    } finally {
      await app.stop();
      await nm.shutdown();
    }
  });
}

test('nm.config shows the actuator credentials masked; the endpoints still check the real ones', async () => {
  const nm = instrument({ serviceName: 'served-secret', ...OPTIONS, actuator: { ...OPTIONS.actuator, auth: { username: 'ops', password: 'hunter2' } } });
  const app = await nodeApp('', nm);
  try {
    assert.deepEqual(nm.config.actuator.auth, { token: undefined, username: 'ops', password: '******' });
    assert.ok(!JSON.stringify(nm.config).includes('hunter2'));
    const basic = (pw: string) => ({ authorization: `Basic ${Buffer.from(`ops:${pw}`).toString('base64')}` });
    assert.equal((await fetch(`${app.url}/actuator/info`, { headers: basic('******') })).status, 401);
    assert.equal((await fetch(`${app.url}/actuator/info`, { headers: basic('hunter2') })).status, 200);
  } finally {
    await app.stop();
    await nm.shutdown();
  }
});

test('endpoints on the management port', async () => {
  const nm = instrument({ serviceName: 'served-mgmt', ...OPTIONS, management: { port: 0, host: '127.0.0.1' } });
  try {
    const address = await nm.managementAddress();
    assert.ok(address);
    await checkEndpoints(`http://127.0.0.1:${address.port}`, nm);
  } finally {
    await nm.shutdown();
  }
});

for (const [name, make] of [
  ['express', expressApp],
  ['fastify', fastifyApp],
] as const) {
  test(`management port taken: NMWRN003 says so, and ${name}'s own port serves the actuator`, async () => {
    const blocker = createServer();
    const port = Number(new URL(await listen(blocker)).port);
    const messages: string[] = [];
    const nm = instrument({ serviceName: `fallback-${name}`, management: { port, host: '127.0.0.1' } });
    nm.diag.setSink((level, message) => messages.push(`${level} ${message}`));
    const app = await make(name, nm);
    try {
      assert.equal(await nm.managementAddress(), undefined);
      const warned = messages.filter((m) => m.startsWith('warn NMWRN003'));
      assert.equal(warned.length, 1, messages.join('\n'));
      assert.match(warned[0] as string, /served on the application's own port under \/actuator/);
      const scrape = await fetch(`${app.url}/actuator/prometheus`);
      assert.equal(scrape.status, 200);
      assert.match(await scrape.text(), /process_uptime_seconds/);
      assert.equal((await fetch(`${app.url}/actuator/health/liveness`)).status, 200);
    } finally {
      await app.stop();
      await nm.shutdown();
      await close(blocker);
    }
  });
}

test("management port taken with onPortTaken: 'fail': the process stops with NM_ERR_MANAGEMENT_PORT_UNAVAILABLE", async () => {
  const blocker = createServer();
  const port = Number(new URL(await listen(blocker)).port);
  try {
    const script =
      "import { instrument } from './src/index.ts';" +
      `instrument({ serviceName: 'failfast', management: { port: ${port}, host: '127.0.0.1', onPortTaken: 'fail' } });` +
      'setTimeout(() => {}, 5000);';
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const started = Date.now();
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.notEqual(code, 0);
    assert.ok(Date.now() - started < 4500, 'stopped at once, not after the timer');
    assert.match(stderr, /NM_ERR_MANAGEMENT_PORT_UNAVAILABLE/);
  } finally {
    await close(blocker);
  }
});
