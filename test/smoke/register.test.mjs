// The built `nodemeter/register` entry, preloaded the two ways Node preloads: `--import` (ESM) and `-r` (CommonJS).
// The process is instrumented from the environment before the application's first line, and the application
// reaches the same handle with instrument().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

const app = (loader) => `
${loader}
const slot = globalThis[Symbol.for('nodemeter.0.global')];
if (!slot || !slot.handle) throw new Error('not instrumented before the application');
const nm = instrument();
if (nm !== slot.handle) throw new Error('instrument() did not return the registered handle');
nm.scrape().then(async (text) => {
  if (!text.includes('process_uptime_seconds{application="' + nm.serviceName + '"}')) throw new Error(text);
  // Preloaded: the automatic integrations are on and the actuator has a management port of its own.
  if (nm.config.auto.enabled !== true) throw new Error('automatic integrations off under nodemeter/register');
  const management = await nm.managementAddress();
  if (!management) throw new Error('no management server under nodemeter/register');
  const health = await fetch('http://127.0.0.1:' + management.port + '/actuator/health');
  if (health.status !== 200) throw new Error('actuator health answered ' + health.status);
  await nm.shutdown();
  console.log('ok ' + nm.serviceName);
});
`;

function preload(flag, type, loader) {
  // Run from the repository root, where `nodemeter` resolves to this package itself (package.json exports).
  return spawnSync(process.execPath, [flag, 'nodemeter/register', `--input-type=${type}`, '-e', app(loader)], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
    // Port 0: any free port (the default under register is 8081, which another process may hold).
    env: { ...process.env, NODEMETER_SERVICE_NAME: `register-${type}`, NODEMETER_TRACING_ENABLED: 'false', MANAGEMENT_SERVER_PORT: '0' },
  });
}

test('node --import nodemeter/register instruments before an ESM application runs', () => {
  const r = preload('--import', 'module', "import { instrument } from 'nodemeter';");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ok register-module$/m);
});

test('node -r nodemeter/register instruments before a CommonJS application runs', () => {
  const r = preload('-r', 'commonjs', "const { instrument } = require('nodemeter');");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ok register-commonjs$/m);
});
