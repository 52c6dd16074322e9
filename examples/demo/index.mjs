// `npm run demo`: an order service instrumented with nodemeter starts, receives some traffic, and prints what a
// person would look at: where the endpoints are, the series a Prometheus scrape sees, one request's trace as a span
// tree and that trace's log lines. Needs no backend at all: spans and log lines go to a small Zipkin- and
// Loki-compatible receiver inside the demo (or to your own: NODEMETER_ZIPKIN_ENDPOINT, NODEMETER_LOKI_URL).
// Keeps serving, with a little traffic, until Ctrl-C (DEMO_EXIT=1: exit after printing).
//
//   PORT=8080 MANAGEMENT_PORT=8081 npm run demo      fixed ports, e.g. for a real Prometheus
import express from 'express';
import { trace } from '@opentelemetry/api';
import { instrument } from 'nodemeter';
import { startReceiver } from './receiver.mjs';

// The embedded receiver, unless the environment names real backends.
const receiver = await startReceiver();
process.env.NODEMETER_ZIPKIN_ENDPOINT ??= `${receiver.url}/api/v2/spans`;
process.env.NODEMETER_LOKI_URL ??= `${receiver.url}/loki/api/v1/push`;
process.env.NODEMETER_LOKI_BATCH_INTERVAL_MS ??= '200';

const nm = instrument({
  serviceName: process.env.NODEMETER_SERVICE_NAME ?? 'order-service',
  commonTags: { env: 'demo' },
  // Latency histograms for http_server_requests_seconds, as Spring's percentiles-histogram setting.
  metrics: { distribution: { percentilesHistogram: { 'http.server.requests': true } } },
  management: process.env.MANAGEMENT_PORT ? { port: Number(process.env.MANAGEMENT_PORT) } : undefined,
  // Every request traced (Spring's default is 0.1), spans sent every 200 ms: the demo shows one at once.
  tracing: { samplingProbability: 1, export: { scheduledDelayMs: 200 } },
});

const app = express();
app.use(nm.express());
const orders = nm.registry.counter('orders.placed', { description: 'Orders placed', labelNames: ['channel'] });
app.post('/orders', (_req, res) => {
  orders.inc({ channel: 'web' });
  res.status(201).json({ id: Math.floor(Math.random() * 1e6) });
});
app.get('/orders/:id', (req, res) => res.json({ id: req.params.id, status: 'PAID' }));
// One order with a downstream call (traced fetch to our own GET) and log lines: the trace the demo prints.
app.post('/checkout', async (req, res) => {
  nm.logger.info('checkout started');
  const order = await (await fetch(`${base}/orders/42`)).json();
  nm.logger.info({ orderId: order.id }, 'checkout done');
  res.json({ ...order, traceId: trace.getActiveSpan()?.spanContext().traceId });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const management = await nm.managementAddress();
const actuator = management ? `http://127.0.0.1:${management.port}/actuator` : `${base}/actuator`;

// Some traffic, and some garbage so the GC series have something to say.
for (let i = 0; i < 50; i++) {
  await fetch(`${base}/orders`, { method: 'POST' });
  await fetch(`${base}/orders/${i}`);
  Array.from({ length: 20_000 }, (_, j) => ({ j }));
}

const scrape = await (await fetch(`${actuator}/prometheus`)).text();
const lines = scrape.split('\n').filter((l) => l && !l.startsWith('#'));
const families = new Set(lines.map((l) => l.replace(/[{ ].*/, '')));
const pick = [
  'process_cpu_usage', 'process_uptime_seconds', 'system_cpu_count', 'jvm_memory_used_bytes', 'jvm_gc_pause_seconds_count',
  'jvm_gc_pause_seconds_max', 'jvm_threads_live_threads', 'jvm_info', 'application_ready_time_seconds',
  'nodejs_eventloop_lag_p99_seconds', 'orders_placed_total', 'http_server_requests_seconds_count',
  'http_server_requests_seconds_max',
];

console.log(`
nodemeter demo: service "${nm.serviceName}" (${process.version})

  application        ${base}/orders/42
  actuator           ${actuator}
  health             ${actuator}/health
  prometheus scrape  ${actuator}/prometheus     (${lines.length} series in ${families.size} metrics)

A few of the series, as Prometheus and the Spring dashboards see them:
`);
for (const name of pick) {
  for (const line of lines.filter((l) => l.replace(/[{ ].*/, '') === name).slice(0, 4)) console.log(`  ${line}`);
}
console.log(`\nHealth: ${await (await fetch(`${actuator}/health`)).text()}\n`);

// One trace: POST /checkout, its span tree and its log lines as the receiver got them.
const { traceId } = await (await fetch(`${base}/checkout`, { method: 'POST' })).json();
await nm.tracing?.forceFlush?.();
const spans = await receiver.waitForTrace(traceId, 3, 5000);
if (spans.length > 0) {
  console.log(`One trace (${traceId}), as Zipkin would show it:`);
  for (const line of receiver.spanTree(spans)) console.log(`  ${line}`);
  const lines = await receiver.waitForLogs(traceId, 2, 5000);
  console.log(`\nIts log lines (Loki push${lines.length ? '' : ': none arrived yet'}):`);
  for (const line of lines) console.log(`  ${line}`);
  console.log('');
} else {
  console.log(`Trace ${traceId} went to ${process.env.NODEMETER_ZIPKIN_ENDPOINT}\n`);
}

if (process.env.DEMO_EXIT !== '1') {
  console.log('Running until Ctrl-C, with a little traffic every 100 ms.');
  let n = 0;
  const traffic = setInterval(() => {
    void fetch(`${base}/orders/${n++ % 100}`).catch(() => {});
    if (n % 5 === 0) void fetch(`${base}/orders`, { method: 'POST' }).catch(() => {});
  }, 100);
  const stop = async () => {
    clearInterval(traffic);
    server.close();
    await nm.shutdown();
    receiver.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  server.close();
  await nm.shutdown();
  receiver.close();
}
