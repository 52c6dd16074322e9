/**
 * The observation lifecycle in one place: observe() for sync, promise and callback work, stop exactly once,
 * the scope active inside, the convention asked once at stop for all handlers, handler state kept apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Diag } from '../../../src/core/diag.js';
import { handlerKey, ObservationContext } from '../../../src/observation/context.js';
import type { ObservationConvention } from '../../../src/observation/convention.js';
import type { NodeCallback, ObservationHandler } from '../../../src/observation/handler.js';
import { createObservationRegistry } from '../../../src/observation/registry.js';

let conventionCalls = 0;
const convention: ObservationConvention<TestContext> = {
  name: 'test',
  lowCardinalityKeyNames: ['outcome'],
  lowCardinalityValues(ctx, out) {
    conventionCalls++;
    out[0] = ctx.error === undefined ? 'ok' : 'failed';
  },
  highCardinality: () => ({}),
  contextualName: () => 'test',
};

class TestContext extends ObservationContext {
  readonly kind = 'internal' as const;
  readonly convention = convention;
}

/** A handler recording the lifecycle, with a scope (a current-observation slot) and its own state. */
function recorder(name: string) {
  const calls: string[] = [];
  const key = handlerKey<string>(`${name}.state`);
  let current: ObservationContext | undefined;
  const handler: ObservationHandler = {
    name,
    supportsContext: () => true,
    onStart: (ctx) => {
      calls.push('start');
      ctx.put(key, `${name} state`);
    },
    onError: (ctx) => calls.push(`error ${String((ctx.error as Error)?.message ?? ctx.error)}`),
    onStop: (ctx, low) => calls.push(`stop ${low.join(',')} ${ctx.get(key)}`),
    inScope<A, T>(ctx: ObservationContext, fn: (arg: A) => T, arg: A): T {
      const before = current;
      current = ctx;
      try {
        return fn(arg);
      } finally {
        current = before;
      }
    },
    inParentScope(_ctx: ObservationContext, fn: NodeCallback, thisArg: unknown, err: unknown, a: unknown, b: unknown) {
      calls.push('parent scope');
      return fn.call(thisArg, err, a, b);
    },
  };
  return { handler, calls, key, current: () => current };
}

function setup() {
  const messages: string[] = [];
  const registry = createObservationRegistry(new Diag('debug', (level, m) => messages.push(`${level} ${m}`)));
  const a = recorder('a');
  const b = recorder('b');
  registry.addHandler(a.handler);
  registry.addHandler(b.handler);
  conventionCalls = 0;
  return { registry, a, b, messages };
}

test('sync work: started, run in scope, stopped once with its result returned', () => {
  const { registry, a } = setup();
  const ctx = new TestContext();
  const result = registry.observe(ctx, (n: number) => {
    assert.equal(a.current(), ctx, 'the observation is current inside');
    assert.equal(ctx.started, true);
    assert.equal(ctx.stopped, false);
    return n * 2;
  }, 21);
  assert.equal(result, 42);
  assert.equal(a.current(), undefined, 'the scope is left afterwards');
  assert.equal(ctx.stopped, true);
  assert.deepEqual(a.calls, ['start', 'stop ok a state']);
});

test('sync throw: the same error is rethrown, recorded, and the observation stopped once', () => {
  const { registry, a } = setup();
  const ctx = new TestContext();
  const boom = new RangeError('boom');
  assert.throws(() => registry.observe(ctx, () => {
    throw boom;
  }), (err) => err === boom);
  assert.equal(ctx.error, boom);
  assert.deepEqual(a.calls, ['start', 'error boom', 'stop failed a state']);
  registry.stop(ctx);
  registry.stop(ctx, new Error('late'));
  assert.deepEqual(a.calls, ['start', 'error boom', 'stop failed a state'], 'a second stop changes nothing');
});

