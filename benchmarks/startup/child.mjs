// One start-up sample, run in a fresh process by run.mjs: what the process costs from its start until the variant's
// work is done. `performance.now()` counts from the process's start, so Node's own bootstrap is in every sample and
// cancels out against the bare variant measured in the same run.
//
//   node benchmarks/startup/child.mjs bare|nodemeter|prom-client|prom-client-lib|otel-api|otel-sdk [entry]
const variant = process.argv[2];

if (variant === 'nodemeter') {
  // The built package (`npm run build`), by name: the repository resolves `nodemeter` to itself. An `entry` (a file
  // URL of another build's dist/index.js) measures that build instead: run.mjs's `--before`.
  const { instrument } = await import(process.argv[3] ?? 'nodemeter');
  instrument({ serviceName: 'startup', diagLevel: 'error' });
} else if (variant === 'prom-client') {
  // prom-client alone, imported the way nodemeter's ESM build imports it, with one registry: the floor of any
  // prom-client based SDK (its entry loads every module of the package, @opentelemetry/api among them).
  const { Registry } = await import('prom-client');
  new Registry();
} else if (variant === 'prom-client-lib') {
  // Only the three prom-client modules nodemeter uses (registry, counter, gauge), by their file paths, as nodemeter's
  // compatibility module loads them (src/metrics/compat/prom-client.ts): its share of nodemeter's start-up.
  const { createRequire } = await import('node:module');
  const req = createRequire(import.meta.url);
  const Registry = req('prom-client/lib/registry');
  req('prom-client/lib/counter');
  req('prom-client/lib/gauge');
  new Registry();
} else if (variant === 'otel-api') {
  // @opentelemetry/api alone, imported as nodemeter's ESM build imports it: what nodemeter loads at start-up for the
  // trace ids of log lines and for its tracing handler, with tracing off too.
  await import('@opentelemetry/api');
} else if (variant === 'otel-sdk') {
  // OpenTelemetry's trace SDK alone, set up the minimal way for Zipkin export: what nodemeter's tracing builds on.
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { ZipkinExporter } = await import('@opentelemetry/exporter-zipkin');
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new ZipkinExporter())] });
  provider.register();
} else if (variant !== 'bare') {
  throw new Error(`unknown variant ${variant}`);
}

const ms = performance.now();
const { rss } = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ ms, rss })}\n`);
// Nothing above may keep the process alive; exit now so no variant pays for shutting down.
process.exit(0);
