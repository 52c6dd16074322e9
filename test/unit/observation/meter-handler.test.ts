/**
 * The meter handler finds a series through a tree of its tag values, and reuses the series its last start and its
 * last stop found when the values repeat (src/observation/handlers/meter.ts). What the reuse must not change: each
 * record lands on the series of its own values, whatever came before it; a value past a tag's limit is denied and
 * counted every time, also right after an allowed one; conventions interleaved keep their own series.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Diag } from '../../../src/core/diag.js';
import { PrometheusMeterRegistry } from '../../../src/metrics/registry.js';
import { ObservationContext } from '../../../src/observation/context.js';
import type { ObservationConvention } from '../../../src/observation/convention.js';
import { MeterObservationHandler } from '../../../src/observation/handlers/meter.js';
import { createObservationRegistry } from '../../../src/observation/registry.js';
import { find } from '../../helpers/series.js';

class Work extends ObservationContext {
  readonly kind = 'internal' as const;
  constructor(
    readonly convention: ObservationConvention<Work>,
    readonly route: string,
    readonly status: string,
  ) {
    super();
  }
}

function convention(name: string): ObservationConvention<Work> {
  return {
    name,
    lowCardinalityKeyNames: ['route', 'status'],
    lowCardinalityValues(ctx, out) {
      out[0] = ctx.route;
      out[1] = ctx.status;
    },
    highCardinality: () => ({}),
    contextualName: () => name,
  };
}

function setup(limits?: Record<string, Record<string, number>>) {
  const diag = new Diag('silent');
  const meters = new PrometheusMeterRegistry({}, diag);
  const observations = createObservationRegistry(diag);
  observations.addHandler(new MeterObservationHandler(meters, diag, { limits }));
  return { meters, observations };
}

const count = (text: string, name: string, labels: Record<string, string>): number => find(text, `${name}_seconds_count`, labels)?.value ?? 0;

test('every record lands on the series of its own values, repeated, alternating or failing', async () => {
  const { meters, observations } = setup();
  const work = convention('work');
  // Runs of one value, then alternation, then the same values failing: each change of values must find its series.
  const plan: [string, string, unknown][] = [];
  for (let i = 0; i < 5; i++) plan.push(['/a', '200', undefined]);
  // Only the error tag differs from the record before, then only the route, then only the status.
  plan.push(['/a', '200', new TypeError('bad')], ['/a', '200', undefined], ['/a', '200', new TypeError('bad')]);
  for (let i = 0; i < 6; i++) plan.push([i % 2 ? '/b' : '/a', '200', undefined]);
  plan.push(['/a', '200', new TypeError('bad')], ['/a', '500', undefined], ['/a', '200', undefined]);
  for (const [route, status, error] of plan) {
    const ctx = new Work(work, route, status);
    observations.start(ctx);
    observations.stop(ctx, error);
  }
  const text = await meters.scrape();
  assert.equal(count(text, 'work', { route: '/a', status: '200', error: 'none' }), 5 + 1 + 3 + 1);
  assert.equal(count(text, 'work', { route: '/b', status: '200', error: 'none' }), 3);
  assert.equal(count(text, 'work', { route: '/a', status: '200', error: 'TypeError' }), 3);
  assert.equal(count(text, 'work', { route: '/a', status: '500', error: 'none' }), 1);
  assert.equal(find(text, 'work_active_seconds_count', { route: '/a', status: '200' })?.value, 0, 'every task stopped');
});

test('a value past its limit is denied every time, also right after an allowed value', async () => {
  const { meters, observations } = setup({ limited: { route: 1 } });
  const limited = convention('limited');
  for (const route of ['/a', '/b', '/a', '/b', '/b', '/a']) {
    const ctx = new Work(limited, route, '200');
    observations.start(ctx);
    observations.stop(ctx);
  }
  const text = await meters.scrape();
  assert.equal(count(text, 'limited', { route: '/a', status: '200', error: 'none' }), 3);
  assert.equal(find(text, 'limited_seconds_count', { route: '/b' }), undefined, 'no series past the limit');
  assert.equal(find(text, 'nodemeter_observations_denied_total', { meter: 'limited' })?.value, 3);
});

test('two conventions interleaved keep their own series', async () => {
  const { meters, observations } = setup();
  const one = convention('one');
  const two = convention('two');
  for (let i = 0; i < 8; i++) {
    const ctx = new Work(i % 2 ? two : one, '/x', '200');
    observations.start(ctx);
    observations.stop(ctx);
  }
  // Overlapping observations of both: starts and stops in another order than each other.
  const a = new Work(one, '/x', '200');
  const b = new Work(two, '/y', '200');
  observations.start(a);
  observations.start(b);
  observations.stop(a);
  observations.stop(b);
  const text = await meters.scrape();
  assert.equal(count(text, 'one', { route: '/x', status: '200', error: 'none' }), 5);
  assert.equal(count(text, 'two', { route: '/x', status: '200', error: 'none' }), 4);
  assert.equal(count(text, 'two', { route: '/y', status: '200', error: 'none' }), 1);
  assert.equal(count(text, 'one', { route: '/y', status: '200', error: 'none' }), 0);
});
