import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instrument, isNodemeterError } from '../../../src/index.js';
import { parseExposition } from '../../helpers/registry.js';

test('a second instrument() returns the live handle and registers nothing twice', async () => {
  const first = instrument({ serviceName: 'twice', diagLevel: 'silent' });
  try {
    const messages: string[] = [];
    first.diag.setSink((level, message) => messages.push(`${level} ${message}`));
    first.diag.setLevel('debug');
    const second = instrument({ serviceName: 'twice', diagLevel: 'silent' });
    assert.equal(second, first);
    assert.equal(messages.length, 0, 'same options: no warning');
    const third = instrument({ serviceName: 'other-name' });
    assert.equal(third, first);
    assert.equal(messages.filter((m) => m.startsWith('warn NMWRN005')).length, 1);
    const names = parseExposition(await first.scrape()).map((s) => `${s.name}${JSON.stringify(s.labels)}`);
    assert.equal(new Set(names).size, names.length, 'no series twice');
  } finally {
    await first.shutdown();
  }
  const fresh = instrument({ serviceName: 'after', diagLevel: 'silent' });
  assert.notEqual(fresh.serviceName, 'twice');
  await fresh.shutdown();
  await fresh.shutdown();
});

test('invalid options throw a coded error before anything starts', () => {
  assert.throws(
    () => instrument({ management: { port: -1 } }),
    (err: unknown) => isNodemeterError(err) && err.code === 'NM_ERR_CONFIG_INVALID' && /management\.port/.test(err.message),
  );
});

test('common tags and application on every series; binders can be switched off', async () => {
  const nm = instrument({
    serviceName: 'tagged',
    commonTags: { region: 'eu-1' },
    metrics: { binders: { 'process-cpu': false } },
    diagLevel: 'silent',
  });
  try {
    const samples = parseExposition(await nm.scrape());
    assert.ok(samples.length > 0);
    for (const s of samples) {
      assert.equal(s.labels.application, 'tagged', s.name);
      assert.equal(s.labels.region, 'eu-1', s.name);
    }
    assert.ok(!samples.some((s) => s.name.startsWith('process_cpu')), 'switched-off binder is absent');
  } finally {
    await nm.shutdown();
  }
});

test('metrics.enabled=false binds nothing', async () => {
  const nm = instrument({ serviceName: 'off', metrics: { enabled: false }, diagLevel: 'silent' });
  try {
    assert.equal(parseExposition(await nm.scrape()).length, 0);
  } finally {
    await nm.shutdown();
  }
});

test('integrations are set up in a fixed order (shutdown runs it backwards: logging last)', async () => {
  const { INTEGRATIONS } = await import('../../../src/sdk/integrations.js');
  assert.deepEqual(
    INTEGRATIONS.map((i) => i.name),
    ['logging', 'runtime metrics', 'cluster', 'cluster health', 'actuator', 'meter handler', 'tracing', 'http', 'kafka', 'db', 'auto'],
  );
});

test('the handle gathers every integration\'s members; nm.db.bind after shutdown binds nothing', async () => {
  const nm = instrument({ serviceName: 'members', diagLevel: 'silent', tracing: { enabled: false } });
  for (const key of ['actuator', 'logger', 'instrumentLogger', 'managementAddress', 'express', 'expressErrorHandler', 'fastify', 'kafka', 'db']) {
    assert.ok(key in nm, key);
  }
  assert.equal(nm.tracing, undefined);
  assert.equal(await nm.managementAddress(), undefined);
  await nm.shutdown();
  assert.equal(typeof nm.db.bind({}), 'function');
});
