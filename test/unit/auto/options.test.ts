/** The `auto` area: off for instrument(), on under nodemeter/register, each integration switched off by env. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAutoEnv, resolveAutoOptions } from '../../../src/auto/options.js';
import { markPreloaded } from '../../../src/core/global.js';

test('defaults: off unless preloaded; every integration on when enabled', () => {
  const r = resolveAutoOptions(undefined, {});
  assert.equal(r.enabled, false);
  assert.deepEqual({ ...r, enabled: true }, { enabled: true, express: true, fastify: true, kafkajs: true, confluentKafka: true, pg: true, mysql2: true });
});

test('environment switches, and options win over them', () => {
  const { config, problems } = readAutoEnv({ NODEMETER_AUTO_ENABLED: 'true', NODEMETER_AUTO_EXPRESS: 'false', NODEMETER_AUTO_PG: 'nope' });
  assert.deepEqual(config, { enabled: true, express: false });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.message, /NODEMETER_AUTO_PG="nope" ignored/);
  const r = resolveAutoOptions({ pg: false }, config);
  assert.equal(r.enabled, true);
  assert.equal(r.express, false);
  assert.equal(r.pg, false);
  assert.equal(r.kafkajs, true);
  assert.throws(() => resolveAutoOptions({ redis: true }, {}), /auto\.redis/);
});

test('preloaded by nodemeter/register: on by default, NODEMETER_AUTO_ENABLED=false still switches it off', () => {
  markPreloaded();
  assert.equal(resolveAutoOptions(undefined, {}).enabled, true);
  assert.equal(resolveAutoOptions(undefined, readAutoEnv({ NODEMETER_AUTO_ENABLED: 'false' }).config).enabled, false);
});
