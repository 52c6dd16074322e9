// The package as a user installs it: `npm pack` of the build, installed into fresh projects outside the repository
// (no optional peer present), then loaded the ways applications load it. Needs `npm run build` first and the npm
// registry or its cache (installs run with --prefer-offline).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const OPTIONAL_PEERS = Object.keys(pkg.peerDependenciesMeta ?? {}).filter((p) => pkg.peerDependenciesMeta[p].optional);
// Packages of the OpenTelemetry SDK: with tracing off none of them may be loaded (the API is a peer, and is).
const SDK_MODULE = /[\\/]node_modules[\\/]@opentelemetry[\\/](sdk-[^\\/]+|exporter-[^\\/]+|core|resources|propagator-[^\\/]+|context-async-hooks|semantic-conventions)[\\/]/;

let work;
let tarball;
let packed;
let app;

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 240_000, ...options, env: { ...process.env, ...options.env } });
  assert.equal(r.error, undefined, `${cmd} ${args.join(' ')}: ${r.error}`);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status} (signal ${r.signal})\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function npm(args, cwd) {
  return run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd });
}

/** A script run by the Node that runs the tests, in the fresh project, with tracing off unless env says otherwise. */
function node(args, env = {}) {
  return run(process.execPath, args, { cwd: app, env: { NODEMETER_TRACING_ENABLED: 'false', NODEMETER_LOG_LEVEL: 'error', ...env } });
}

function write(file, text) {
  writeFileSync(join(app, file), text);
}

before(() => {
  assert.ok(existsSync(join(root, 'dist/index.js')), 'dist/ is built (npm run build)');
  work = mkdtempSync(join(tmpdir(), 'nodemeter-package-'));
  // The build under test is the one in dist/; prepack would rebuild it (and is checked below by its script).
  const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root);
  packed = JSON.parse(out)[0];
  tarball = join(work, packed.filename);

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true }));
  // @types/node and typescript only for the strict TypeScript check; no optional peer of nodemeter.
  npm(['install', '--prefer-offline', tarball, '@types/node@22', `typescript@${pkg.devDependencies.typescript}`], app);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball ships the build, without source maps or sources, and prepack builds it', () => {
  const files = packed.files.map((f) => f.path).sort();
  for (const entry of ['index', 'register', 'loki-worker']) {
    assert.ok(files.includes(`dist/${entry}.js`), `dist/${entry}.js in ${files}`);
    assert.ok(files.includes(`dist/${entry}.cjs`), `dist/${entry}.cjs in ${files}`);
  }
  for (const types of ['index.d.ts', 'index.d.cts', 'register.d.ts', 'register.d.cts']) {
    assert.ok(files.includes(`dist/${types}`), `dist/${types}`);
  }
  assert.deepEqual(files.filter((f) => f.endsWith('.map')), [], 'no source maps');
  assert.deepEqual(files.filter((f) => /^(src|test|benchmarks|scripts|examples)\//.test(f)), [], 'no sources or tests');
  assert.match(pkg.scripts.prepack, /npm run build/);
  console.log(`# tarball ${(packed.size / 1024).toFixed(0)} kB, unpacked ${(packed.unpackedSize / 1024).toFixed(0)} kB, ${packed.entryCount} files`);
});

test('npm installs the OpenTelemetry API peer and no optional peer', () => {
  assert.ok(existsSync(join(app, 'node_modules/@opentelemetry/api/package.json')), '@opentelemetry/api installed as a peer');
  for (const peer of OPTIONAL_PEERS) assert.ok(!existsSync(join(app, 'node_modules', peer)), `${peer} not installed`);
  assert.ok(!existsSync(join(app, 'node_modules/fastify-plugin')), 'fastify-plugin is no dependency');
});

