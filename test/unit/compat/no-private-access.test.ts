/**
 * Other libraries' internals are read only in their compatibility modules (src/db/compat/, src/logging/compat/,
 * src/tracing/compat/), each with its supported version range. This test scans src/ and fails on an access to those
 * internals anywhere else: pg-pool's, pg's, mysql2's and generic-pool's underscore fields, their error messages
 * matched as text, pino's private symbols (looked up by description, or taken from `pino.symbols`), a replaced
 * global `fetch`, and the Zipkin exporter's internal send function. prom-client is loaded only in
 * src/metrics/compat/ (its deep `prom-client/lib` paths included); elsewhere only its types are imported.
 * pino's public symbols (`Symbol.for('pino.metadata')` etc., which pino documents as shared by every copy) are
 * allowed everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const src = join(root, 'src');
const ALLOWED = ['src/db/compat/', 'src/logging/compat/', 'src/tracing/compat/', 'src/metrics/compat/'];

/** pino's symbols that are public: created with Symbol.for, exported for integrations. */
const PINO_PUBLIC = '(?:needsMetadataGsym|serializersSym|formattersSym|hooksSym|transportUsesMultistreamSym)';

const PATTERNS: readonly { readonly what: string; readonly re: RegExp }[] = [
  {
    what: 'a private field of pg-pool, pg, mysql2 or generic-pool',
    re: /\._(?:clients|idle|connecting|pendingQueue|queryable|ending|poolUseCount|allConnections|freeConnections|connectionQueue|handshakePacket|factory)\b|['"]_(?:handshakePacket|clients|idle|factory|allConnections)['"]/,
  },
  {
    what: "an error message of pg-pool or mysql2 matched as text",
    re: /timeout exceeded when trying to connect|Connection terminated due to connection timeout|No connections available\.|Queue limit reached\./,
  },
  { what: "a pino symbol looked up by its description", re: /\.description\s*===|['"]pino\.(?:mixin|mixinMergeStrategy|stream|time|chindings|write)['"]/ },
  { what: "a private pino symbol", re: new RegExp(`pino\\.symbols\\.(?!${PINO_PUBLIC}\\b)\\w+`) },
  { what: 'a replaced global fetch', re: /\b(?:globalThis|global|self)\.fetch\s*=(?!=)/ },
  { what: "exporter-zipkin's internal send function", re: /\._send\b|\[['"]_send['"]\]/ },
  // prom-client's lib/ files are not a public entry; src/metrics/compat/prom-client.ts loads them behind its gate.
  { what: "a deep prom-client path (its lib/ files)", re: /\bprom-client\/lib\b/ },
  // ... and is the one place prom-client is loaded at all (types may be imported elsewhere, with `import type`).
  {
    what: 'a load of prom-client outside its compatibility module',
    re: /^(?!\s*import\s+type\b).*\bfrom\s+['"]prom-client['"]|\brequire\(\s*['"]prom-client['"]\s*\)|\bimport\(\s*['"]prom-client['"]\s*\)/,
  },
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(?:ts|cts|mts|js|cjs|mjs)$/.test(name) ? [path] : [];
  });
}

const sources = files(src).map((path) => ({ path: relative(root, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }));

test('no access to another library\'s internals outside the compatibility modules', () => {
  const found: string[] = [];
  for (const { path, text } of sources) {
    if (ALLOWED.some((dir) => path.startsWith(dir))) continue;
    text.split('\n').forEach((line, i) => {
      for (const { what, re } of PATTERNS) if (re.test(line)) found.push(`${path}:${i + 1}: ${what}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, [], `move these into a compatibility module:\n${found.join('\n')}`);
});

test('the patterns find what the compatibility modules do read (so they are not stale)', () => {
  const compat = sources.filter(({ path }) => ALLOWED.some((dir) => path.startsWith(dir)));
  const text = compat.map((f) => f.text).join('\n');
  for (const { what, re } of PATTERNS.slice(0, 3)) assert.ok(re.test(text), `${what}: not found in ${compat.map((f) => f.path).join(', ')}`);
  assert.ok(PATTERNS[4]!.re.test('globalThis.fetch = observed;'));
  assert.ok(!PATTERNS[4]!.re.test('globalThis.fetch === original'));
  assert.ok(PATTERNS[3]!.re.test('logger[pino.symbols.mixinSym]'));
  assert.ok(!PATTERNS[3]!.re.test('stream[pino.symbols.needsMetadataGsym]'));
  assert.ok(PATTERNS[5]!.re.test(text), `${PATTERNS[5]!.what}: not found in the compatibility modules`);
  assert.ok(PATTERNS[5]!.re.test("exporter['_send'] = wrapped;"));
  const promDeep = PATTERNS.find((p) => p.what.startsWith('a deep prom-client path'))!;
  const promLoad = PATTERNS.find((p) => p.what.startsWith('a load of prom-client'))!;
  assert.ok(promDeep.re.test(text), `${promDeep.what}: not found in the compatibility modules`);
  assert.ok(promLoad.re.test("import { Registry } from 'prom-client';"));
  assert.ok(promLoad.re.test("const { Registry } = require('prom-client');"));
  assert.ok(!promLoad.re.test("import type { Registry } from 'prom-client';"));
});

test('every compatibility module declares the versions it supports', () => {
  for (const { path, text } of sources) {
    if (!ALLOWED.some((dir) => path.startsWith(dir))) continue;
    assert.match(text, /_SUPPORTED: SupportedVersions = \{ package: '[^']+', range: '[^']+' \}/, path);
    assert.match(text, /(checkVersion|gateVersion)\(/, `${path} checks the version`);
  }
});
