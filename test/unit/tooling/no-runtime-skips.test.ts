// No test skips itself for the Node runtime: a slow file runs on one runtime because scripts/run-tests.mjs leaves the
// whole file out elsewhere (its `// @one-runtime <why>` line), so that no summary says "skipped" for a runtime, which
// would read like a skip for a missing backend. Fails with the file and line of every offender.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

const TEST = new URL('../../', import.meta.url);

function testFiles(dir: URL, prefix = ''): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...testFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`));
    } else if (/\.test\.[cm]?[tj]s$/.test(entry.name)) {
      out.push({ path: `${prefix}${entry.name}`, text: readFileSync(new URL(entry.name, dir), 'utf8') });
    }
  }
  return out;
}

test('no skip or todo option of a test depends on the Node version (use a `// @one-runtime <why>` line instead)', () => {
  const found: string[] = [];
  for (const { path, text } of testFiles(TEST)) {
    // The condition of `skip:`/`todo:`, up to the end of the option; `ONLY22`-style shared options are caught by name.
    for (const m of text.matchAll(/\b(?:skip|todo)\s*:\s*([^,}\n]*)|\{\s*\.\.\.\s*ONLY\d+|,\s*ONLY\d+\s*,/g)) {
      if (m[1] !== undefined && !/version|NODE\d|\bmajor\b/i.test(m[1])) continue;
      const line = text.slice(0, m.index).split('\n').length;
      found.push(`test/${path}:${line}: ${text.split('\n')[line - 1]!.trim()}`);
    }
  }
  assert.deepEqual(found, []);
});

test('every `@one-runtime` line gives its reason', () => {
  const bare = testFiles(TEST).filter(({ text }) => /^\/\/ @one-runtime\s*$/m.test(text)).map(({ path }) => `test/${path}`);
  assert.deepEqual(bare, []);
});
