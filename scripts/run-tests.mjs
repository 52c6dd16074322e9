#!/usr/bin/env node
// Runs nodemeter's test suites on Node's built-in runner, with the Node that runs this script when it is one
// nodemeter supports (22 or newer); on an older Node it runs them on Node 22 fetched from the npm registry
// (`npx -y node@22`) and says so.
//
//   node scripts/run-tests.mjs [--list] [unit|smoke|package|integration|hardening|interop]...   (no suite: all)
//
// `--list` prints the files this Node would run and the ones it leaves out, with the reason, and runs nothing.
//
// `smoke` and `package` test the build: run `npm run build` first (`npm test` does). `package` packs the build and
// installs the tarball into fresh projects (the npm registry or its cache must be reachable).
//
// Integration test files name the backends they need in a header line `// @backends prometheus zipkin`.
// For each one, an address from the environment is used if set (PROMETHEUS_URL, ...); otherwise the project's
// stack script starts it (installing on demand) and stops it afterwards if it was not running before
// (NODEMETER_KEEP_STACK=1 keeps it). A backend that cannot be had fails the run: suites never skip.
//
// Slow files run on one runtime per CI run, the Node of `npm test` (22): such a file says so, and why, in a header line
// `// @one-runtime <why>`, and the runner leaves the whole file out on the other Nodes, naming it. No test skips
// itself for a runtime: in a summary, a skip for the runtime would read like a skip for a missing backend.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SUITES = {
  unit: { dir: 'test/unit', suffix: '.test.ts' },
  smoke: { dir: 'test/smoke', suffix: '.test.mjs' },
  package: { dir: 'test/package', suffix: '.test.mjs' },
  integration: { dir: 'test/integration', suffix: '.int.test.ts' },
  // Tries to break nodemeter (fuzzed headers, failing backends, cardinality, secrets, lifecycle); ≤ 4 min.
  hardening: { dir: 'test/hardening', suffix: '.test.ts' },
  // Real Spring Boot 3.5 and 4.0 services next to nodemeter services (test/interop, docs/guides/spring-interop.md).
  // Slow (JVM starts), so it runs on one runtime per CI run: see interopLeftOut().
  interop: { dir: 'test/interop', suffix: '.interop.test.ts' },
};
// The oldest Node line nodemeter supports (package.json `engines`); Node 20 reached its end of life in April 2026.
const OLDEST_SUPPORTED = 22;
// The Node of `npm test`, where the interop suite and the `@one-runtime` files run.
const ONE_RUNTIME = 22;

const major = Number(process.versions.node.split('.')[0]);
if (major < OLDEST_SUPPORTED) {
  console.error(
    `[tests] node ${process.version} is older than nodemeter supports (>= ${OLDEST_SUPPORTED}); ` +
      `running the suites on Node ${OLDEST_SUPPORTED} from the npm registry (npx -y node@${OLDEST_SUPPORTED})`,
  );
  const rerun = spawnSync(
    'npx',
    ['-y', `node@${OLDEST_SUPPORTED}`, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { cwd: root, stdio: 'inherit' },
  );
  process.exit(rerun.status ?? 1);
}
// The variable that points at an existing backend, per service of scripts/stack.
const BACKEND_ENV = {
  prometheus: ['PROMETHEUS_URL', 'PROMETHEUS_TARGETS_DIR'],
  zipkin: ['ZIPKIN_URL'],
  kafka: ['KAFKA_BROKERS'],
  victorialogs: ['VICTORIALOGS_URL'],
  postgres: ['POSTGRES_URL'],
  mariadb: ['MARIADB_URL'],
  // build only: `scripts/stack up spring` builds the interop app with Maven (a missing Java or Maven fails the run)
  spring: ['SPRING_APP_JAR_35', 'SPRING_APP_JAR_40'],
  // build only: `scripts/stack up confluent` builds @confluentinc/kafka-javascript from source for this Node's ABI
  confluent: ['CONFLUENT_KAFKA_JS'],
  // build only: the exec zipkin-server jar (Kafka collector), an OpenTelemetry Collector, Debian's chromium
  zipkinexec: ['ZIPKIN_EXEC_JAR'],
  otelcol: ['OTELCOL_BIN'],
  chromium: ['CHROMIUM_BIN'],
};
// The confluent build is for the Node that runs the tests, not whatever `node` is first on PATH.
process.env.NODEMETER_STACK_NODE ??= process.execPath;

/**
 * Why the interop suite is left out of this run, or undefined when it runs. It runs once per CI run, on the Node of
 * `npm test` (22): `npm run test:node24` and `test:node26` run the same code against the same JVMs, which would only
 * double the suite's minutes. NODEMETER_INTEROP=1 runs it on any Node, NODEMETER_INTEROP=0 leaves it out.
 */
function interopLeftOut() {
  const flag = process.env.NODEMETER_INTEROP;
  if (flag === '1') return undefined;
  if (flag === '0') return 'NODEMETER_INTEROP=0';
  if (major !== ONE_RUNTIME) return `it runs on Node ${ONE_RUNTIME} only (the Node of npm test), this is Node ${process.versions.node}; NODEMETER_INTEROP=1 runs it here`;
  return undefined;
}

/**
 * Why the `@one-runtime` files are left out of this run, or undefined when they run: the same rule as the interop
 * suite's. NODEMETER_ONE_RUNTIME=1 runs them on any Node, NODEMETER_ONE_RUNTIME=0 leaves them out.
 */
function oneRuntimeLeftOut() {
  const flag = process.env.NODEMETER_ONE_RUNTIME;
  if (flag === '1') return undefined;
  if (flag === '0') return 'NODEMETER_ONE_RUNTIME=0';
  if (major !== ONE_RUNTIME) return `they run on Node ${ONE_RUNTIME} only (the Node of npm test), this is Node ${process.versions.node}; NODEMETER_ONE_RUNTIME=1 runs them here`;
  return undefined;
}

function walk(dir, suffix) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(join(root, dir));
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out = out.concat(walk(rel, suffix));
    else if (name.endsWith(suffix)) out.push(rel);
  }
  return out;
}

