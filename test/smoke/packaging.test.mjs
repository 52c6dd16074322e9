// The built package as users get it: ESM import, CJS require, the exports map, and two copies in one process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);

test('ESM and CJS builds load by package name and agree on the API', async () => {
  const esm = await import('nodemeter');
  const cjs = require('nodemeter');
  assert.equal(typeof esm.instrument, 'function');
  assert.equal(typeof cjs.instrument, 'function');
  assert.deepEqual(Object.keys(esm).sort(), Object.keys(cjs).sort());
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.equal(esm.VERSION, pkg.version, 'VERSION matches package.json');
});

test('two copies of the package in one process share one handle and never register twice', async () => {
  const esm = await import('nodemeter');
  const cjs = require('nodemeter');
  const a = esm.instrument({ serviceName: 'copies', diagLevel: 'silent' });
  try {
    const b = cjs.instrument({ serviceName: 'copies', diagLevel: 'silent' });
    assert.equal(b, a);
    const text = await a.scrape();
    const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.ok(lines.length > 10);
    assert.equal(new Set(lines.map((l) => l.replace(/ [^ ]+$/, ''))).size, lines.length, 'no duplicate series');
    // Errors thrown by one copy are recognised by the other.
    try {
      cjs.instrument({ management: { port: 'x' } });
      assert.fail('expected a throw');
    } catch (err) {
      assert.ok(esm.isNodemeterError(err));
      assert.ok(err instanceof esm.NodemeterError);
      assert.equal(err.code, 'NM_ERR_CONFIG_INVALID');
    }
  } finally {
    await a.shutdown();
  }
});

test('a process that only calls instrument() exits by itself (nothing keeps the loop alive)', async () => {
  const { spawnSync } = await import('node:child_process');
  const script = "import('nodemeter').then(m => { m.instrument({ serviceName: 'exit', management: { port: 0 } }); })";
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.signal, null, 'not killed by the timeout');
  assert.equal(r.status, 0, r.stderr);
});

test('the JavaScript files are ASCII: Node would hold a module with one wider character as UTF-16, twice its size', () => {
  const dist = new URL('../../dist/', import.meta.url);
  const files = readdirSync(dist).filter((f) => /\.[cm]?js$/.test(f));
  assert.ok(files.includes('index.js') && files.includes('index.cjs'), files.join(' '));
  for (const file of files) {
    const text = readFileSync(new URL(file, dist), 'latin1');
    const at = text.search(/[^\x00-\x7f]/);
    assert.equal(at, -1, `${file}: a non-ASCII byte at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}`);
  }
});
