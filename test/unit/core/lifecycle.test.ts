// The ordered shutdown: readiness first, then the drain phase (together, bounded), then the close steps last added
// first, each phase bounded by its deadline; a hanging step is abandoned with NMWRN015 and the next one still runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Diag } from '../../../src/core/diag.js';
import { Lifecycle } from '../../../src/core/lifecycle.js';

function collecting(): { diag: Diag; messages: string[] } {
  const messages: string[] = [];
  return { diag: new Diag('warn', (lvl, m) => messages.push(`${lvl} ${m}`)), messages };
}

const never = (): Promise<void> => new Promise(() => {});

test('phases run in order: refuse, readiness drain wait, drain (together), close (last added first)', async () => {
  const { diag } = collecting();
  const life = new Lifecycle(diag, { timeoutPerPhaseMs: 1000, readinessDrainMs: 50 });
  const events: string[] = [];
  const t0 = Date.now();
  let readinessAt = 0;
  let drainAt = 0;
  life.add('logging', () => void events.push('close logging'));
  life.add('tracing', async () => {
    await new Promise((r) => setTimeout(r, 10));
    events.push('close tracing');
  });
  life.add('readiness', () => {
    readinessAt = Date.now();
    events.push('readiness');
  }, 'refuse');
  life.add('servers', async () => {
    drainAt = Date.now();
    events.push('drain servers start');
    await new Promise((r) => setTimeout(r, 30));
    events.push('drain servers end');
  }, 'drain');
  life.add('kafka', () => void events.push('drain kafka'), 'drain');
  await life.shutdown();
  assert.deepEqual(events, [
    'readiness',
    'drain servers start',
    'drain kafka',
    'drain servers end',
    'close tracing',
    'close logging',
  ]);
  assert.ok(drainAt - readinessAt >= 45, `the drain began ${drainAt - readinessAt} ms after readiness (readinessDrainMs 50)`);
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(life.abandoned + life.failed, 0);
});

test('a drain step that hangs is abandoned at the deadline: its signal aborts, NMWRN015 is warned, close still runs', async () => {
  const { diag, messages } = collecting();
  const life = new Lifecycle(diag, { timeoutPerPhaseMs: 100 });
  let aborted = false;
  let closed = false;
  life.add('flush', () => {
    closed = true;
  });
  life.add('servers', (deadline) => {
    deadline.addEventListener('abort', () => (aborted = true));
    return never();
  }, 'drain');
  const t0 = Date.now();
  await life.shutdown();
  const took = Date.now() - t0;
  assert.ok(took >= 95 && took < 1000, `took ${took} ms`);
  assert.equal(aborted, true);
  assert.equal(closed, true);
  assert.equal(life.abandoned, 1);
  assert.equal(messages.length, 1);
  assert.match(messages[0] as string, /^warn NMWRN015 shutdown of servers took longer than 100 ms/);
});

test('each close step has its own bound: a hanging flush does not take the next flush\'s time', async () => {
  const { diag, messages } = collecting();
  const life = new Lifecycle(diag, { timeoutPerPhaseMs: 80 });
  const ran: string[] = [];
  life.add('logging', async () => {
    await new Promise((r) => setTimeout(r, 50));
    ran.push('logging');
  });
  life.add('binders', () => void ran.push('binders'));
  life.add('tracing', never);
  const t0 = Date.now();
  await life.shutdown();
  const took = Date.now() - t0;
  assert.deepEqual(ran, ['binders', 'logging'], 'the steps after the hanging one still ran, the slow one to its end');
  assert.ok(took >= 120 && took < 600, `the close phase took ${took} ms (80 for the hanging step, 50 for the next)`);
  assert.equal(life.abandoned, 1);
  assert.equal(messages.filter((m) => m.includes('NMWRN015')).length, 1);
});

test('a step that throws is warned (NMWRN016) and the others run; shutdown() never rejects', async () => {
  const { diag, messages } = collecting();
  const life = new Lifecycle(diag, { timeoutPerPhaseMs: 100 });
  let after = false;
  life.add('after', () => {
    after = true;
  });
  life.add('broken', () => {
    throw new Error('boom');
  });
  await life.shutdown();
  assert.equal(after, true);
  assert.equal(life.failed, 1);
  assert.match(messages[0] as string, /NMWRN016 shutdown of broken failed: Error: boom/);
});

test('not graceful (immediate): drain steps see an aborted signal at once and there is no readiness wait', async () => {
  const { diag } = collecting();
  const life = new Lifecycle(diag, { timeoutPerPhaseMs: 5000, readinessDrainMs: 5000, graceful: false });
  let abortedAtStart: boolean | undefined;
  life.add('readiness', () => {}, 'refuse');
  life.add('servers', (deadline) => {
    abortedAtStart = deadline.aborted;
  }, 'drain');
  const t0 = Date.now();
  await life.shutdown();
  assert.equal(abortedAtStart, true);
  assert.ok(Date.now() - t0 < 1000);
});

test('signal-only steps run for a signal, not for a call; every caller gets the same promise', async () => {
  for (const cause of ['call', 'signal'] as const) {
    const life = new Lifecycle(collecting().diag, { timeoutPerPhaseMs: 100 });
    let servers = 0;
    let flushes = 0;
    life.add('servers', () => void servers++, 'drain', true);
    life.add('flush', () => void flushes++);
    const first = life.shutdown(cause);
    const second = life.shutdown(cause === 'call' ? 'signal' : 'call');
    assert.equal(first, second);
    await first;
    assert.equal(life.cause, cause);
    assert.deepEqual({ servers, flushes }, { servers: cause === 'signal' ? 1 : 0, flushes: 1 });
  }
});
