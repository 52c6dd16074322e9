// The built package with tracing off and no OpenTelemetry of the application's: import + instrument() load no
// @opentelemetry/api module and none of the built-ins only some configurations need (node:crypto for actuator auth
// and PM2 peers, node:worker_threads for a log line's thread name), in the ESM and the CommonJS build. Each costs MBs
// and tens of ms at start-up (docs/benchmarks.md, start-up). Fresh processes: this one has loaded them already.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const LAZY_BUILTINS = ['crypto', 'worker_threads'];

const probe = (load) => `
// Every resolution of the API, by import or require (module.registerHooks: Node >= 22.15; the require cache otherwise).
const { registerHooks } = process.getBuiltinModule('node:module');
let resolved = 0;
registerHooks?.({ resolve(specifier, context, next) { if (specifier.startsWith('@opentelemetry/api')) resolved++; return next(specifier, context); } });
const builtins = () => new Set(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)));
const before = builtins();
const { instrument } = ${load};
const nm = instrument({ serviceName: 'lazy-startup', diagLevel: 'error' });
const { createRequire } = process.getBuiltinModule('node:module');
const otel = Object.keys(createRequire(process.cwd() + '/').cache).filter((k) => /@opentelemetry[\\\\/]api[\\\\/]/.test(k)).length;
const added = [...builtins()].filter((m) => !before.has(m));
console.log('RESULT ' + JSON.stringify({ otel: otel + resolved, added }));
nm.shutdown().then(() => process.exit(0));
`;

for (const [name, load, type] of [
  ['ESM', `await import('nodemeter')`, 'module'],
  ['CommonJS', `require('nodemeter')`, 'commonjs'],
]) {
  test(`${name} build, tracing off: no @opentelemetry/api module, no lazy built-in at start-up`, () => {
    const r = spawnSync(process.execPath, [`--input-type=${type}`, '-e', probe(load)], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODEMETER_TRACING_ENABLED: 'false' },
    });
    assert.equal(r.status, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT ')) ?? 'RESULT {}';
    const out = JSON.parse(line.slice(7));
    assert.equal(out.otel, 0, '@opentelemetry/api modules loaded');
    assert.deepEqual(out.added.filter((m) => LAZY_BUILTINS.includes(m)), [], `lazy built-ins loaded: ${out.added}`);
    // The probe sees what it must: the built-ins nodemeter does load at start-up (the runtime binders read v8).
    assert.ok(out.added.includes('v8'), `v8 expected among ${out.added}`);
  });
}
