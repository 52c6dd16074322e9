// One benchmark server: `node server.mjs <express|fastify> <variant> [sinkUrl]`; prints its port, then serves
// GET /orders/:id until it reads "stop" on stdin (or stdin ends). On stop it prints its RSS in bytes, its CPU µs
// since listening and the requests it served (one line each, in that order), then flushes its telemetry (spans,
// log lines) to the sink and exits. The variants are in ../utils/http-variants.mjs; the runner starts this process
// with the variant's environment and node flags, and when they are missing (a profiler starting it directly) the
// server applies the same environment itself before anything reads it.
import { createRequire } from 'node:module';
import { chosenBinders, observeGcIfAsked, preloadIfAsked } from '../utils/server-knobs.mjs';
import { variantOf, OTEL_REGISTER, NM_REGISTER } from '../utils/http-variants.mjs';

const [framework, variantArg, sink = 'http://127.0.0.1:9'] = process.argv.slice(2);
const variant = variantOf(variantArg);
const require = createRequire(import.meta.url);
for (const [k, v] of Object.entries(variant.env(sink))) process.env[k] ??= v;
// The OpenTelemetry peer is preloaded by the runner (`--require …/register`); started without it, load it here,
// before the framework is required, which is all its require hooks need.
if (variant.nodeArgs?.includes(OTEL_REGISTER) && !globalThis[Symbol.for('opentelemetry.js.api.1')]) require(OTEL_REGISTER);
// The same for nodemeter's zero-code variant: its register entry before the framework is required.
if (variant.zeroCode && !process.execArgv.includes(NM_REGISTER)) await import(NM_REGISTER);

await observeGcIfAsked();
await preloadIfAsked();

let nm;
let flush = async () => {};
if (variant.kind === 'nodemeter') {
  // NM_AFTER: a private build to measure (the shared dist/ may be rebuilt by others while a run goes on);
  // NM_BEFORE for `<variant>-before`.
  const entry = variant.before ? process.env.NM_BEFORE : (process.env.NM_AFTER ?? 'nodemeter');
  const nodemeter = await import(entry);
  const options = variant.zeroCode ? undefined : { serviceName: 'bench', diagLevel: 'error' };
  // Diagnostic variants: `binders` (runtime metrics only, no HTTP observation), `http` (HTTP metrics only).
  if (variant.base === 'binders') options.http = { server: { enabled: false }, client: { enabled: false } };
  // BENCH_BINDERS=<binder>+<binder>… or `none`: only those runtime binders, to split what they cost (not for the
  // zero-code variant, which takes no options).
  if (process.env.BENCH_BINDERS !== undefined && options !== undefined) {
    options.metrics = { binders: chosenBinders(process.env.BENCH_BINDERS, nodemeter.BINDER_NAMES) };
  }
  if (variant.base === 'http') options.metrics = { binders: Object.fromEntries(nodemeter.BINDER_NAMES.map((b) => [b, false])) };
  // Zero-code: register instrumented the process from the environment; instrument() without options gives its
  // handle (for the flush at stop), and the application adds no middleware or plugin.
  nm = variant.zeroCode ? nodemeter.instrument() : nodemeter.instrument(options);
  flush = () => nm.shutdown();
} else if (variant.nodeArgs?.includes(OTEL_REGISTER)) {
  // The SDK's provider behind the API's proxy: forceFlush sends what the batch processor still holds.
  flush = async () => {
    const { trace } = require('@opentelemetry/api');
    await trace.getTracerProvider().getDelegate?.().forceFlush?.();
  };
}

// The line logged per request, by the variants that ship logs.
let logLine;
if (variant.log === 'nodemeter') {
  logLine = (id) => nm.logger.info({ orderId: id }, 'order read');
} else if (variant.log === 'pino-loki') {
  // Plain pino with pino-loki as a transport (a worker thread), as pino-loki's README shows; batches every second,
  // like nodemeter's default interval.
  const pino = require('pino');
  const transport = pino.transport({ target: 'pino-loki', options: { host: sink, batching: { interval: 1 }, labels: { app: 'bench' } } });
  const logger = pino(transport);
  logLine = (id) => logger.info({ orderId: id }, 'order read');
  const previous = flush;
  flush = async () => {
    await previous();
    logger.flush();
    // Ending the stream closes the worker's source: pino-loki pushes what its batch holds, then the worker exits.
    await new Promise((resolve) => {
      transport.once('close', resolve);
      transport.end();
    });
  };
}

let served = 0;
let port;
let close;

