// Warnings are declared once (src/core/warnings.ts) and used by reference: no warning code is written anywhere
// else in src/, and nothing reports a warning that is not a declaration (no string to diag.warn, no console.warn,
// no process.emitWarning). Fails with the file and line of every offender.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Warnings } from '../../../src/core/warnings.js';

const SRC = new URL('../../../src/', import.meta.url);
const DECLARATIONS = 'core/warnings.ts';

function files(dir: URL, prefix = ''): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...files(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`));
    else if (/\.[cm]?[tj]s$/.test(entry.name)) {
      out.push({ path: `${prefix}${entry.name}`, text: readFileSync(new URL(entry.name, dir), 'utf8') });
    }
  }
  return out;
}

/** `src/<path>:<line>: <the line>` for every match of `pattern` in the files. */
function offenders(pattern: RegExp, sources: { path: string; text: string }[], accept?: (m: RegExpExecArray) => boolean): string[] {
  const found: string[] = [];
  for (const { path, text } of sources) {
    for (const m of text.matchAll(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))) {
      if (accept?.(m)) continue;
      const line = text.slice(0, m.index).split('\n').length;
      found.push(`src/${path}:${line}: ${text.split('\n')[line - 1]!.trim()}`);
    }
  }
  return found;
}

const all = files(SRC);
const others = all.filter((f) => f.path !== DECLARATIONS);

test('no warning code is written outside src/core/warnings.ts (name the declaration instead)', () => {
  assert.deepEqual(offenders(/NMWRN\d{3}/, others), []);
});

test('in src/core/warnings.ts a code appears only as the code of a declaration, or in a comment', () => {
  const declarations = all.filter((f) => f.path === DECLARATIONS);
  const inCode = declarations.map((f) => ({
    path: f.path,
    // Comments may name codes; code may only name them as warning('NMWRNxxx', …).
    text: f.text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/.*$/gm, ''),
  }));
  assert.deepEqual(offenders(/NMWRN\d{3}/, inCode, (m) => /warning\(\s*'$/.test(m.input.slice(0, m.index))), []);
});

test('every diag.warn() names a declared warning', () => {
  const declared = new Set(Object.keys(Warnings));
  const calls = /\bdiag\s*\.\s*warn\s*\(\s*([^,)]*)/;
  assert.deepEqual(
    offenders(calls, others, (m) => /^Warnings\.([A-Z0-9_]+)$/.test(m[1]!.trim()) && declared.has(m[1]!.trim().slice(9))),
    [],
  );
});

test('no warning is reported another way: no warnOnce(), console.warn(), process.emitWarning() or .warn("text")', () => {
  assert.deepEqual(offenders(/\.\s*warnOnce\s*\(/, all), []);
  assert.deepEqual(offenders(/\bconsole\s*\.\s*(?:warn|error)\s*\(/, all), []);
  assert.deepEqual(offenders(/\bemitWarning\s*\(/, all), []);
  assert.deepEqual(offenders(/\.\s*warn\s*\(\s*['"`]/, all), []);
});
