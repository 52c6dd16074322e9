import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import * as core from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import { createHeadSampling, lazyTraceparent } from '../../../src/tracing/head-sampler.js';
import { parseCanonicalTraceParent, W3CPropagator } from '../../../src/tracing/w3c-propagator.js';

const otel = new core.W3CTraceContextPropagator();
const ours = new W3CPropagator(core, trace);

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';

/** What each propagator extracts from the headers: the span context (traceState serialised), or undefined. */
function both(headers: Record<string, string | string[]>): [unknown, unknown] {
  const read = (p: { extract: typeof otel.extract }) => {
    const sc = trace.getSpanContext(p.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
    return sc === undefined ? undefined : { ...sc, traceState: sc.traceState?.serialize() };
  };
  return [read(ours), read(otel)];
}

// A deterministic generator (xorshift), so a failure names a reproducible input.
let seed = 0x9e3779b9;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
}
const HEX = '0123456789abcdef';
const hex = (n: number) => Array.from({ length: n }, () => HEX[Math.floor(random() * 16)]).join('');
const ODD = ['0', 'f', 'F', 'A', 'g', '-', ' ', '\t', '\n', '\u00a0', 'z', '.', '_', 'é', '\u0661', '\u0131', '\uff10'];

/** A valid header with one character replaced, inserted or removed, or padded with whitespace. */
function mutated(): string {
  const good = `${random() < 0.2 ? 'ff' : random() < 0.5 ? '00' : hex(2)}-${random() < 0.05 ? '0'.repeat(32) : hex(32)}-${
    random() < 0.05 ? '0'.repeat(16) : hex(16)
  }-${hex(2)}`;
  const at = Math.floor(random() * good.length);
  const c = ODD[Math.floor(random() * ODD.length)] as string;
  switch (Math.floor(random() * 6)) {
    case 0:
      return good;
    case 1:
      return good.slice(0, at) + c + good.slice(at + 1);
    case 2:
      return good.slice(0, at) + c + good.slice(at);
    case 3:
      return good.slice(0, at) + good.slice(at + 1);
    case 4:
      return `${random() < 0.5 ? ' ' : ''}${good}${random() < 0.5 ? ' ' : ''}${random() < 0.5 ? `-${hex(4)}` : ''}`;
    default:
      return good.toUpperCase();
  }
}

