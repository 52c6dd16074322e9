/**
 * Fuzzed trace headers. 10,000+ generated cases of `traceparent`, `tracestate`, `b3` and `X-B3-*`:
 * - over HTTP to a plain node:http server (fetch for well-formed header syntax; raw bytes through node:net for control
 *   characters, non-UTF-8, repeated and oversized headers);
 * - through the Kafka header getter with the propagation code (Buffers, arrays, undefined, huge, wrong types).
 * Asserted: never a 5xx, never a throw or an unhandled rejection, never an invalid or all-zero id in what reached
 * Zipkin (a fake collector in its own process); a case whose context is valid continues its trace (same trace id,
 * parent = the header's span id), an invalid one starts a new root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { defaultTextMapGetter, ROOT_CONTEXT, trace, type TextMapGetter } from '@opentelemetry/api';
import { instrument } from '../../src/index.js';
import { HEADERS_GETTER } from '../../src/kafka/headers.js';
import { ProduceConsumePropagator } from '../../src/tracing/propagation.js';
import { startFakeBackend } from './helpers/fake-backend.js';
import { close, listen, waitFor } from '../helpers/http.js';
import { untracedFetch } from '../helpers/untraced.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => unhandled.push(e));

// A small deterministic generator, so that a failing case can be reproduced from its index.
let seed = 0x9e3779b9;
function rnd(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[rnd(16)]).join('');
const nonZeroHex = (n: number) => {
  const h = hex(n);
  return /^0+$/.test(h) ? `${h.slice(0, -1)}1` : h;
};

interface Case {
  headers: Record<string, string>;
  /** The trace id and parent span id the server span must have, or undefined: a new root. */
  expect?: { traceId: string; parentId: string };
}

/** Breaks an id so that no propagator may accept it. */
function breakId(id: string): string {
  switch (rnd(7)) {
    case 0: return /[a-f]/.test(id) ? id.toUpperCase() : `${id.slice(0, -1)}A`;
    case 1: return id.slice(1);
    case 2: return `${id}0`;
    case 3: return '0'.repeat(id.length);
    case 4: return `${id.slice(0, -1)}g`;
    case 5: return `${id.slice(0, -1)}-`;
    default: return '';
  }
}

