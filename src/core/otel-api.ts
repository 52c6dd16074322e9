/**
 * The one place nodemeter loads `@opentelemetry/api` (a peer), resolved once and only when something needs it.
 * Loading it costs 44 modules, about 7 MB RSS and tens of ms at start-up (docs/benchmarks.md, start-up), so with
 * nodemeter's tracing off and no OpenTelemetry set up by the application it is never loaded:
 *
 *   otelApi()        loads it (tracing on: the provider, the tracing handler, propagation)
 *   loadedOtelApi()  the API if it is loaded, or if another copy registered the API's globals (the application runs
 *                    its own SDK: log lines still carry its span ids); otherwise undefined, and then no span can be
 *                    current, since spans are made current only through a registered context manager
 *
 * `createRequire` loads the CommonJS build in the ESM and the CommonJS bundle alike, the same copy as the SDK
 * packages nodemeter requires (src/tracing/sdk.ts), so `ROOT_CONTEXT` and the context keys are one and the same.
 * Callers on hot paths keep the functions they need in fields set at setup; no lookup per request or log line.
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

/** The API's global registry (`src/internal/global-utils.ts` of @opentelemetry/api, major version 1). */
const GLOBAL_KEY = Symbol.for('opentelemetry.js.api.1');

/** The `@opentelemetry/api` module, as its types describe it. */
export type OtelApiModule = typeof OtelApi;

let api: OtelApiModule | undefined;

/** `@opentelemetry/api`, loaded on the first call. */
export function otelApi(): OtelApiModule {
  if (api === undefined) api = createRequire(import.meta.url)('@opentelemetry/api') as OtelApiModule;
  return api;
}

/** Whether some copy of the OpenTelemetry API registered a tracer provider, context manager or propagator. */
export function otelGlobalRegistered(): boolean {
  return (globalThis as Record<symbol, unknown>)[GLOBAL_KEY] !== undefined;
}

/**
 * The API when it is loaded or when the application's OpenTelemetry registered its globals (then it is loaded
 * now); undefined otherwise. A field read once loaded; one global property read per call until then.
 */
export function loadedOtelApi(): OtelApiModule | undefined {
  if (api === undefined && otelGlobalRegistered()) return otelApi();
  return api;
}
