/**
 * The prom-client compatibility module (src/metrics/compat/prom-client.ts): the installed prom-client is in the
 * declared range and is loaded through its three lib modules, which are the very classes its entry exports; outside
 * the range, or with a file missing or of another shape, the entry is loaded and one NMWRN022 is reported; the
 * cluster module is loaded on the first aggregate only. A fresh process checks what instrument() loads of
 * prom-client with metrics only (this process has loaded the entry already through other imports).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Diag } from '../../../src/core/diag.js';
import { installedVersion, satisfies } from '../../../src/core/supported-versions.js';
import {
  Counter,
  Gauge,
  loadPromClient,
  PROM_CLIENT_SUPPORTED,
  promClientLoad,
  Registry,
  reportPromClientLoad,
} from '../../../src/metrics/compat/prom-client.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const realRequire = createRequire(import.meta.url);
const entry = realRequire('prom-client') as typeof import('prom-client');

function recordingDiag() {
  const messages: string[] = [];
  return { messages, diag: new Diag('debug', (level, m) => messages.push(`${level} ${m}`)) };
}

/** A require that records what it is asked for and fails for the ids in `missing`. */
function recordingRequire(missing: readonly string[] = []) {
  const asked: string[] = [];
  const req = (id: string): unknown => {
    asked.push(id);
    if (missing.includes(id)) throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    return realRequire(id);
  };
  return { asked, req };
}

test('the installed prom-client is in the declared range and is loaded through its lib modules', () => {
  const version = installedVersion(PROM_CLIENT_SUPPORTED.package);
  assert.ok(version !== undefined && satisfies(version, PROM_CLIENT_SUPPORTED.range), `${version} in ${PROM_CLIENT_SUPPORTED.range}`);
  assert.equal(promClientLoad.via, 'lib');
  assert.equal(promClientLoad.fallback, undefined);
  // The same classes as the entry's: an application using prom-client itself shares them (and the global registry).
  assert.equal(Registry, entry.Registry);
  assert.equal(Counter, entry.Counter);
  assert.equal(Gauge, entry.Gauge);
  assert.equal(promClientLoad.aggregatorRegistry(), entry.AggregatorRegistry);
  const { messages, diag } = recordingDiag();
  reportPromClientLoad(diag);
  assert.deepEqual(messages, []);
});

test('the cluster module is loaded on the first call for the AggregatorRegistry, once', () => {
  const { asked, req } = recordingRequire();
  const load = loadPromClient(req);
  assert.equal(load.via, 'lib');
  assert.deepEqual(asked, ['prom-client/package.json', 'prom-client/lib/registry', 'prom-client/lib/counter', 'prom-client/lib/gauge']);
  assert.equal(load.aggregatorRegistry(), entry.AggregatorRegistry);
  load.aggregatorRegistry();
  assert.deepEqual(asked.slice(4), ['prom-client/lib/cluster']);
});

test('a version outside the range loads the entry and warns once with NMWRN022', () => {
  const { asked, req } = recordingRequire();
  const load = loadPromClient(req, '16.0.0');
  assert.equal(load.via, 'entry');
  assert.deepEqual(asked, ['prom-client']);
  assert.equal(load.core.Counter, entry.Counter);
  assert.equal(load.aggregatorRegistry(), entry.AggregatorRegistry);
  const { messages, diag } = recordingDiag();
  reportPromClientLoad(diag, load);
  reportPromClientLoad(diag, load);
  assert.equal(messages.filter((m) => m.startsWith('warn ')).length, 1, messages.join('\n'));
  assert.match(messages[0]!, /NMWRN022/);
  assert.match(messages[0]!, /prom-client 16\.0\.0 is outside the versions nodemeter supports \(>=15\.1\.0 <16\)/);
  assert.match(messages[0]!, /loading only the prom-client modules it uses/);
});

test('a lib module missing in a supported version: the entry, with NMWRN022 naming another file layout', () => {
  const { req } = recordingRequire(['prom-client/lib/gauge']);
  const load = loadPromClient(req, '15.1.3');
  assert.equal(load.via, 'entry');
  assert.equal(load.core.Gauge, entry.Gauge);
  const { messages, diag } = recordingDiag();
  reportPromClientLoad(diag, load);
  assert.match(messages[0] ?? '', /NMWRN022.*prom-client 15\.1\.3 with another file layout/);
});

test('a lib module of another shape: the entry', () => {
  const req = (id: string): unknown => (id === 'prom-client/lib/counter' ? { Counter: entry.Counter } : realRequire(id));
  assert.equal(loadPromClient(req, '15.1.3').via, 'entry');
});

test('an unknown version (no readable package.json) still tries the lib modules, their shape decides', () => {
  const { req } = recordingRequire(['prom-client/package.json']);
  const load = loadPromClient(req);
  assert.equal(load.version, undefined);
  assert.equal(load.via, 'lib');
});

test('a missing cluster module falls back to the entry\'s AggregatorRegistry', () => {
  const { req } = recordingRequire(['prom-client/lib/cluster']);
  assert.equal(loadPromClient(req, '15.1.3').aggregatorRegistry(), entry.AggregatorRegistry);
});

test('instrument() with metrics only loads prom-client\'s registry, counter and gauge modules, not its entry', () => {
  const PROBE = `
import { createRequire } from 'node:module';
import { instrument } from './src/index.ts';
const cache = createRequire(import.meta.url).cache;
const nm = instrument({ serviceName: 'prom-client-probe' });
const scrape = await nm.scrape();
const loaded = Object.keys(cache)
  .map((k) => /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)[\\\\/](.*)$/.exec(k))
  .filter((m) => m !== null && ['prom-client', 'tdigest', 'bintrees'].includes(m[1]))
  .map((m) => m[1] + '/' + m[2].split('\\\\').join('/'));
await nm.shutdown();
console.log(JSON.stringify({ loaded, scraped: /^jvm_memory_used_bytes\\{/m.test(scrape) }));
`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODEMETER_TRACING_ENABLED: 'false' },
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { loaded: string[]; scraped: boolean };
  assert.equal(out.scraped, true, 'the scrape has the runtime metrics');
  assert.deepEqual(
    [...out.loaded].sort(),
    [
      'prom-client/lib/counter.js',
      'prom-client/lib/exemplar.js',
      'prom-client/lib/gauge.js',
      'prom-client/lib/metric.js',
      'prom-client/lib/registry.js',
      'prom-client/lib/util.js',
      'prom-client/lib/validation.js',
      'prom-client/package.json',
    ],
  );
});
