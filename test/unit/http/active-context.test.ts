/**
 * The request's span is current inside the handler of every observed node:http server, without a framework
 * integration: in the handler itself, in what it schedules, in body listeners of a request whose body arrives in
 * later chunks, and never in the next request of the same keep-alive connection (on Node 22 the scope entered for
 * one request would otherwise stay on the connection).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http, { type Server } from 'node:http';
import { context, trace, type Context, type Span } from '@opentelemetry/api';
import { instrument, currentTraceContext, type Nodemeter } from '../../../src/index.js';
import { close, listen } from '../../helpers/http.js';
import { reachable } from '../../helpers/reachable.js';

let nm: Nodemeter;
let server: Server;
let base: string;
const seen = new Map<string, { handler?: string; timer?: string; body?: string }>();
/** What a timer or socket created during the request would keep: the request's context, and its span then. */
const kept = new Map<string, { context: Context; span: Span | undefined }>();

before(async () => {
  nm = instrument({
    serviceName: 'active-context',
    diagLevel: 'silent',
    tracing: { samplingProbability: 1, zipkin: { enabled: false } },
  });
  server = http.createServer((req, res) => {
    const key = req.url as string;
    const entry: { handler?: string; timer?: string; body?: string } = { handler: currentTraceContext()?.traceId };
    seen.set(key, entry);
    kept.set(key, { context: context.active(), span: trace.getActiveSpan() });
    let last: string | undefined;
    req.on('data', () => {
      last = currentTraceContext()?.traceId;
    });
    req.on('end', () => {
      entry.body = last;
      setTimeout(() => {
        entry.timer = currentTraceContext()?.traceId;
        res.end('ok');
      }, 1);
    });
  });
  base = await listen(server);
});

after(async () => {
  await close(server);
  await nm.shutdown();
});

const TRACE = '0af7651916cd43dd8448eb211c80319c';

function call(agent: http.Agent, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { agent, method: body ? 'POST' : 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('a plain handler runs with the request span current, continuing the caller', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await call(agent, '/plain', { traceparent: `00-${TRACE}-b7ad6b7169203331-01` });
    assert.deepEqual(seen.get('/plain'), { handler: TRACE, timer: TRACE, body: undefined });
  } finally {
    agent.destroy();
  }
});

test('body chunks read after the handler returned still see the request span', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await call(agent, '/upload', { traceparent: `00-${TRACE}-b7ad6b7169203331-01` }, Buffer.alloc(512 * 1024, 1));
    assert.deepEqual(seen.get('/upload'), { handler: TRACE, timer: TRACE, body: TRACE });
  } finally {
    agent.destroy();
  }
});

test('the next request on the same connection does not inherit the previous request span', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await call(agent, '/first', { traceparent: `00-${TRACE}-b7ad6b7169203331-01` });
    // An actuator path: observed with its own span, or (where it is excluded) in no span at all; never the
    // previous request's (on Node 22 a scope entered on a connection would otherwise stay on it).
    await call(agent, '/actuator/health');
    assert.equal(seen.get('/first')?.handler, TRACE);
    assert.notEqual(seen.get('/actuator/health')?.handler, TRACE);
    assert.notEqual(seen.get('/actuator/health')?.timer, TRACE);
  } finally {
    agent.destroy();
  }
});

test('each request of a keep-alive connection gets its own span', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await call(agent, '/one');
    await call(agent, '/two');
    const one = seen.get('/one');
    const two = seen.get('/two');
    assert.ok(one?.handler && two?.handler, 'both handlers ran in a span');
    assert.notEqual(one.handler, two.handler, 'new root traces, not the previous request');
    assert.equal(one.timer, one.handler);
    assert.equal(two.timer, two.handler);
  } finally {
    agent.destroy();
  }
});

test('a context kept past the response holds the span ids, not the ended span', async () => {
  // Node re-arms a keep-alive socket's idle timer as the response finishes, in the request's context, and keeps
  // that timer until the connection's next request: the kept context must not keep the request's whole span.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await call(agent, '/kept', { traceparent: `00-${TRACE}-b7ad6b7169203331-01` });
    const { context: ctx, span } = kept.get('/kept') ?? assert.fail('the handler ran');
    assert.ok(span !== undefined, 'a sampled span was current in the handler');
    const deadline = Date.now() + 5000;
    while (span.isRecording() && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    assert.equal(span.isRecording(), false, 'the observation stopped');
    const now = trace.getSpan(ctx);
    assert.ok(now !== undefined && now !== span, 'the context answers with another span object');
    assert.deepEqual(now.spanContext(), span.spanContext());
    assert.equal(now.spanContext().traceId, TRACE);
    assert.equal(now.isRecording(), false);
    assert.equal(reachable(ctx).has(span), false, 'the ended span is not reachable from the context');
  } finally {
    agent.destroy();
  }
});
