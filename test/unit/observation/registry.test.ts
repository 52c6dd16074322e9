import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Diag } from '../../../src/core/diag.js';
import { Warnings } from '../../../src/core/warnings.js';
import { ObservationContext } from '../../../src/observation/context.js';
import type { ObservationConvention } from '../../../src/observation/convention.js';
import type { ObservationHandler } from '../../../src/observation/handler.js';
import { createObservationRegistry } from '../../../src/observation/registry.js';

class TestContext extends ObservationContext {
  readonly kind = 'internal' as const;
  readonly convention = {
    name: 'test',
    lowCardinalityKeyNames: [],
    lowCardinalityValues() {},
    highCardinality: () => ({}),
    contextualName: () => 'test',
  } as ObservationConvention<TestContext>;
}

function setup() {
  const messages: string[] = [];
  const registry = createObservationRegistry(new Diag('debug', (level, m) => messages.push(`${level} ${m}`)));
  return { registry, messages };
}

test('handlers run in order on start and in reverse on stop; stop is idempotent', () => {
  const { registry } = setup();
  const calls: string[] = [];
  for (const name of ['a', 'b']) {
    registry.addHandler({
      name,
      supportsContext: () => true,
      onStart: () => calls.push(`start ${name}`),
      onError: () => calls.push(`error ${name}`),
      onStop: () => calls.push(`stop ${name}`),
    });
  }
  const ctx = new TestContext();
  registry.start(ctx);
  registry.error(ctx, new TypeError('x'));
  registry.stop(ctx);
  registry.stop(ctx);
  assert.deepEqual(calls, ['start a', 'start b', 'error a', 'error b', 'stop b', 'stop a']);
  assert.ok(ctx.error instanceof TypeError);
});

test('a throwing handler is reported once and never breaks the observed work or the other handlers', () => {
  const { registry, messages } = setup();
  const seen: string[] = [];
  const broken: ObservationHandler = {
    name: 'broken',
    supportsContext: () => true,
    onStart: () => {
      throw new Error('start boom');
    },
    onStop: () => {
      throw new Error('stop boom');
    },
    inScope: () => {
      throw new Error('scope boom');
    },
  };
  registry.addHandler(broken);
  registry.addHandler({ name: 'fine', supportsContext: () => true, onStop: () => seen.push('fine stopped') });
  for (let i = 0; i < 3; i++) {
    const ctx = new TestContext();
    registry.start(ctx);
    assert.equal(registry.inScope(ctx, () => 42), 42, 'the work runs even if the scope handler fails');
    assert.throws(() => registry.inScope(ctx, () => {
      throw new RangeError('work failed');
    }), RangeError);
    registry.stop(ctx);
  }
  assert.deepEqual(seen, ['fine stopped', 'fine stopped', 'fine stopped']);
  assert.equal(messages.filter((m) => m.startsWith(`warn ${Warnings.OBSERVATION_HANDLER_FAILED.code} `)).length, 3, messages.join('\n'));
});

test('handlers that do not support a context are skipped; removed handlers are not called', () => {
  const { registry } = setup();
  let started = 0;
  const remove = registry.addHandler({ name: 'picky', supportsContext: (c: ObservationContext) => c.kind === 'server', onStart: () => started++ });
  registry.start(new TestContext());
  assert.equal(started, 0);
  remove();
  assert.equal(registry.handlers.length, 0);
});