function genCase(): Case {
  const traceId = nonZeroHex(32);
  const spanId = nonZeroHex(16);
  const valid = rnd(2) === 0;
  const breakTrace = !valid && rnd(2) === 0;
  const t = breakTrace ? breakId(traceId) : traceId;
  const s = !valid && !breakTrace ? breakId(spanId) : spanId;
  const junkState = () => pick(['', 'a=b', 'x'.repeat(600), 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE', '=,=,', 'k=\u00e9'.replace(/[^\x20-\x7e]/g, '?')]);
  const expect = valid ? { traceId, parentId: spanId } : undefined;
  switch (rnd(4)) {
    case 0: {
      const h: Record<string, string> = { traceparent: `00-${t}-${s}-01` };
      if (rnd(2) === 0) h.tracestate = junkState();
      if (!valid && rnd(3) === 0) h.traceparent = pick([`ff-${traceId}-${spanId}-01`, `00-${traceId}-${spanId}`, `00_${traceId}_${spanId}_01`, 'garbage', `00-${traceId}-${spanId}-01-extra`.replace('-extra', '.x')]);
      return { headers: h, expect };
    }
    case 1:
      if (!valid && rnd(3) === 0) return { headers: { b3: pick(['-', '0', `${traceId}`, `${traceId}-`, 'x'.repeat(3000), `${traceId}--1`]) } };
      return { headers: { b3: `${t}-${s}-1` }, expect };
    case 2: {
      // 64-bit B3 trace ids are padded to 128 bits on the left.
      const short = rnd(3) === 0;
      const tid = short ? (valid ? traceId.slice(16) : t.slice(16) || t) : t;
      // Brave (and OpenTelemetry) read a B3 multi trace id of up to 32 hex digits, left-padded: a truncated one
      // still continues, under the padded id.
      const padded = tid.padStart(32, '0');
      const ok = /^[0-9a-f]{1,32}$/.test(tid) && !/^0+$/.test(padded) && /^[0-9a-f]{16}$/.test(s) && !/^0+$/.test(s);
      return { headers: { 'x-b3-traceid': tid, 'x-b3-spanid': s, 'x-b3-sampled': '1' }, expect: ok ? { traceId: padded, parentId: s } : undefined };
    }
    default:
      // B3 multi with the ids swapped in case only: Brave rejects, so must we
      if (!valid) return { headers: { 'x-b3-traceid': traceId.toUpperCase() === traceId ? 'Z' + traceId.slice(1) : traceId.toUpperCase(), 'x-b3-spanid': spanId, 'x-b3-sampled': '1' } };
      return { headers: { 'X-B3-TraceId': traceId, 'X-B3-SpanId': spanId, 'X-B3-Sampled': '1' }, expect };
  }
}

const HTTP_CASES = Number(process.env.FUZZ_HTTP_CASES ?? 4_000);
const RAW_CASES = Number(process.env.FUZZ_RAW_CASES ?? 1_000);
const KAFKA_CASES = 12_000;

const ID32 = /^[0-9a-f]{32}$/;
const ID16 = /^[0-9a-f]{16}$/;

test('fuzzed trace headers over HTTP (fetch and raw bytes): no 5xx, valid ids only, valid contexts continue', async () => {
  const zipkin = await startFakeBackend('ok', 0, true);
  const nm = instrument({
    serviceName: 'fuzz-headers',
    diagLevel: 'silent',
    logging: { loki: false },
    tracing: {
      samplingProbability: 1,
      zipkin: { endpoint: `${zipkin.url}/api/v2/spans` },
      export: { maxQueueSize: 50_000, maxExportBatchSize: 2_000, scheduledDelayMs: 100 },
    },
  });
  const app = createServer((_req, res) => res.end('ok'));
  const url = await listen(app);
  const port = Number(new URL(url).port);
  const statuses = new Map<number, number>();
  const cases: Case[] = [];
  try {
    const t0 = performance.now();
    for (let i = 0; i < HTTP_CASES; i += 16) {
      await Promise.all(
        Array.from({ length: Math.min(16, HTTP_CASES - i) }, async (_, k) => {
          const c = genCase();
          cases[i + k] = c;
          const r = await untracedFetch(`${url}/f/${i + k}`, { headers: c.headers });
          await r.text();
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        }),
      );
    }
    const httpMs = performance.now() - t0;

    // Raw bytes: what fetch refuses to send.
    const raw = (bytes: Buffer) =>
      new Promise<number>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        let out = '';
        socket.setTimeout(5_000, () => socket.destroy());
        socket.on('data', (d) => {
          out += d.toString('latin1');
          if (out.includes('\r\n\r\n')) socket.end();
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 0)));
        socket.end(bytes);
      });
    const rawStatuses = new Map<number, number>();
    for (let i = 0; i < RAW_CASES; i += 8) {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          const id = nonZeroHex(32);
          const sid = nonZeroHex(16);
          const value = pick([
            () => Buffer.concat([Buffer.from(`00-${id}-`), randomBytes(16), Buffer.from('-01')]),
            () => Buffer.from(`00-${id}-${sid}-01\u0001`, 'latin1'),
            () => Buffer.from([0xff, 0xfe, 0x80, 0xc3, 0x28]),
            () => Buffer.from('x'.repeat(8_000 + rnd(20_000))),
            () => Buffer.from(`${id}-${sid}-1\t`),
            () => Buffer.concat([Buffer.from(`${id}-`), Buffer.from([0, 1, 2, 0x7f]), Buffer.from(sid)]),
          ])();
          const name = pick(['traceparent', 'tracestate', 'b3', 'X-B3-TraceId', 'X-B3-SpanId', 'X-B3-Sampled']);
          const repeat = rnd(3) === 0 ? `${name}: 00-${id}-${sid}-01\r\n` : '';
          const head = Buffer.concat([
            Buffer.from(`GET /raw HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${repeat}${name}: `),
            value,
            Buffer.from('\r\n\r\n'),
          ]);
          const status = await raw(head);
          rawStatuses.set(status, (rawStatuses.get(status) ?? 0) + 1);
        }),
      );
    }

    await nm.tracing!.forceFlush();
    let last: Awaited<ReturnType<typeof zipkin.dump>> = [];
    const spans = await waitFor('all server spans at the collector', async () => {
      last = await zipkin.dump();
      return last.filter((s) => s[3]?.includes('/f/')).length >= HTTP_CASES ? last : undefined;
    }, 30_000, 250).catch(async (e: Error) => {
      const counters = (await nm.scrape()).split('\n').filter((l) => l.startsWith('nodemeter_spans'));
      const got = new Set(last.map((x) => /\/f\/(\d+)$/.exec(x[3] ?? '')?.[1]));
      const missing = cases.map((c, i) => [i, c] as const).filter(([i]) => !got.has(String(i))).slice(0, 3);
      throw new Error(`${e.message}; received ${last.length}, missing e.g. ${JSON.stringify(missing)}; ${counters.join(' ')}`);
    });

    let continued = 0, roots = 0;
    const bad: string[] = [];
    for (const [traceId, id, parentId] of spans) {
      if (!ID32.test(traceId) || /^0+$/.test(traceId)) bad.push(`trace ${traceId}`);
      if (!ID16.test(id) || /^0+$/.test(id)) bad.push(`span ${id}`);
      if (parentId !== null && (!ID16.test(parentId) || /^0+$/.test(parentId))) bad.push(`parent ${parentId}`);
    }
    const mismatch: string[] = [];
    for (const [traceId, , parentId, httpUrl] of spans) {
      const m = /\/f\/(\d+)$/.exec(httpUrl ?? '');
      if (!m) continue;
      const c = cases[Number(m[1])]!;
      if (c.expect) {
        continued++;
        if (traceId !== c.expect.traceId || parentId !== c.expect.parentId) mismatch.push(`${m[1]} ${JSON.stringify(c.headers)} → ${traceId}/${parentId}`);
      } else {
        roots++;
        if (parentId !== null) mismatch.push(`${m[1]} ${JSON.stringify(c.headers).slice(0, 200)} continued as ${traceId}/${parentId}`);
      }
    }
    console.log(
      `fuzz http: ${HTTP_CASES} fetch cases in ${httpMs.toFixed(0)} ms, statuses ${JSON.stringify([...statuses])}; ` +
        `raw: ${RAW_CASES} cases, statuses ${JSON.stringify([...rawStatuses])} (400: Node's parser refused the bytes; 431: headers too large); ` +
        `spans at the collector ${spans.length}, continued ${continued}, new roots ${roots}, invalid ids ${bad.length}, mismatches ${mismatch.length}`,
    );
    assert.deepEqual([...statuses.keys()], [200]);
    for (const status of rawStatuses.keys()) assert.ok(status === 200 || status === 400 || status === 431, `raw status ${status}`);
    assert.deepEqual(bad.slice(0, 5), []);
    assert.deepEqual(mismatch.slice(0, 5), []);
    assert.equal(continued + roots, HTTP_CASES);
    assert.ok(continued > HTTP_CASES / 3 && roots > HTTP_CASES / 3, 'both kinds of case are generated');
    assert.deepEqual(unhandled, []);
  } finally {
    await close(app);
    await nm.shutdown();
    await zipkin.stop();
  }
});

