// Footprint: what installing nodemeter adds to a fresh Express app, next to what the usual Prometheus pair
// (prom-client + express-prom-bundle) adds, and the size of the tarball. Every install is a fresh project in a
// temporary folder; sizes are the bytes of the files under node_modules (apparent size, not disk blocks).
//
//   npm run build && node benchmarks/footprint/install.mjs     (needs the npm registry or its cache)
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, writeBenchJson } from '../utils/bench-json.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
if (!existsSync(join(root, 'dist/index.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const loadStart = load();
const work = mkdtempSync(join(tmpdir(), 'nodemeter-footprint-'));

function npm(args, cwd) {
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Bytes of every file below `dir`, and per top-level package (scoped packages by scope/name). */
function sizes(dir) {
  const perPackage = new Map();
  let total = 0;
  const walk = (d, pkgName) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p, pkgName);
      else {
        total += st.size;
        perPackage.set(pkgName, (perPackage.get(pkgName) ?? 0) + st.size);
      }
    }
  };
  for (const name of readdirSync(dir)) {
    if (name === '.bin' || name.startsWith('.package-lock')) continue;
    if (name.startsWith('@')) for (const sub of readdirSync(join(dir, name))) walk(join(dir, name, sub), `${name}/${sub}`);
    else walk(join(dir, name), name);
  }
  return { total, perPackage };
}

function project(name, deps) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  npm(['install', '--prefer-offline', ...deps], dir);
  return sizes(join(dir, 'node_modules'));
}

try {
  const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root))[0];
  const tarball = join(work, packed.filename);
  const express = project('express-only', ['express@5']);
  const withNodemeter = project('express-nodemeter', ['express@5', tarball]);
  const withPromBundle = project('express-prom-bundle', ['express@5', 'prom-client@15', 'express-prom-bundle']);

  const MB = (b) => (b / 1024 / 1024).toFixed(2);
  console.log(`tarball ${packed.filename}: ${(packed.size / 1024).toFixed(0)} kB, unpacked ${(packed.unpackedSize / 1024).toFixed(0)} kB, ${packed.entryCount} files`);
  console.log(`express 5 alone:                     ${MB(express.total)} MB`);
  console.log(`+ nodemeter:                         +${MB(withNodemeter.total - express.total)} MB`);
  console.log(`+ prom-client + express-prom-bundle: +${MB(withPromBundle.total - express.total)} MB`);

  console.log('\nwhat nodemeter brings, by package (MB):');
  const added = [...withNodemeter.perPackage]
    .filter(([name]) => !express.perPackage.has(name))
    .sort((a, b) => b[1] - a[1]);
  for (const [name, bytes] of added) console.log(`  ${MB(bytes).padStart(6)}  ${name}`);

  writeBenchJson({
    suite: 'install',
    title: 'Install size and tarball: what a fresh Express 5 app gets by adding nodemeter or the usual Prometheus pair',
    command: 'node benchmarks/footprint/install.mjs',
    node: process.version,
    loadavg: { start: loadStart, end: load() },
    columns: ['what', 'MB under node_modules (over Express 5 alone)'],
    rows: [
      [`nodemeter tarball (${packed.entryCount} files)`, `${(packed.size / 1024 / 1024).toFixed(2)} packed, ${(packed.unpackedSize / 1024 / 1024).toFixed(2)} unpacked`],
      ['Express 5 alone', MB(express.total)],
      ['+ nodemeter (with its dependencies)', `+${MB(withNodemeter.total - express.total)}`],
      ['+ prom-client + express-prom-bundle', `+${MB(withPromBundle.total - express.total)}`],
      ...added.slice(0, 12).map(([name, bytes]) => [`  of which ${name}`, MB(bytes)]),
    ],
    notes: ['Fresh projects in a temporary folder, `npm install --prefer-offline`; apparent size of the files under node_modules. The largest packages nodemeter brings are listed.'],
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