test('promise work: stopped when it resolves, not before; the value passes through', async () => {
  const { registry, a } = setup();
  const ctx = new TestContext();
  let release!: (v: string) => void;
  const pending = registry.observe(ctx, () => new Promise<string>((resolve) => (release = resolve)));
  assert.equal(ctx.stopped, false, 'still running');
  release('done');
  assert.equal(await pending, 'done');
  assert.equal(ctx.stopped, true);
  assert.deepEqual(a.calls, ['start', 'stop ok a state']);
});

test('promise rejection: the same reason reaches the caller, recorded once', async () => {
  const { registry, a } = setup();
  const ctx = new TestContext();
  const boom = new TypeError('rejected');
  await assert.rejects(registry.observe(ctx, async () => {
    throw boom;
  }), (err) => err === boom);
  assert.equal(ctx.error, boom);
  assert.deepEqual(a.calls, ['start', 'error rejected', 'stop failed a state']);
});

test('the scope is active in the async continuation of observed work', async () => {
  const { registry, a } = setup();
  const ctx = new TestContext();
  await registry.observe(ctx, async () => {
    assert.equal(a.current(), ctx, 'synchronously inside');
  });
});

test('callback work: the callback stops the observation with its error, then runs in the parent scope', () => {
  const { registry, a } = setup();
  const ok = new TestContext();
  registry.start(ok);
  const seen: unknown[] = [];
  const cb = registry.callback(ok, function (this: unknown, err: unknown, rows?: unknown) {
    seen.push(this, err, rows, ok.stopped);
  });
  cb.call('driver', null, ['row']);
  assert.deepEqual(seen, ['driver', null, ['row'], true], 'this and arguments passed on; stopped before the callback');
  assert.deepEqual(a.calls, ['start', 'stop ok a state', 'parent scope']);
  const failed = new TestContext();
  registry.start(failed);
  registry.callback(failed, (_err: unknown) => undefined)(new Error('query failed'));
  assert.equal((failed.error as Error).message, 'query failed');
  assert.equal(failed.stopped, true);
});

test('event-driven work: start, then stop with the error when the end event comes; stopWhenSettled for a result', async () => {
  const { registry, a } = setup();
  const ctx = new TestContext();
  registry.start(ctx);
  registry.start(ctx);
  registry.stop(ctx, new Error('aborted'));
  assert.deepEqual(a.calls, ['start', 'error aborted', 'stop failed a state'], 'a second start is ignored');
  const later = new TestContext();
  registry.start(later);
  const value = await registry.stopWhenSettled(later, Promise.resolve(7));
  assert.equal(value, 7);
  assert.equal(later.stopped, true);
  const now = new TestContext();
  registry.start(now);
  assert.equal(registry.stopWhenSettled(now, 'plain'), 'plain');
  assert.equal(now.stopped, true);
});

test('the convention is asked once at stop, and every handler gets the same values', () => {
  const { registry, a, b } = setup();
  registry.observe(new TestContext(), () => undefined);
  assert.equal(conventionCalls, 1, 'one call for two handlers');
  assert.deepEqual(a.calls.at(-1), 'stop ok a state');
  assert.deepEqual(b.calls.at(-1), 'stop ok b state');
});

test('handler state: each handler reads back its own value, never another\'s; more keys than fast slots work', () => {
  const { registry, a, b } = setup();
  const ctx = new TestContext();
  registry.observe(ctx, () => undefined);
  assert.equal(ctx.get(a.key), 'a state');
  assert.equal(ctx.get(b.key), 'b state');
  const many = Array.from({ length: 10 }, (_, i) => handlerKey<number>(`k${i}`));
  many.forEach((k, i) => ctx.put(k, i));
  many.forEach((k, i) => assert.equal(ctx.get(k), i));
  assert.equal(ctx.get(a.key), 'a state', 'unchanged by other keys');
  assert.equal(new TestContext().get(many[9]!), undefined, 'contexts do not share state');
});

test('with no handlers, observe still runs the work and returns its result', async () => {
  const registry = createObservationRegistry(new Diag('silent'));
  assert.equal(registry.observe(new TestContext(), () => 1), 1);
  assert.equal(await registry.observe(new TestContext(), async () => 2), 2);
});
