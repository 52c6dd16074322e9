/**
 * The OpenTelemetry SDK, loaded on first use. With tracing off, nothing of it (sdk-trace-*, the Zipkin exporter,
 * resources, core, propagator-b3, context-async-hooks and their semantic-conventions) is read from disk: loading it
 * costs more start-up time and memory than the rest of nodemeter together (docs/benchmarks.md).
 *
 * `instrument()` is synchronous, so this is `require`, not `import()`. Every one of these packages is CommonJS in
 * Node (no `exports` map with an `import` condition), so `require` gives the very modules a static `import` would.
 * The `import type` lines below are erased from the build: they only type what `require` returns.
 */
import { createRequire } from 'node:module';
import type * as ContextAsyncHooks from '@opentelemetry/context-async-hooks';
import type * as Core from '@opentelemetry/core';
import type * as ExporterZipkin from '@opentelemetry/exporter-zipkin';
import type * as PropagatorB3 from '@opentelemetry/propagator-b3';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkTraceBase from '@opentelemetry/sdk-trace-base';
import type * as SdkTraceNode from '@opentelemetry/sdk-trace-node';

/** The SDK modules nodemeter's tracing uses. */
export interface OtelSdk {
  readonly contextAsyncHooks: typeof ContextAsyncHooks;
  readonly core: typeof Core;
  readonly exporterZipkin: typeof ExporterZipkin;
  /** The version of the exporter-zipkin loaded here (the compatibility module's gate); undefined if unreadable. */
  readonly exporterZipkinVersion: string | undefined;
  readonly propagatorB3: typeof PropagatorB3;
  readonly resources: typeof Resources;
  readonly sdkTraceBase: typeof SdkTraceBase;
  readonly sdkTraceNode: typeof SdkTraceNode;
}

let sdk: OtelSdk | undefined;

/** Loads the SDK modules once; later calls return the same objects. */
export function loadOtelSdk(): OtelSdk {
  if (sdk !== undefined) return sdk;
  // Resolves from nodemeter's own location. The CommonJS build gets `import.meta.url` from tsup's shims.
  const req = createRequire(import.meta.url);
  sdk = {
    contextAsyncHooks: req('@opentelemetry/context-async-hooks') as typeof ContextAsyncHooks,
    core: req('@opentelemetry/core') as typeof Core,
    exporterZipkin: req('@opentelemetry/exporter-zipkin') as typeof ExporterZipkin,
    exporterZipkinVersion: versionOf(req, '@opentelemetry/exporter-zipkin'),
    propagatorB3: req('@opentelemetry/propagator-b3') as typeof PropagatorB3,
    resources: req('@opentelemetry/resources') as typeof Resources,
    sdkTraceBase: req('@opentelemetry/sdk-trace-base') as typeof SdkTraceBase,
    sdkTraceNode: req('@opentelemetry/sdk-trace-node') as typeof SdkTraceNode,
  };
  return sdk;
}

/** The version of the copy `req` loads (not the application's, which may differ), from its package.json. */
function versionOf(req: NodeJS.Require, pkg: string): string | undefined {
  try {
    const version = (req(`${pkg}/package.json`) as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined; // an exports map that hides package.json: the gate then checks the shape only
  }
}