test('fuzzed Kafka headers through the Kafka getter and the propagator: no throw, valid or no context', () => {
  const p = new ProduceConsumePropagator(['w3c'], ['w3c', 'b3', 'b3multi']);
  const getter = HEADERS_GETTER as unknown as TextMapGetter<unknown>;
  let continued = 0, roots = 0, checked = 0;
  const wrong: unknown[] = [undefined, null, 42, true, {}, [], () => 1, Symbol('s'), 12n, new Date(0), [undefined], [Buffer.alloc(0)]];
  const t0 = performance.now();
  for (let i = 0; i < KAFKA_CASES; i++) {
    const c = genCase();
    const headers: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.headers)) {
      const form = rnd(4);
      headers[k] = form === 0 ? v : form === 1 ? Buffer.from(v) : form === 2 ? [Buffer.from('junk'), Buffer.from(v)] : v;
    }
    let expect = c.expect;
    switch (rnd(6)) {
      case 0: headers[pick(Object.keys(headers))] = pick(wrong); expect = undefined; break;
      case 1: headers[`x-${rnd(1000)}`] = Buffer.alloc(rnd(2) === 0 ? 1 << 20 : 3, 0xff); break;
      case 2: headers[pick(Object.keys(headers))] = randomBytes(rnd(64)); expect = undefined; break;
      default: break;
    }
    const carrier = rnd(50) === 0 ? pick([undefined, null, 'str', 7]) : headers;
    if (carrier !== headers) expect = undefined;
    let ctx;
    assert.doesNotThrow(() => {
      ctx = p.extract(ROOT_CONTEXT, carrier, getter);
    });
    const sc = trace.getSpanContext(ctx!);
    if (sc !== undefined) {
      assert.match(sc.traceId, ID32);
      assert.match(sc.spanId, ID16);
      assert.ok(!/^0+$/.test(sc.traceId) && !/^0+$/.test(sc.spanId));
    }
    // A header replaced by a wrong type or random bytes may still leave another valid header: only check the
    // cases whose outcome is known.
    if (expect !== undefined) {
      checked++;
      assert.equal(sc?.traceId, expect.traceId, JSON.stringify(c.headers));
      assert.equal(sc?.spanId, expect.parentId);
      continued++;
    } else if (sc === undefined) roots++;
  }
  // The same check through the default getter on plain objects (as a framework's headers object).
  assert.equal(trace.getSpanContext(p.extract(ROOT_CONTEXT, { traceparent: 'x' }, defaultTextMapGetter)), undefined);
  console.log(`fuzz kafka: ${KAFKA_CASES} cases in ${(performance.now() - t0).toFixed(0)} ms; checked ${checked}, continued ${continued}, no context ${roots}`);
  assert.ok(checked > KAFKA_CASES / 4);
});
