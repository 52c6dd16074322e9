// One benchmark server: `node server.mjs <express|fastify> <variant> [zipkinUrl]`; prints its port, then serves
// until it gets "stop" on stdin, when it prints its RSS in bytes and exits.
//   bare       no nodemeter
//   metrics    runtime + HTTP metrics, tracing off
//   traces10   metrics + traces sampled at 10% (Spring's default), exported to the Zipkin-compatible sink
//   traces100  metrics + traces sampled at 100%
//   logs10     traces10 + one log line per request, shipped to the sink's Loki push endpoint
//   binders    runtime binders only; http: HTTP server metrics only (to tell the two costs apart)
import { createRequire } from 'node:module';

const [framework, variantArg, zipkin] = process.argv.slice(2);
// `<variant>-before`: the same variant on an earlier build (NM_BEFORE: its dist/index.js), in the same rounds.
const before = variantArg.endsWith('-before');
const variant = before ? variantArg.slice(0, -'-before'.length) : variantArg;
// NM_AFTER: a private build to measure (the shared dist/ may be rebuilt by others while a run goes on).
const entry = before ? process.env.NM_BEFORE : (process.env.NM_AFTER ?? 'nodemeter');
const require = createRequire(import.meta.url);
let nm;
if (variant !== 'bare') {
  const { instrument } = await import(entry);
  const tracing = variant.startsWith('traces') || variant === 'logs10'
    ? { samplingProbability: variant === 'traces100' ? 1 : 0.1, zipkin: { endpoint: `${zipkin}/api/v2/spans` } }
    : { enabled: false };
  // Diagnostic variants: `binders` (runtime metrics only, no HTTP observation), `http` (HTTP metrics only).
  const options = { serviceName: 'bench', diagLevel: 'error', tracing };
  if (variant === 'logs10') options.logging = { console: false, flushOnSignals: false, loki: { url: `${zipkin}/loki/api/v1/push` } };
  if (variant === 'binders') options.http = { server: { enabled: false }, client: { enabled: false } };
  if (variant === 'http') options.metrics = { binders: Object.fromEntries((await import(entry)).BINDER_NAMES.map((b) => [b, false])) };
  nm = instrument(options);
}

const log = variant === 'logs10';
let port;
if (framework === 'express') {
  const express = require('express');
  const app = express();
  if (nm) app.use(nm.express());
  app.get('/orders/:id', (req, res) => {
    if (log) nm.logger.info({ orderId: req.params.id }, 'order read');
    res.json({ id: req.params.id, status: 'PAID' });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = server.address().port;
} else {
  const Fastify = require('fastify');
  const app = Fastify();
  if (nm) await app.register(nm.fastify);
  app.get('/orders/:id', async (req) => {
    if (log) nm.logger.info({ orderId: req.params.id }, 'order read');
    return { id: req.params.id, status: 'PAID' };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = app.server.address().port;
}
// CPU of the server from here on, so start-up is not counted: cpu µs per request is the figure a busy machine
// disturbs least (throughput also depends on how much of the core the server got).
const cpuAtListen = process.cpuUsage();
process.stdout.write(`${port}\n`);
process.stdin.on('data', async (d) => {
  if (String(d).includes('stop')) {
    const cpu = process.cpuUsage(cpuAtListen);
    process.stdout.write(`${process.memoryUsage.rss()}\n${cpu.user + cpu.system}\n`);
    process.exit(0);
  }
});
