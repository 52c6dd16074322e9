// Every error and warning code is documented, and every documented code exists (fastify's errors test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { ErrorCodes } from '../../../src/core/errors.js';
import { WarningCodes, Warnings } from '../../../src/core/warnings.js';

function documented(file: string, pattern: RegExp): string[] {
  const text = readFileSync(new URL(`../../../docs/reference/${file}`, import.meta.url), 'utf8');
  return [...text.matchAll(pattern)].map((m) => m[1]!).filter((v, i, a) => a.indexOf(v) === i).sort();
}

test('docs/reference/errors.md lists exactly the error codes', () => {
  assert.deepEqual(documented('errors.md', /^### `(NM_ERR_[A-Z_]+)`/gm), Object.keys(ErrorCodes).sort());
});

test('docs/reference/warnings.md lists exactly the warning codes', () => {
  assert.deepEqual(documented('warnings.md', /^### `(NMWRN\d{3})`/gm), Object.keys(WarningCodes).sort());
});

test("every warning's doc link is its code's section", () => {
  for (const [name, w] of Object.entries(Warnings)) {
    assert.equal(w.doc, `docs/reference/warnings.md#${w.code.toLowerCase()}`, name);
  }
});

function sources(dir: URL): string {
  let text = '';
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const url = new URL(`${entry.name}${entry.isDirectory() ? '/' : ''}`, dir);
    if (entry.isDirectory()) text += sources(url);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('warnings.ts') && !entry.name.endsWith('errors.ts')) {
      text += readFileSync(url, 'utf8');
    }
  }
  return text;
}

test('every error code and every declared warning is used somewhere in the source', () => {
  const src = sources(new URL('../../../src/', import.meta.url));
  for (const code of Object.keys(ErrorCodes)) assert.ok(src.includes(code), `${code} is used`);
  for (const name of Object.keys(Warnings)) {
    assert.match(src, new RegExp(`\\bWarnings\\.${name}\\b`), `Warnings.${name} is used`);
  }
});
