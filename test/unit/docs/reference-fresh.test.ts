/**
 * docs/reference/options.md and docs/reference/metric-names.md are generated from the code (scripts/gen-reference.mjs:
 * the options type and option modules, a real instrument()'s meters, the meters declared in src/). This test
 * regenerates them in a child process and fails when a committed page differs: run `npm run gen:reference`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('the generated reference pages are up to date', async () => {
  const result = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', 'scripts/gen-reference.mjs', '--check'], {
    cwd: root,
    timeout: 120_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code?: number; stderr?: string }) => ({ code: err.code ?? 1, stderr: err.stderr ?? '' }),
  );
  assert.equal(result.code, 0, result.stderr);
});
