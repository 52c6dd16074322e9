// Knobs the HTTP and footprint benchmark servers share, to split what nodemeter's runtime observation costs.

/**
 * `BENCH_BINDERS`: runtime binder names joined by `+` (a comma would split the VARIANTS list), or `none`, as
 * nodemeter's `metrics.binders` (those on, every other off). An unknown name is an error.
 */
export function chosenBinders(spec, names) {
  const on = spec === 'none' || spec === '' ? [] : spec.split('+');
  const unknown = on.filter((b) => !names.includes(b));
  if (unknown.length > 0) {
    throw new Error(`BENCH_BINDERS: unknown binder ${unknown.join(', ')} (known: ${names.join(', ')}, or none)`);
  }
  return Object.fromEntries(names.map((b) => [b, on.includes(b)]));
}

/**
 * `BENCH_GC_OBSERVER=1`: an empty observer of perf_hooks 'gc' entries, in any variant (bare included): what observing
 * GC costs by itself (docs/benchmarks.md, "Ninth look").
 */
export async function observeGcIfAsked() {
  if (process.env.BENCH_GC_OBSERVER !== '1') return;
  const { PerformanceObserver } = await import('node:perf_hooks');
  new PerformanceObserver(() => {}).observe({ entryTypes: ['gc'] });
}

/**
 * `BENCH_PRELOAD`: package names joined by `+`, required (as nodemeter's tracing requires the OpenTelemetry SDK)
 * before the framework in any variant, bare included, and kept referenced: what loading them costs a server by
 * itself, without a tracer (docs/benchmarks.md, "Thirteenth look").
 */
export async function preloadIfAsked() {
  const spec = process.env.BENCH_PRELOAD;
  if (spec === undefined || spec === '') return;
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  globalThis.__benchPreloaded = spec.split('+').map((m) => require(m));
}
