/**
 * The one place nodemeter loads prom-client. prom-client's entry (`index.js`) loads the whole package: the push
 * gateway (with `http`, `https` → `tls`, `zlib`), the cluster aggregator, every default metric with
 * `@opentelemetry/api`, histogram and summary with `tdigest`/`bintrees`: about 80 modules and +15 MB at start-up, of
 * which nodemeter uses three. prom-client has no `exports` map, so those three files are reachable directly:
 *
 *   lib/registry   Registry (the scrape writer, text 0.0.4 and OpenMetrics 1.0)
 *   lib/counter    Counter, with exemplars (it loads lib/exemplar itself)
 *   lib/gauge      Gauge
 *   lib/cluster    AggregatorRegistry, loaded on the first aggregate scrape of cluster mode only
 *
 * They are the very files the entry exports (`exports.Registry = require('./lib/registry')`, …), so an application
 * that loads prom-client itself shares the same classes and global registry with nodemeter.
 *
 *   module load ──► prom-client's package.json (the copy nodemeter resolves) ──► version in PROM_CLIENT_SUPPORTED?
 *                     yes: lib/registry, lib/counter, lib/gauge (and their shape checked)
 *                     no, or a file missing / of another shape: require('prom-client'), the public entry;
 *                         reported once as Warnings.LIBRARY_VERSION_UNSUPPORTED by reportPromClientLoad(diag)
 *
 * Loading is synchronous (`createRequire`, in the ESM and the CommonJS build alike) and happens when nodemeter is
 * imported, as the static import it replaces did: meters are created synchronously by instrument(). The types come
 * from prom-client's public typings, for compile time only; the values are typed as those.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { Diag } from '../../core/diag.js';
import { checkVersion, type SupportedVersions } from '../../core/supported-versions.js';
import { Warnings } from '../../core/warnings.js';

/** The prom-client versions whose file layout (`lib/*.js`) is loaded here. @since 0.2.0 */
export const PROM_CLIENT_SUPPORTED: SupportedVersions = { package: 'prom-client', range: '>=15.1.0 <16' };

/** What nodemeter uses of prom-client at start-up. */
export interface PromClientCore {
  readonly Registry: typeof PromClient.Registry;
  readonly Counter: typeof PromClient.Counter;
  readonly Gauge: typeof PromClient.Gauge;
}

/** How prom-client was loaded, and why the entry when it was. */
export interface PromClientLoad {
  readonly core: PromClientCore;
  /** `lib`: only the modules above; `entry`: `require('prom-client')`. */
  readonly via: 'lib' | 'entry';
  /** The version of the copy loaded, when its package.json could be read. */
  readonly version: string | undefined;
  /** Set when the entry was used although the modules were wanted: what to tell the user (Warnings.LIBRARY_VERSION_UNSUPPORTED). */
  readonly fallback: { readonly version: string } | undefined;
  /** Loads `AggregatorRegistry` the same way as the core (once; `lib/cluster`, or the entry). */
  readonly aggregatorRegistry: () => typeof PromClient.AggregatorRegistry;
}

type Require = (id: string) => unknown;

const isClass = (x: unknown): x is new (...args: never[]) => unknown => typeof x === 'function';

function isCore(x: { Registry?: unknown; Counter?: unknown; Gauge?: unknown }): x is PromClientCore {
  const registry = x.Registry as { PROMETHEUS_CONTENT_TYPE?: unknown; OPENMETRICS_CONTENT_TYPE?: unknown } | undefined;
  return (
    isClass(x.Registry) &&
    isClass(x.Counter) &&
    isClass(x.Gauge) &&
    typeof registry?.PROMETHEUS_CONTENT_TYPE === 'string' &&
    typeof registry.OPENMETRICS_CONTENT_TYPE === 'string'
  );
}