// BENCH_WORK_US: every request busy-waits that many microseconds in its handler (a clock loop: no allocation, no
// memory traffic), for any variant, bare included. It calibrates the harness: what a known amount of extra work per
// request costs in req/s and server CPU, against which an instrumentation's cost can be read (docs/benchmarks.md,
// "Eighth look"). Off by default.
const workMs = Number(process.env.BENCH_WORK_US ?? 0) / 1000;
const work =
  workMs > 0
    ? () => {
        const until = performance.now() + workMs;
        while (performance.now() < until);
      }
    : () => {};
if (framework === 'express') {
  const express = require('express');
  const app = express();
  if (nm && !variant.zeroCode) app.use(nm.express());
  if (variant.base === 'peer-metrics') {
    // express-prom-bundle as its README shows it, with prom-client's default metrics (nodemeter has runtime meters).
    const promBundle = require('express-prom-bundle');
    app.use(promBundle({ includeMethod: true, includePath: true, promClient: { collectDefaultMetrics: {} } }));
  }
  app.get('/orders/:id', (req, res) => {
    served++;
    work();
    if (logLine) logLine(req.params.id);
    res.json({ id: req.params.id, status: 'PAID' });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = server.address().port;
  close = () => server.close();
} else if (framework === 'fastify') {
  const Fastify = require('fastify');
  const app = Fastify();
  if (nm && !variant.zeroCode) await app.register(nm.fastify);
  if (variant.base === 'peer-metrics') {
    // A prom-client Histogram timed from onRequest to onResponse, labelled by method, route and status code, with
    // the default metrics and a /metrics route: what fastify-metrics does (its current major is built on a fork of
    // prom-client, so the hook is written out here).
    const client = require('prom-client');
    client.collectDefaultMetrics();
    const histogram = new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'request duration in seconds',
      labelNames: ['method', 'route', 'status_code'],
    });
    const timers = new WeakMap();
    app.addHook('onRequest', (req, _reply, done) => {
      timers.set(req, histogram.startTimer());
      done();
    });
    app.addHook('onResponse', (req, reply, done) => {
      timers.get(req)?.({ method: req.method, route: req.routeOptions.url ?? '__unknown__', status_code: reply.statusCode });
      done();
    });
    app.get('/metrics', async (_req, reply) => reply.type(client.register.contentType).send(await client.register.metrics()));
  }
  app.get('/orders/:id', async (req) => {
    served++;
    work();
    if (logLine) logLine(req.params.id);
    return { id: req.params.id, status: 'PAID' };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = app.server.address().port;
  close = () => app.close();
} else {
  throw new Error(`unknown framework ${framework} (express or fastify)`);
}
// BENCH_OUTGOING_MS: one outgoing call every that many ms (to the sink's /downstream), as a service that calls
// another does. Node's http code is shared by server responses and client requests (OutgoingMessage): a process that
// has made one outgoing call serves its own requests more slowly, instrumented or not, and an exporting variant
// makes such calls of its own (docs/benchmarks.md, "Fourth look" and "Seventh look"). BENCH_OUTGOING_KIND says how:
// `http` (http.get, the default), `fetch`, or `net` (a TCP connection writing the request's bytes, no HTTP client).
// Off by default.
if (process.env.BENCH_OUTGOING_MS) {
  const kind = process.env.BENCH_OUTGOING_KIND ?? 'http';
  const { get } = require('node:http');
  const { connect } = require('node:net');
  const target = new URL(sink);
  const call = {
    http: () => get(`${sink}/downstream`, (res) => res.resume()).on('error', () => {}),
    fetch: () => fetch(`${sink}/downstream`).then((res) => res.arrayBuffer()).catch(() => {}),
    net: () => {
      const socket = connect(Number(target.port), target.hostname, () =>
        socket.end(`GET /downstream HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`),
      );
      socket.on('data', () => {}).on('error', () => {});
    },
  }[kind];
  if (call === undefined) throw new Error(`BENCH_OUTGOING_KIND must be http, fetch or net, not ${kind}`);
  setInterval(call, Number(process.env.BENCH_OUTGOING_MS)).unref();
}
// CPU of the server from here on, so start-up is not counted: cpu µs per request is the figure a busy machine
// disturbs least (throughput also depends on how much of the core the server got). process.cpuUsage() counts every
// thread of the process, the log shipping workers included.
const cpuAtListen = process.cpuUsage();
process.stdout.write(`${port}\n`);
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const cpu = process.cpuUsage(cpuAtListen);
  process.stdout.write(`${process.memoryUsage.rss()}\n${cpu.user + cpu.system}\n${served}\n`);
  // A flush that hangs must not keep the run waiting: whatever has not arrived by then counts as lost.
  setTimeout(() => process.exit(3), 20_000).unref();
  try {
    await close();
    await flush();
  } catch (e) {
    process.stderr.write(`flush failed: ${e?.stack ?? e}\n`);
  }
  process.exit(0);
}
process.stdin.on('data', (d) => String(d).includes('stop') && stop());
process.stdin.on('end', stop);