test('the published declarations import nothing but node: and relative modules', () => {
  const dist = join(app, 'node_modules/nodemeter/dist');
  const offenders = [];
  for (const file of readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f))) {
    // Block comments (JSDoc) go first: their examples (`import { currentTraceContext } from 'nodemeter'`) show users
    // how to import, and import nothing. `/// <reference>` lines are line comments and stay.
    const text = readFileSync(join(dist, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    const specifiers = [
      ...text.matchAll(/(?:^|[\s;])(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g),
      ...text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
      ...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
      ...text.matchAll(/\/\/\/\s*<reference\s+types\s*=\s*['"]([^'"]+)['"]/g),
    ].map((m) => m[1]);
    for (const s of specifiers) if (!s.startsWith('node:') && !s.startsWith('.')) offenders.push(`${file}: ${s}`);
  }
  assert.deepEqual(offenders, [], 'third-party types in the published .d.ts');
});

const SCRAPE_CHECK = `
  const text = await nm.scrape();
  if (!text.includes('process_uptime_seconds{application="' + nm.serviceName + '"}')) throw new Error('no uptime in\\n' + text);
  await nm.shutdown();
  console.log('ok ' + nm.serviceName);
`;

test('CommonJS: require("nodemeter")', () => {
  write('cjs.cjs', `const { instrument } = require('nodemeter');\n(async () => {\n  const nm = instrument({ serviceName: 'cjs' });\n${SCRAPE_CHECK}})();\n`);
  assert.match(node(['cjs.cjs']), /^ok cjs$/m);
});

test('ESM: import from "nodemeter"', () => {
  write('esm.mjs', `import { instrument } from 'nodemeter';\nconst nm = instrument({ serviceName: 'esm' });\n${SCRAPE_CHECK}`);
  assert.match(node(['esm.mjs']), /^ok esm$/m);
});

test('instrument() with tracing off loads no OpenTelemetry SDK module; with tracing on it does (ESM and CJS)', () => {
  const probe = (loader) => `
    const { createRequire } = require('node:module');
    ${loader}
      const nm = m.instrument({ serviceName: 'probe' });
      const loaded = Object.keys(createRequire(__filename).cache).filter((k) => ${SDK_MODULE}.test(k));
      console.log(JSON.stringify({ tracing: nm.tracing !== undefined, loaded }));
      return nm.shutdown();
    });`;
  write('probe-esm.cjs', probe("import('nodemeter').then((m) => {"));
  write('probe-cjs.cjs', probe("Promise.resolve(require('nodemeter')).then((m) => {"));
  for (const file of ['probe-esm.cjs', 'probe-cjs.cjs']) {
    const off = JSON.parse(node([file]).trim().split('\n').pop());
    assert.equal(off.tracing, false);
    assert.deepEqual(off.loaded, [], `${file}: SDK modules loaded with tracing off`);
    // The probe sees the SDK when it is there: tracing on, Zipkin export off (nothing to send to).
    const on = JSON.parse(node([file], { NODEMETER_TRACING_ENABLED: 'true', OTEL_TRACES_EXPORTER: 'none' }).trim().split('\n').pop());
    assert.equal(on.tracing, true);
    assert.ok(on.loaded.some((k) => k.includes('sdk-trace-node')), `${file}: the probe sees the SDK with tracing on`);
  }
});

test('a strict TypeScript project (skipLibCheck false, no optional peer) compiles against the public API', () => {
  const source = (mod) => `
import { instrument, withUriTemplate, type NodemeterOptions } from 'nodemeter';
${mod === 'esm' ? "import 'nodemeter/register';" : "import register = require('nodemeter/register');\nvoid register;"}

const options: NodemeterOptions = {
  serviceName: 'typed',
  commonTags: { region: 'eu-1' },
  management: { port: 0 },
  tracing: { samplingProbability: 0.1, propagation: { produce: ['w3c'], consume: ['w3c', 'b3'] } },
  metrics: { binders: { 'disk-space': false } },
};
const nm = instrument(options);
const placed = nm.registry.counter('orders.placed', { labelNames: ['channel'] });
placed.inc({ channel: 'web' });
const timer = nm.registry.timer('payment.charge', { labelNames: ['provider'] });
const n: Promise<number> = timer.time({ provider: 'x' }, async () => 1);
void n;
const scraped: Promise<string> = nm.scrape();
void scraped;
nm.tracing?.tracer.startActiveSpan('work', (span) => {
  span.setAttribute('items', 3);
  span.end();
});
const middleware = nm.express();
void middleware;
const plugin = nm.fastify;
void plugin;
void withUriTemplate('/orders/{id}', () => Promise.resolve(1));
void nm.shutdown();
`;
  mkdirSync(join(app, 'ts'), { recursive: true });
  write('ts/app.mts', source('esm'));
  write('ts/app.cts', source('cjs'));
  write(
    'tsconfig.json',
    JSON.stringify({
      compilerOptions: {
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        types: ['node'],
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
      },
      include: ['ts'],
    }),
  );
  run(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app });
});

