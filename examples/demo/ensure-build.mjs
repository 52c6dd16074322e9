// Builds dist/ only when it is missing or older than a source file, so `npm run demo` and `npm run demo:fleet` start
// at once on a current build (the build takes most of the demo's old start-up time).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const built = Math.min(...['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts'].map((f) => statSync(join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? 0));
const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'package.json')), newest(join(root, 'tsup.config.ts')));
if (built === 0 || sources > built) {
  console.log(built === 0 ? 'Building nodemeter (dist/ is missing)…' : 'Building nodemeter (a source is newer than dist/)…');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
