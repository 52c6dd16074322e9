/** Health across a cluster: how the processes' answers merge (health/cluster.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deadlineOf, mergeResponses, PROBE_DEADLINE_MS } from '../../../src/health/cluster.js';

test('the worst process decides each component and the status; its details explain it; the shape stays one process\'s', () => {
  const a = { status: 'UP', components: { ping: { status: 'UP' }, readinessState: { status: 'UP' }, db: { status: 'UP', details: { database: 'PostgreSQL' } } } };
  const b = { status: 'OUT_OF_SERVICE', components: { ping: { status: 'UP' }, readinessState: { status: 'OUT_OF_SERVICE' }, db: { status: 'UP', details: { database: 'PostgreSQL' } } } };
  assert.deepEqual(mergeResponses([a, b], 0), {
    status: 'OUT_OF_SERVICE',
    components: { db: { status: 'UP', details: { database: 'PostgreSQL' } }, ping: { status: 'UP' }, readinessState: { status: 'OUT_OF_SERVICE' } },
  });
  const down = { status: 'DOWN', components: { db: { status: 'DOWN', details: { error: 'ECONNREFUSED' }, components: { orders: { status: 'DOWN' } } } } };
  const up = { status: 'UP', components: { db: { status: 'UP', components: { orders: { status: 'UP' }, audit: { status: 'UP' } } } } };
  assert.deepEqual(mergeResponses([up, down], 0), {
    status: 'DOWN',
    components: { db: { status: 'DOWN', details: { error: 'ECONNREFUSED' }, components: { audit: { status: 'UP' }, orders: { status: 'DOWN' } } } },
  });
});

test('a process that did not answer counts as UNKNOWN: below UP, so it fails no probe', () => {
  assert.equal(mergeResponses([{ status: 'UP' }], 1).status, 'UP');
  assert.equal(mergeResponses([], 1).status, 'UNKNOWN');
  assert.equal(mergeResponses([{ status: 'OUT_OF_SERVICE' }, 'garbage', null], 1).status, 'OUT_OF_SERVICE');
});

test('probes wait 500 ms for another process; the full health waits the indicators\' timeout plus 1 s', () => {
  assert.equal(deadlineOf({ names: ['readinessState'] }, 5_000), PROBE_DEADLINE_MS);
  assert.equal(deadlineOf({ names: ['livenessState'], timeoutMs: 10_000 }, 5_000), PROBE_DEADLINE_MS);
  assert.equal(deadlineOf({}, 5_000), 6_000);
  assert.equal(deadlineOf({ names: ['db'], timeoutMs: 2_000 }, 5_000), 3_000);
});