test('two copies of the package in one process share one handle and register nothing twice', () => {
  // A second copy nested under a dependency, as npm lays it out when two versions are wanted.
  const nested = join(app, 'node_modules/lib-with-own-copy/node_modules');
  mkdirSync(nested, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', nested]);
  rmSync(join(nested, 'nodemeter'), { recursive: true, force: true });
  run('mv', [join(nested, 'package'), join(nested, 'nodemeter')]);
  writeFileSync(join(app, 'node_modules/lib-with-own-copy/package.json'), JSON.stringify({ name: 'lib-with-own-copy', version: '1.0.0', main: 'index.js' }));
  writeFileSync(join(app, 'node_modules/lib-with-own-copy/index.js'), "module.exports = require('nodemeter');\n");
  write(
    'copies.mjs',
    `
import { createRequire } from 'node:module';
import * as first from 'nodemeter';
const second = createRequire(import.meta.url)('lib-with-own-copy');
if (first.instrument === second.instrument) throw new Error('expected two copies');
const a = first.instrument({ serviceName: 'copies' });
const b = second.instrument({ serviceName: 'copies' });
if (a !== b) throw new Error('two handles');
const lines = (await a.scrape()).split('\\n').filter((l) => l && !l.startsWith('#'));
const series = new Set(lines.map((l) => l.replace(/ [^ ]+$/, '')));
if (lines.length < 10 || series.size !== lines.length) throw new Error('duplicate series: ' + (lines.length - series.size));
try {
  second.instrument({ management: { port: 'x' } });
  throw new Error('expected a throw');
} catch (err) {
  if (!first.isNodemeterError(err) || !(err instanceof first.NodemeterError)) throw err;
}
await a.shutdown();
console.log('ok ' + lines.length);
`,
  );
  assert.match(node(['copies.mjs']), /^ok \d+$/m);
});

const REGISTERED_APP = (loader) => `
${loader}
// The handle exists before the application's first line: the register entry ran first.
const slot = globalThis[Symbol.for('nodemeter.0.global')];
if (!slot || !slot.handle) throw new Error('not instrumented before the application');
const nm = instrument();
if (nm !== slot.handle) throw new Error('instrument() did not return the registered handle');
(async () => {
${SCRAPE_CHECK}})();
`;

test('node --import nodemeter/register instruments an ESM application from the environment', () => {
  write('registered.mjs', REGISTERED_APP("import { instrument } from 'nodemeter';"));
  const out = node(['--import', 'nodemeter/register', 'registered.mjs'], { NODEMETER_SERVICE_NAME: 'from-env-esm' });
  assert.match(out, /^ok from-env-esm$/m);
});

test('node -r nodemeter/register instruments a CommonJS application from the environment', () => {
  write('registered.cjs', REGISTERED_APP("const { instrument } = require('nodemeter');"));
  const out = node(['-r', 'nodemeter/register', 'registered.cjs'], { NODEMETER_SERVICE_NAME: 'from-env-cjs' });
  assert.match(out, /^ok from-env-cjs$/m);
});

test('the published types resolve for node16 ESM, node16 CJS and bundlers (arethetypeswrong)', () => {
  const attw = join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');
  const r = spawnSync(process.execPath, [attw, tarball, '--profile', 'node16', '--format', 'json'], { encoding: 'utf8', timeout: 120_000 });
  const report = JSON.parse(r.stdout);
  const problems = Object.values(report.problems ?? {})
    .flat()
    .filter((p) => p.resolutionKind === undefined || ['node16-cjs', 'node16-esm', 'bundler'].includes(p.resolutionKind));
  assert.deepEqual(problems, [], JSON.stringify(problems, null, 2));
});
