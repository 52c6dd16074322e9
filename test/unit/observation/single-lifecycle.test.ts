/**
 * The observation lifecycle is written once, in src/observation/registry.ts. This scan fails if an integration
 * (src/http, src/kafka, src/db) writes a copy of it again: calls handler hooks itself, records an error apart from
 * stopping (outside a framework's error handler, where the request goes on), sets a context's lifecycle fields,
 * reaches a context's internal state, or reaches OpenTelemetry directly instead of going through the observation
 * core.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const AREAS = ['src/http', 'src/kafka', 'src/db'];

/** Framework error handlers record the error on a request that goes on; stop() ends it when the response closes. */
const ERROR_RECORDERS = new Set(['src/http/express.ts', 'src/http/fastify.ts']);

const RULES: [RegExp, string][] = [
  [/\.on(Start|Stop|Error|Event)\s*\(/, 'calls a handler hook (only the registry calls handlers)'],
  [/\.(started|stopped|startMs)\s*=[^=]/, 'sets a lifecycle field of a context (only the registry does)'],
  [/\.error\s*=[^=]/, 'sets the error of a context (record it with stop(ctx, error) or observe())'],
  [/from\s+['"]@opentelemetry\//, 'imports OpenTelemetry (spans and scopes go through the observation core)'],
  [/\b(contextState|getSlot|putSlot)\b/, "reaches a context's internal state (the registry and handlers do)"],
];
const ERROR_CALL = /\bobservations\.error\s*\(/;

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('no integration writes its own copy of the observation lifecycle', () => {
  const found: string[] = [];
  for (const area of AREAS) {
    for (const file of files(area)) {
      const rel = relative(ROOT, join(ROOT, file)).split('\\').join('/');
      const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/^\s*(\*|\/\/)/.test(line)) return; // comments may name what they do not do
        for (const [pattern, why] of RULES) if (pattern.test(line)) found.push(`${rel}:${i + 1} ${why}: ${line.trim()}`);
        if (ERROR_CALL.test(line) && !ERROR_RECORDERS.has(rel)) {
          found.push(`${rel}:${i + 1} records an error apart from stopping (use stop(ctx, error), observe() or callback()): ${line.trim()}`);
        }
      });
    }
  }
  assert.deepEqual(found, []);
});

test('the scan sees what it forbids', () => {
  // Guards the guard: each rule matches the code it is meant to catch.
  const samples = [
    'h.onStop(ctx);',
    'ctx.stopped = true;',
    'ctx.error = err;',
    "import { trace } from '@opentelemetry/api';",
  ];
  samples.forEach((s, i) => assert.ok(RULES[i]![0].test(s), s));
  assert.ok(ERROR_CALL.test('if (error !== undefined) observations.error(ctx, error);'));
  assert.ok(!RULES[1]![0].test('if (ctx.stopped === true) return;'));
});