function backendsOf(file) {
  const m = /^\/\/ @backends (.+)$/m.exec(readFileSync(join(root, file), 'utf8'));
  return m ? m[1].trim().split(/\s+/) : [];
}

/** The reason a file gives for running on one runtime only (`// @one-runtime <why>`), or undefined. */
function oneRuntimeOf(file) {
  const m = /^\/\/ @one-runtime (.+)$/m.exec(readFileSync(join(root, file), 'utf8'));
  return m ? m[1].trim() : undefined;
}

const args = process.argv.slice(2);
const list = args.includes('--list');
for (const opt of args.filter((a) => a.startsWith('--'))) {
  if (opt !== '--list') {
    console.error(`unknown option "${opt}"; known: --list`);
    process.exit(2);
  }
}
const named = args.filter((a) => !a.startsWith('--'));
const asked = named.length > 0 ? named : Object.keys(SUITES);
for (const suite of asked) {
  if (!SUITES[suite]) {
    console.error(`unknown suite "${suite}"; known: ${Object.keys(SUITES).join(', ')}`);
    process.exit(2);
  }
}
const interopWhy = asked.includes('interop') ? interopLeftOut() : undefined;
if (interopWhy) console.error(`[tests] suite interop left out: ${interopWhy}`);
const wanted = interopWhy ? asked.filter((s) => s !== 'interop') : asked;
if (wanted.length === 0) process.exit(0);
const found = [];
for (const suite of wanted) found.push(...walk(SUITES[suite].dir, SUITES[suite].suffix));
if (found.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Left out as whole files, before any backend starts: a left-out file's backends are not started either (the
// Confluent addon, built per Node ABI in minutes, is needed by one-runtime files only).
const oneRuntimeWhy = oneRuntimeLeftOut();
const leftOut = oneRuntimeWhy ? found.filter((f) => oneRuntimeOf(f) !== undefined) : [];
const files = found.filter((f) => !leftOut.includes(f));
if (leftOut.length > 0 && !list) {
  console.error(`[tests] ${leftOut.length} one-runtime files left out: ${oneRuntimeWhy}`);
  for (const f of leftOut) console.error(`[tests]   ${f}: ${oneRuntimeOf(f)}`);
}
if (list) {
  console.log(`node ${process.version}: ${files.length} files run (${wanted.join(', ')}), ${leftOut.length} left out${leftOut.length > 0 ? `: ${oneRuntimeWhy}` : ''}`);
  for (const f of files) console.log(`run       ${f}${oneRuntimeOf(f) ? `  (one runtime: ${oneRuntimeOf(f)})` : ''}`);
  for (const f of leftOut) console.log(`left out  ${f}  (${oneRuntimeOf(f)})`);
  process.exit(0);
}
if (files.length === 0) process.exit(0);

const env = { ...process.env };
const started = [];
const needed = [...new Set(files.flatMap(backendsOf))];
for (const service of needed) {
  const vars = BACKEND_ENV[service];
  if (!vars) {
    console.error(`unknown backend "${service}"`);
    process.exit(2);
  }
  if (vars.every((v) => env[v])) {
    console.error(`[tests] ${service}: using ${vars.map((v) => `${v}=${env[v]}`).join(' ')}`);
    continue;
  }
  const wasRunning = spawnSync('bash', [join(root, 'scripts/stack'), 'status', service], { stdio: 'ignore' }).status === 0;
  console.error(`[tests] ${service}: ${wasRunning ? 'already running' : 'starting'} (scripts/stack up ${service})`);
  const up = spawnSync('bash', [join(root, 'scripts/stack'), 'up', service], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (up.status !== 0) {
    console.error(`[tests] backend ${service} could not be started; its suites cannot run. Failing.`);
    stopStarted();
    process.exit(1);
  }
  if (!wasRunning) started.push(service);
  for (const line of up.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && /^[A-Z][A-Z0-9_]*$/.test(line.slice(0, eq))) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
}

function stopStarted() {
  if (started.length === 0 || process.env.NODEMETER_KEEP_STACK === '1') return;
  spawnSync('bash', [join(root, 'scripts/stack'), 'down', ...started], { stdio: 'inherit' });
}

// @confluentinc/kafka-javascript is built by the stack outside the project's node_modules (its prebuilt binary cannot
// be downloaded everywhere): its node_modules folder joins the search path, so the tests and nodemeter's version
// lookup find it as an application's own copy would be found.
if (env.CONFLUENT_KAFKA_JS) {
  const modules = dirname(dirname(env.CONFLUENT_KAFKA_JS)); // <dir>/node_modules/@confluentinc/kafka-javascript
  env.NODE_PATH = env.NODE_PATH ? `${modules}${delimiter}${env.NODE_PATH}` : modules;
}

console.error(`[tests] node ${process.version}: ${files.length} files (${wanted.join(', ')})`);
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-timeout=180000', ...files.map((f) => relative(root, join(root, f)))],
  { cwd: root, env, stdio: 'inherit' },
);
stopStarted();
process.exit(result.status ?? 1);
