/**
 * Version gates of the compatibility modules: where nodemeter reads another library's internals (pg-pool's client
 * lists, mysql2's queues, pino's symbols), the module declares the versions it was written and tested against, and
 * checks the installed one before it reads anything.
 *
 *   compat module: SUPPORTED = { package: 'pg-pool', range: '>=3.0.0 <4' }
 *        bind ──► installed version (package.json, resolved as the application resolves it) ──► in range?
 *                   yes / unknown: read the internals (their shape is checked too)
 *                   no:            a coded warning, and only what the library's public API allows
 *
 * Ranges are the small subset of semver that these declarations need: comparators (`>=`, `>`, `<`, `<=`, `=`)
 * joined by spaces (all must hold), alternatives joined by `||`. Pre-release tags are ignored.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diag } from './diag.js';
import { Warnings } from './warnings.js';

/** A library and the versions of it whose internals a compatibility module reads. @since 0.2.0 */
export interface SupportedVersions {
  /** The npm package name, e.g. `pg-pool`. */
  readonly package: string;
  /** e.g. `>=3.0.0 <4`. */
  readonly range: string;
}

type Triple = readonly [number, number, number];

function parse(version: string): Triple | undefined {
  const m = /^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version);
  if (m === null) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** True when `version` satisfies `range` (see the file comment for the grammar). @since 0.2.0 */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  if (v === undefined) return false;
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .filter((c) => c !== '')
      .every((comparator) => {
        const m = /^(>=|<=|>|<|=)?(.+)$/.exec(comparator);
        const bound = m === null ? undefined : parse(m[2]!);
        if (bound === undefined) return false;
        const c = compare(v, bound);
        switch (m![1]) {
          case '>=':
            return c >= 0;
          case '>':
            return c > 0;
          case '<':
            return c < 0;
          case '<=':
            return c <= 0;
          default:
            return c === 0;
        }
      }),
  );
}

/** Resolved once per package and process: `undefined` when the package cannot be found from here. */
const installed = new Map<string, string | undefined>();

/**
 * The installed version of a package, read from its package.json as the application would resolve it: from the
 * application's directory first (the copy its own code loads), then from nodemeter's.
 * @since 0.2.0
 */
export function installedVersion(pkg: string): string | undefined {
  if (installed.has(pkg)) return installed.get(pkg);
  let version: string | undefined;
  // CJS bundles have __filename; ESM has import.meta.url. `typeof` keeps the ESM case from throwing.
  const self = typeof __filename === 'string' ? __filename : import.meta.url;
  for (const from of [pathToFileURL(join(process.cwd(), 'package.json')).href, self]) {
    // The node_modules folders Node would search from there; the package.json is read directly, as packages with
    // an `exports` map need not export it.
    for (const dir of createRequire(from).resolve.paths(pkg) ?? []) {
      try {
        const found = JSON.parse(readFileSync(join(dir, pkg, 'package.json'), 'utf8')) as { version?: unknown };
        if (typeof found.version === 'string') version = found.version;
      } catch {
        continue; // not in this folder
      }
      break;
    }
    if (version !== undefined) break;
  }
  installed.set(pkg, version);
  return version;
}

/** The verdict of a gate. @since 0.2.0 */
export type VersionVerdict =
  | { readonly supported: true; readonly version: string | undefined }
  | { readonly supported: false; readonly version: string };

/**
 * Checks a version (given, e.g. pino's `logger.version`, or the installed one) against a declaration. An unknown
 * version passes: the compatibility module then relies on checking the shape of what it reads.
 * @since 0.2.0
 */
export function checkVersion(supported: SupportedVersions, version = installedVersion(supported.package)): VersionVerdict {
  if (version === undefined || satisfies(version, supported.range)) return { supported: true, version };
  return { supported: false, version };
}

/**
 * The version gate of a compatibility module: true when the installed `version` may be read through its internals;
 * otherwise warns once per package (Warnings.LIBRARY_VERSION_UNSUPPORTED, naming what the integration does
 * `without` them) and returns false, and the module uses the library's public API only.
 * @since 0.2.0
 */
export function gateVersion(
  supported: SupportedVersions,
  diag: Diag,
  without: string,
  version = installedVersion(supported.package),
): boolean {
  const verdict = checkVersion(supported, version);
  if (verdict.supported) return true;
  diag.warn(
    Warnings.LIBRARY_VERSION_UNSUPPORTED,
    { package: supported.package, version: verdict.version as string, range: supported.range, without },
    supported.package,
  );
  return false;
}