function versionOf(req: Require): string | undefined {
  try {
    const version = (req('prom-client/package.json') as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** The three modules, or undefined when one is missing or not what it should be. */
function loadLib(req: Require): PromClientCore | undefined {
  try {
    const core = {
      Registry: req('prom-client/lib/registry'),
      Counter: req('prom-client/lib/counter'),
      Gauge: req('prom-client/lib/gauge'),
    };
    return isCore(core) ? core : undefined;
  } catch {
    return undefined; // a file moved, or an `exports` map that hides lib/: the entry still works
  }
}

/**
 * Loads prom-client through `req` (a require resolving from nodemeter's location). `version` is the installed one
 * unless given (tests). Throws only when prom-client itself cannot be loaded, as the static import did.
 * @since 0.2.0
 */
export function loadPromClient(req: Require, version = versionOf(req)): PromClientLoad {
  const verdict = checkVersion(PROM_CLIENT_SUPPORTED, version);
  const lib = verdict.supported ? loadLib(req) : undefined;
  if (lib !== undefined) {
    let cluster: typeof PromClient.AggregatorRegistry | undefined;
    return {
      core: lib,
      via: 'lib',
      version,
      fallback: undefined,
      aggregatorRegistry() {
        if (cluster === undefined) {
          let found: unknown;
          try {
            found = req('prom-client/lib/cluster');
          } catch {
            found = undefined;
          }
          // Another shape: the entry's, which requires the same lib/registry, so both share one Registry class.
          cluster = (
            isClass(found) && typeof (found as { aggregate?: unknown }).aggregate === 'function'
              ? found
              : (req('prom-client') as typeof PromClient).AggregatorRegistry
          ) as typeof PromClient.AggregatorRegistry;
        }
        return cluster;
      },
    };
  }
  const entry = req('prom-client') as typeof PromClient;
  return {
    core: { Registry: entry.Registry, Counter: entry.Counter, Gauge: entry.Gauge },
    via: 'entry',
    version,
    // An unknown version (no readable package.json) in the range's place: say which copy it was as best we can.
    fallback: { version: verdict.supported ? `${version ?? '(unknown version)'} with another file layout` : verdict.version },
    aggregatorRegistry: () => entry.AggregatorRegistry,
  };
}

/** Resolves from nodemeter's own location. The CommonJS build gets `import.meta.url` from tsup's shims. */
const loaded = loadPromClient(createRequire(import.meta.url) as Require);

/** How prom-client was loaded in this process. */
export const promClientLoad: PromClientLoad = loaded;

/** prom-client's Registry (value and type, as `import { Registry } from 'prom-client'` gave). */
export const Registry: typeof PromClient.Registry = loaded.core.Registry;
export type Registry<T extends PromClient.RegistryContentType = PromClient.PrometheusContentType> = PromClient.Registry<T>;
/** prom-client's Counter. */
export const Counter: typeof PromClient.Counter = loaded.core.Counter;
export type Counter<T extends string = string> = PromClient.Counter<T>;
/** prom-client's Gauge. */
export const Gauge: typeof PromClient.Gauge = loaded.core.Gauge;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;

/** prom-client's AggregatorRegistry, loaded on the first call (cluster mode's first aggregate scrape). */
export function aggregatorRegistry(): typeof PromClient.AggregatorRegistry {
  return loaded.aggregatorRegistry();
}

/**
 * Warns once (Warnings.LIBRARY_VERSION_UNSUPPORTED) when prom-client had to be loaded through its entry: metrics
 * work the same, only start-up costs what the whole package costs. Called by instrument(), which has the Diag.
 * @since 0.2.0
 */
export function reportPromClientLoad(diag: Diag, load: PromClientLoad = loaded): void {
  if (load.fallback === undefined) return;
  diag.warn(
    Warnings.LIBRARY_VERSION_UNSUPPORTED,
    {
      package: PROM_CLIENT_SUPPORTED.package,
      version: load.fallback.version,
      range: PROM_CLIENT_SUPPORTED.range,
      without: 'loading only the prom-client modules it uses (the whole package is loaded at start-up instead)',
    },
    PROM_CLIENT_SUPPORTED.package,
  );
}