test('a canonical traceparent is read as OpenTelemetry reads it: ids, flags, remote, tracestate', () => {
  const [mine, theirs] = both({ traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' });
  assert.deepEqual(mine, theirs);
  assert.deepEqual(mine, { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' });
  assert.deepEqual({ ...parseCanonicalTraceParent(`00-${traceId}-${spanId}-09`) }, { isRemote: true, traceId, spanId, traceFlags: 9 });
});

test('the rules of the format: version ff, all-zero ids, upper case, missing dashes, other lengths', () => {
  const rejected = [
    `ff-${traceId}-${spanId}-01`,
    `00-${'0'.repeat(32)}-${spanId}-01`,
    `00-${traceId}-${'0'.repeat(16)}-01`,
    `00-${traceId.toUpperCase()}-${spanId}-01`,
    `00-${traceId}-${spanId}-0G`,
    `00_${traceId}-${spanId}-01`,
    `00-${traceId}-${spanId}-01-extra`, // version 00 has exactly four fields
    `00-${traceId}-${spanId}`,
  ];
  for (const traceparent of rejected) assert.deepEqual(both({ traceparent }), [undefined, undefined], traceparent);
  // A later version may carry more fields; one space around the value is tolerated (OpenTelemetry's parser decides).
  for (const traceparent of [`01-${traceId}-${spanId}-01-extra`, ` 00-${traceId}-${spanId}-01`, `00-${traceId}-${spanId}-01 `]) {
    const [mine, theirs] = both({ traceparent });
    assert.deepEqual(mine, theirs, traceparent);
    assert.equal((mine as { traceId: string }).traceId, traceId);
  }
  // Repeated headers: the first traceparent, tracestates merged.
  assert.deepEqual(...both({ traceparent: [`00-${traceId}-${spanId}-01`, `00-${'a'.repeat(32)}-${spanId}-01`], tracestate: ['a=1', 'b=2'] }));
});

test('20,000 generated and mutated headers: the same answer as OpenTelemetry for each', () => {
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    const traceparent = mutated();
    const [mine, theirs] = both({ traceparent });
    assert.deepEqual(mine, theirs, JSON.stringify(traceparent));
    if (mine !== undefined) accepted++;
  }
  // Both kinds are exercised: a good share accepted, a good share rejected.
  assert.ok(accepted > 2_000 && accepted < 18_000, `accepted ${accepted}`);
});

test('every span context read from a canonical traceparent is one the API finds valid', () => {
  // The head sampler takes these as valid without the API's check (remote-span-context.ts): the parse must be as strict.
  let parsed = 0;
  for (let i = 0; i < 20_000; i++) {
    const sc = parseCanonicalTraceParent(mutated());
    if (sc === null) continue;
    parsed++;
    assert.ok(trace.isSpanContextValid(sc), JSON.stringify(sc));
  }
  assert.ok(parsed > 2_000, `parsed ${parsed}`);
});

/** Injects `sc` (in a context that suppresses tracing, or not) with both propagators; asserts the same headers. */
function injectedAlike(sc: SpanContext, suppressed: boolean): Record<string, string> {
  const context = trace.setSpanContext(suppressed ? core.suppressTracing(ROOT_CONTEXT) : ROOT_CONTEXT, sc);
  const a: Record<string, string> = {};
  const b: Record<string, string> = {};
  ours.inject(context, a, defaultTextMapSetter);
  otel.inject(context, b, defaultTextMapSetter);
  assert.deepEqual(a, b, `${JSON.stringify(sc)} suppressed=${suppressed}`);
  return a;
}

test('injection writes what OpenTelemetry writes, and nothing where it writes nothing', () => {
  const cases: { traceId: string; spanId: string; traceFlags: number; traceState?: core.TraceState }[] = [
    { traceId, spanId, traceFlags: TraceFlags.NONE, traceState: new core.TraceState('k=v,a=b') },
    { traceId, spanId, traceFlags: TraceFlags.SAMPLED },
    { traceId, spanId, traceFlags: 0x10 },
    { traceId: traceId.toUpperCase(), spanId: spanId.toUpperCase(), traceFlags: TraceFlags.SAMPLED },
    { traceId: '0'.repeat(32), spanId, traceFlags: TraceFlags.SAMPLED },
    { traceId, spanId: '0'.repeat(16), traceFlags: TraceFlags.SAMPLED },
    { traceId: traceId.slice(1), spanId, traceFlags: TraceFlags.SAMPLED },
    { traceId, spanId: `${spanId.slice(1)}g`, traceFlags: TraceFlags.SAMPLED },
  ];
  for (const sc of cases) for (const suppressed of [false, true]) injectedAlike(sc, suppressed);
  const written: Record<string, string> = {};
  ours.inject(trace.setSpanContext(ROOT_CONTEXT, cases[0]!), written, defaultTextMapSetter);
  assert.deepEqual(written, { traceparent: `00-${traceId}-${spanId}-00`, tracestate: 'k=v,a=b' });
  const none: Record<string, string> = {};
  ours.inject(ROOT_CONTEXT, none, defaultTextMapSetter);
  assert.deepEqual(none, {});
  assert.deepEqual(ours.fields(), otel.fields());
});

test("nodemeter's own not-sampled span contexts: written directly, the same bytes as OpenTelemetry's injection", () => {
  // Probability 0: every root is a not-sampled context of the head sampler's own kind, as are its children.
  const sampling = createHeadSampling(0, new RandomIdGenerator(), trace.isSpanContextValid);
  const contexts = [];
  for (let i = 0; i < 200; i++) {
    const root = sampling.unsampledRoot()!;
    contexts.push(root);
    contexts.push(sampling.unsampledChild(root.traceId, undefined));
    contexts.push(sampling.unsampledChild(traceId, new core.TraceState(`k=v${i},a=b`)));
    contexts.push(sampling.unsampledRoot()!); // injected before anything reads its ids
  }
  for (const sc of contexts) {
    for (const suppressed of [false, true]) {
      const a = injectedAlike(sc, suppressed);
      assert.equal(Object.keys(a).length, suppressed ? 0 : sc.traceState ? 2 : 1);
      // The direct path, not OpenTelemetry's, wrote it.
      if (!suppressed) assert.equal(lazyTraceparent(sc), a.traceparent);
    }
  }
  assert.equal(lazyTraceparent({ traceId, spanId, traceFlags: TraceFlags.NONE }), undefined);
  // Read back by the extraction: the same ids, not sampled.
  const written: Record<string, string> = {};
  ours.inject(trace.setSpanContext(ROOT_CONTEXT, contexts[2]!), written, defaultTextMapSetter);
  const back = trace.getSpanContext(ours.extract(ROOT_CONTEXT, written, defaultTextMapGetter))!;
  assert.deepEqual(
    { traceId: back.traceId, spanId: back.spanId, traceFlags: back.traceFlags, traceState: back.traceState?.serialize() },
    { traceId, spanId: contexts[2]!.spanId, traceFlags: TraceFlags.NONE, traceState: 'k=v0,a=b' },
  );
});
