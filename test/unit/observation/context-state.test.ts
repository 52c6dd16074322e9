/**
 * A context keeps its lifecycle and handler state in one object (src/observation/context.ts, ContextState), so that
 * contexts of many kinds, each its own class, do not turn the shared code megamorphic. What that must not change:
 * the public fields read and write the same state the registry and handlers use, for contexts of every kind, and
 * handler keys beyond the six fast slots still work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Diag } from '../../../src/core/diag.js';
import { contextState, handlerKey, ObservationContext, type ObservationKind } from '../../../src/observation/context.js';
import type { ObservationConvention } from '../../../src/observation/convention.js';
import { createObservationRegistry } from '../../../src/observation/registry.js';

function convention(name: string): ObservationConvention<ObservationContext> {
  return { name, lowCardinalityKeyNames: [], lowCardinalityValues() {}, highCardinality: () => ({}), contextualName: () => name };
}

/** Six context classes of different kinds and fields, as a service that observes six kinds of things has. */
const KINDS: ObservationKind[] = ['server', 'client', 'producer', 'consumer', 'internal', 'internal'];
const classes = KINDS.map((kind, i) => {
  const c = convention(`kind.${i}`);
  return class extends ObservationContext {
    readonly kind = kind;
    readonly convention = c;
    readonly own = i;
  };
});

test('the public fields and the registry see one state, for contexts of six classes', () => {
  const registry = createObservationRegistry(new Diag('silent'));
  const seen: string[] = [];
  registry.addHandler({
    name: 'recorder',
    supportsContext: () => true,
    onStart: (ctx) => seen.push(`start ${ctx.convention.name} started=${ctx.started} startMs>0=${ctx.startMs > 0}`),
    onStop: (ctx) => seen.push(`stop ${ctx.convention.name} stopped=${ctx.stopped} error=${String(ctx.error)}`),
  });
  const failure = new Error('boom');
  for (let round = 0; round < 3; round++) {
    seen.length = 0;
    classes.forEach((C, i) => {
      const ctx = new C();
      assert.equal(ctx.started, false);
      registry.start(ctx);
      registry.start(ctx); // ignored
      ctx.remoteServiceName = `svc-${i}`;
      assert.equal(contextState(ctx).remoteServiceName, `svc-${i}`, 'the accessor writes the state');
      registry.stop(ctx, i === 3 ? failure : undefined);
      registry.stop(ctx); // ignored
      assert.equal(ctx.stopped, true);
      assert.equal(ctx.error, i === 3 ? failure : undefined);
      assert.equal(ctx.own, i, "the subclass's own fields are its own");
    });
    assert.deepEqual(seen, classes.flatMap((_, i) => [
      `start kind.${i} started=true startMs>0=true`,
      `stop kind.${i} stopped=true error=${i === 3 ? String(failure) : 'undefined'}`,
    ]));
  }
});

test('handler keys past the six fast slots keep their values apart, per context', () => {
  const keys = Array.from({ length: 9 }, (_, i) => handlerKey<number>(`test.key.${i}`));
  const a = new classes[0]!();
  const b = new classes[1]!();
  keys.forEach((k, i) => {
    a.put(k, i);
    b.put(k, 100 + i);
  });
  assert.deepEqual(keys.map((k) => a.get(k)), keys.map((_, i) => i));
  assert.deepEqual(keys.map((k) => b.get(k)), keys.map((_, i) => 100 + i));
  a.put(keys[8]!, undefined);
  assert.equal(a.get(keys[8]!), undefined);
  assert.equal(b.get(keys[8]!), 108);
});
