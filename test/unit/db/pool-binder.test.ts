import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HikariPoolBinder, hikariMetricNames, isPoolNameBound, type PoolStats } from '../../../src/db/pool-binder.js';
import { newRegistry, parseExposition, seriesOf } from '../../helpers/registry.js';

function fixedStats(values: Partial<Record<keyof PoolStats, number | undefined>>): PoolStats {
  const read = (k: keyof PoolStats) => () => values[k];
  return { total: read('total'), active: read('active'), idle: read('idle'), pending: read('pending'), max: read('max'), min: read('min') };
}

test('HikariCP names, types and descriptions, every series tagged pool=<name>', async () => {
  const registry = newRegistry();
  const binder = new HikariPoolBinder('orders', fixedStats({ total: 3, active: 1, idle: 2, pending: 4, max: 10, min: 1 }));
  const unbind = binder.bindTo(registry);
  binder.acquire.record(0.25);
  binder.usage.record(0.5);
  binder.creation.record(0.125);
  binder.timeout();
  const text = await registry.scrape();
  const help = Object.fromEntries([...text.matchAll(/^# HELP (\S+) (.*)$/gm)].map((m) => [m[1], m[2]]));
  const type = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
  const expected: [string, string, string, number][] = [
    ['hikaricp_connections', 'gauge', 'Total connections', 3],
    ['hikaricp_connections_active', 'gauge', 'Active connections', 1],
    ['hikaricp_connections_idle', 'gauge', 'Idle connections', 2],
    ['hikaricp_connections_pending', 'gauge', 'Pending threads', 4],
    ['hikaricp_connections_max', 'gauge', 'Max connections', 10],
    ['hikaricp_connections_min', 'gauge', 'Min connections', 1],
    ['hikaricp_connections_timeout_total', 'counter', 'Connection timeout total count', 1],
    ['hikaricp_connections_acquire_seconds_max', 'gauge', 'Connection acquire time', 0.25],
    ['hikaricp_connections_usage_seconds_max', 'gauge', 'Connection usage time', 0.5],
    ['hikaricp_connections_creation_seconds_max', 'gauge', 'Connection creation time', 0.125],
  ];
  for (const [name, t, h, v] of expected) {
    assert.equal(type[name], t, `${name} type`);
    assert.equal(help[name], h, `${name} help`);
    assert.deepEqual(seriesOf(text, name).map((s) => [s.labels, s.value]), [[{ pool: 'orders', application: 'test-app' }, v]], name);
  }
  for (const timer of ['acquire', 'usage', 'creation']) {
    assert.equal(type[`hikaricp_connections_${timer}_seconds`], 'summary');
    assert.equal(seriesOf(text, `hikaricp_connections_${timer}_seconds_count`)[0]!.value, 1);
  }
  assert.equal(hikariMetricNames.timeout, 'hikaricp.connections.timeout');
  unbind();
});

test('two pools share the families; unbinding one removes its series only; the last removes the meters', async () => {
  const registry = newRegistry();
  const a = new HikariPoolBinder('a', fixedStats({ total: 1, active: 1, idle: 0, pending: 0, max: 2, min: 0 }));
  const b = new HikariPoolBinder('b', fixedStats({ total: 5, active: 0, idle: 5, pending: 0, max: 5, min: 5 }));
  const unbindA = a.bindTo(registry);
  const unbindB = b.bindTo(registry);
  assert.ok(isPoolNameBound(registry, 'a') && isPoolNameBound(registry, 'b'));
  a.timeout();
  b.timeout();
  b.timeout();
  a.acquire.record(1);
  let text = await registry.scrape();
  assert.deepEqual(seriesOf(text, 'hikaricp_connections').map((s) => [s.labels.pool, s.value]), [['a', 1], ['b', 5]]);
  assert.deepEqual(seriesOf(text, 'hikaricp_connections_timeout_total').map((s) => [s.labels.pool, s.value]), [['a', 1], ['b', 2]]);

  unbindA();
  unbindA();
  assert.equal(isPoolNameBound(registry, 'a'), false);
  const acquireAfter = a.acquire;
  acquireAfter.record(9);
  a.timeout();
  text = await registry.scrape();
  for (const name of ['hikaricp_connections', 'hikaricp_connections_active', 'hikaricp_connections_max', 'hikaricp_connections_timeout_total']) {
    assert.deepEqual(seriesOf(text, name).map((s) => s.labels.pool), ['b'], `${name} keeps only b`);
  }
  assert.ok(seriesOf(text, 'hikaricp_connections_acquire_seconds_max').every((s) => s.value !== 9), 'an unbound binder records nothing');

  unbindB();
  text = await registry.scrape();
  assert.deepEqual(parseExposition(text).filter((s) => s.name.startsWith('hikaricp')), []);
  assert.ok(!registry.familyNames().some((n) => n.startsWith('hikaricp')), 'the families are unregistered');

  // Bound again later: everything comes back, from zero.
  const again = new HikariPoolBinder('a', fixedStats({ total: 0, active: 0, idle: 0, pending: 0, max: 2, min: 0 }));
  const unbindAgain = again.bindTo(registry);
  text = await registry.scrape();
  assert.equal(seriesOf(text, 'hikaricp_connections_timeout_total')[0]!.value, 0);
  assert.equal(seriesOf(text, 'hikaricp_connections_acquire_seconds_count')[0]!.value, 0);
  unbindAgain();
});

test('a stat that cannot be read leaves its series out, reported once; the others are served', async () => {
  const registry = newRegistry();
  const errors: string[] = [];
  const stats = fixedStats({ total: 2, active: 1, idle: 1, pending: 0, max: undefined, min: 0 });
  stats.pending = () => {
    throw new Error('internals changed');
  };
  const binder = new HikariPoolBinder('p', stats, (stat, err) => errors.push(`${stat}: ${String(err)}`));
  const unbind = binder.bindTo(registry);
  await registry.scrape();
  const text = await registry.scrape();
  assert.equal(seriesOf(text, 'hikaricp_connections_pending').length, 0);
  assert.equal(seriesOf(text, 'hikaricp_connections_max').length, 0, 'undefined: left out');
  assert.equal(seriesOf(text, 'hikaricp_connections')[0]!.value, 2);
  assert.deepEqual(errors, ['pending: Error: internals changed']);
  assert.throws(() => binder.bindTo(registry), /already bound/);
  unbind();
});
