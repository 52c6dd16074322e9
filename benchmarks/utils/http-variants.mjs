// The HTTP benchmark's variants, shared by the runner (which starts each server process with the variant's
// environment and node flags, the way a user configures a service) and the server (which applies the same
// environment itself when it is started without it, e.g. by the profiler).
//
// nodemeter is configured through Spring's and OpenTelemetry's variables (MANAGEMENT_*, NODEMETER_*), as a service
// in a Spring fleet is; the OpenTelemetry peer through OTEL_* with `--require …/register`, as its README shows.
// `sink` is the base URL of the Zipkin/Loki sink.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** nodemeter's zero-code entry (`nodemeter/register`) of the build measured: beside NM_AFTER's index.js, else dist/. */
export const NM_REGISTER = process.env.NM_AFTER
  ? resolve(process.env.NM_AFTER, '..', 'register.js')
  : fileURLToPath(new URL('../../dist/register.js', import.meta.url));

const RESOURCE = 'env,host,os,process,serviceinstance'; // no cloud detectors: they would call metadata endpoints
const otel = (sink, sampler) => ({
  OTEL_SERVICE_NAME: 'bench',
  OTEL_TRACES_EXPORTER: 'zipkin',
  OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${sink}/api/v2/spans`,
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
  OTEL_NODE_RESOURCE_DETECTORS: RESOURCE,
  ...sampler,
});
const RATIO_10 = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' };
const ALWAYS = { OTEL_TRACES_SAMPLER: 'parentbased_always_on' };
const nmTracing = (sink, probability) => ({
  MANAGEMENT_ZIPKIN_TRACING_ENDPOINT: `${sink}/api/v2/spans`,
  ...(probability === undefined ? {} : { MANAGEMENT_TRACING_SAMPLING_PROBABILITY: String(probability) }),
});
const nmLoki = (sink) => ({ NODEMETER_LOKI_URL: `${sink}/loki/api/v1/push`, NODEMETER_LOGGING_CONSOLE: 'false' });
export const OTEL_REGISTER = '@opentelemetry/auto-instrumentations-node/register';

/**
 * name → { label, labels (per framework, where they differ), kind ('bare' | 'peer' | 'nodemeter'), env(sink), nodeArgs, log ('nodemeter' | 'pino-loki'),
 * spansExpected (per request, undefined: not counted against), goal (ratio to bare, issue 15) }.
 */
export const HTTP_VARIANTS = {
  bare: { label: 'bare (no instrumentation)', kind: 'bare', env: () => ({}) },
  'peer-metrics': {
    label: 'peer metrics: prom-client (express-prom-bundle / a Fastify onResponse Histogram) + default metrics',
    labels: {
      express: 'peer metrics: express-prom-bundle (prom-client) + default metrics',
      fastify: 'peer metrics: a prom-client Histogram in an onResponse hook + default metrics',
    },
    kind: 'peer',
    env: () => ({}),
  },
  'otel10': {
    label: 'peer tracing: OpenTelemetry auto-instrumentation, Zipkin, parentbased_traceidratio 0.1',
    kind: 'peer',
    env: (sink) => otel(sink, RATIO_10),
    nodeArgs: ['--require', OTEL_REGISTER],
  },
  'otel100': {
    label: 'peer tracing: OpenTelemetry auto-instrumentation, Zipkin, 100% (parentbased_always_on)',
    kind: 'peer',
    env: (sink) => otel(sink, ALWAYS),
    nodeArgs: ['--require', OTEL_REGISTER],
  },
  'otel-all3': {
    label: 'peer all three: OpenTelemetry 100% + plain pino → pino-loki transport, one line per request',
    kind: 'peer',
    env: (sink) => otel(sink, ALWAYS),
    nodeArgs: ['--require', OTEL_REGISTER],
    log: 'pino-loki',
  },
  metrics: {
    label: 'nodemeter metrics only (MANAGEMENT_TRACING_ENABLED=false)',
    kind: 'nodemeter',
    env: () => ({ MANAGEMENT_TRACING_ENABLED: 'false' }),
    goal: 0.95,
  },
  traces10: {
    label: 'nodemeter defaults: metrics + tracing on, 10% sampled (Spring\'s default), Zipkin',
    kind: 'nodemeter',
    env: (sink) => nmTracing(sink),
    spansExpected: '≈ 0.1',
    goal: 0.92,
    headline: true,
  },
  traces100: {
    label: 'nodemeter, tracing 100% (MANAGEMENT_TRACING_SAMPLING_PROBABILITY=1.0)',
    kind: 'nodemeter',
    env: (sink) => nmTracing(sink, '1.0'),
    spansExpected: 1,
    goal: 0.75,
  },
  zero10: {
    label: 'nodemeter zero-code: node --import nodemeter/register, no code change, tracing 10% (the defaults)',
    kind: 'nodemeter',
    zeroCode: true,
    // The actuator goes to a management port of its own under register (8081 by default): any free one here.
    env: (sink) => ({ NODEMETER_SERVICE_NAME: 'bench', MANAGEMENT_SERVER_PORT: '0', ...nmTracing(sink) }),
    nodeArgs: ['--import', NM_REGISTER],
    spansExpected: '≈ 0.1',
    goal: 0.92,
  },
  logs100: {
    label: 'nodemeter all three: tracing 100% + one nm.logger line per request shipped to Loki (NODEMETER_LOKI_URL)',
    kind: 'nodemeter',
    env: (sink) => ({ ...nmTracing(sink, '1.0'), ...nmLoki(sink) }),
    log: 'nodemeter',
    spansExpected: 1,
    goal: 0.65,
  },
  // Not in the default list: the earlier "logs at 10%" figure, two sampling probabilities below the default, and two
  // diagnostic splits of the metrics cost.
  logs10: {
    label: 'nodemeter, tracing 10% + one nm.logger line per request shipped to Loki',
    kind: 'nodemeter',
    env: (sink) => ({ ...nmTracing(sink), ...nmLoki(sink) }),
    log: 'nodemeter',
  },
  // The cost of tracing by sampling probability (docs/benchmarks.md, "Fourth look"): none sampled, and 1%.
  traces0: {
    label: 'nodemeter, tracing on, nothing sampled (MANAGEMENT_TRACING_SAMPLING_PROBABILITY=0)',
    kind: 'nodemeter',
    env: (sink) => nmTracing(sink, '0.0'),
    spansExpected: 0,
  },
  traces1: {
    label: 'nodemeter, tracing on, 1% sampled',
    kind: 'nodemeter',
    env: (sink) => nmTracing(sink, '0.01'),
    spansExpected: '≈ 0.01',
  },
  // 1% sampled, the spans held in the batch processor until the server stops: no export, so no outgoing HTTP call,
  // during the round (docs/benchmarks.md, "Fourth look").
  traces1held: {
    label: 'nodemeter, tracing on, 1% sampled, spans exported only at stop (diagnostic)',
    kind: 'nodemeter',
    env: (sink) => ({
      ...nmTracing(sink, '0.01'),
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100000',
      OTEL_BSP_MAX_QUEUE_SIZE: '100000',
    }),
    spansExpected: '≈ 0.01',
  },
  // The floor under the all-three goal: the log shipping the issue keeps (plain pino → pino-loki, one line a
  // request), with no tracing and no nodemeter (docs/benchmarks.md, "Thirteenth look").
  'peer-logs': {
    label: 'peer logs only: bare + plain pino → pino-loki transport, one line per request, no tracing (a floor)',
    kind: 'peer',
    env: () => ({}),
    log: 'pino-loki',
  },
  binders: { label: 'nodemeter runtime binders only (no HTTP observation)', kind: 'nodemeter', env: () => ({ MANAGEMENT_TRACING_ENABLED: 'false' }) },
  http: { label: 'nodemeter HTTP server metrics only (no runtime binders)', kind: 'nodemeter', env: () => ({ MANAGEMENT_TRACING_ENABLED: 'false' }) },
};

export const DEFAULT_HTTP_VARIANTS = ['bare', 'peer-metrics', 'otel10', 'otel100', 'metrics', 'traces10', 'zero10', 'traces100', 'logs100', 'otel-all3'];

/**
 * `<name>-before`: the same variant on an earlier build (NM_BEFORE), in the same rounds. `<name>~KEY=VALUE[~…]`: the
 * same variant with more environment for its server (`bare~BENCH_OUTGOING_MS=1000`), as its own row.
 */
export function variantOf(name) {
  const [head, ...assignments] = name.split('~');
  const before = head.endsWith('-before');
  const base = before ? head.slice(0, -'-before'.length) : head;
  const v = HTTP_VARIANTS[base];
  if (!v) throw new Error(`unknown HTTP variant ${name} (known: ${Object.keys(HTTP_VARIANTS).join(', ')}, each also as <name>-before and <name>~KEY=VALUE)`);
  if (assignments.length === 0) return { ...v, name, base, before };
  const extra = Object.fromEntries(assignments.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
  return { ...v, label: `${v.label}, with ${assignments.join(' ')}`, labels: undefined, env: (sink) => ({ ...v.env(sink), ...extra }), name, base, before };
}
