import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../../src/sdk/config.js';
import { readEnv } from '../../../src/sdk/config-env.js';
import { isNodemeterError } from '../../../src/core/errors.js';

const fallback = () => 'pkg-name';

function throwsCoded(fn: () => unknown, code: string, option: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isNodemeterError(err), 'a NodemeterError');
    assert.equal((err as { code: string }).code, code);
    assert.match((err as Error).message, new RegExp(option.replace(/[.[\]]/g, '\\$&')));
    return true;
  });
}

test('defaults: Spring-like base path, health+prometheus exposed, all binders on, disk path "."', () => {
  const c = resolveConfig({}, {}, fallback);
  assert.equal(c.serviceName, 'pkg-name');
  assert.equal(c.actuator.basePath, '/actuator');
  assert.deepEqual(c.actuator.exposure, ['health', 'prometheus']);
  assert.deepEqual(c.metrics.diskSpacePaths, ['.']);
  assert.equal(c.management.port, undefined);
  assert.ok(Object.values(c.metrics.binders).every((on) => on === true));
});

test('service name: option, then environment, then package name', () => {
  assert.equal(resolveConfig({ serviceName: 'opt' }, { serviceName: 'env' }, fallback).serviceName, 'opt');
  assert.equal(resolveConfig({}, { serviceName: 'env' }, fallback).serviceName, 'env');
  const env = readEnv({ OTEL_SERVICE_NAME: 'otel', SPRING_APPLICATION_NAME: 'spring' }).config;
  assert.equal(env.serviceName, 'otel');
  assert.equal(readEnv({ SPRING_APPLICATION_NAME: 'spring' }).config.serviceName, 'spring');
  assert.equal(readEnv({ NODEMETER_SERVICE_NAME: 'nm', OTEL_SERVICE_NAME: 'otel' }).config.serviceName, 'nm');
});

test('invalid options throw a coded error naming the option', () => {
  throwsCoded(() => resolveConfig({ serviceName: 42 }, {}, fallback), 'NM_ERR_CONFIG_INVALID', 'serviceName');
  throwsCoded(() => resolveConfig({ management: { port: 70000 } }, {}, fallback), 'NM_ERR_CONFIG_INVALID', 'management.port');
  throwsCoded(() => resolveConfig({ management: { port: '80' } }, {}, fallback), 'NM_ERR_CONFIG_INVALID', 'management.port');
  throwsCoded(() => resolveConfig({ commonTags: { 'bad-key': 'x' } }, {}, fallback), 'NM_ERR_CONFIG_INVALID', 'commonTags.bad-key');
  throwsCoded(() => resolveConfig({ commonTags: { region: 1 } }, {}, fallback), 'NM_ERR_CONFIG_INVALID', 'commonTags.region');
  throwsCoded(() => resolveConfig({ commonTags: { application: 'x' } }, {}, fallback), 'NM_ERR_CONFIG_INVALID', 'commonTags.application');
  throwsCoded(() => resolveConfig({ metrics: { binders: { 'jvm-gcc': false } } }, {}, fallback), 'NM_ERR_CONFIG_UNKNOWN_OPTION', 'metrics.binders.jvm-gcc');
  throwsCoded(() => resolveConfig({ servicename: 'x' }, {}, fallback), 'NM_ERR_CONFIG_UNKNOWN_OPTION', 'servicename');
  throwsCoded(() => resolveConfig({ actuator: { basePath: 'actuator' } }, {}, fallback), 'NM_ERR_CONFIG_INVALID', 'actuator.basePath');
  // Unknown ids are skipped with a warning (Spring's rule); only a list that is not one of ids is invalid.
  throwsCoded(() => resolveConfig({ actuator: { exposure: [42] } }, {}, fallback), 'NM_ERR_CONFIG_INVALID', 'actuator.exposure');
  throwsCoded(() => resolveConfig({ diagLevel: 'loud' }, {}, fallback), 'NM_ERR_CONFIG_INVALID', 'diagLevel');
  throwsCoded(() => resolveConfig('nonsense', {}, fallback), 'NM_ERR_CONFIG_INVALID', 'options');
  throwsCoded(() => resolveConfig({ metrics: { diskSpacePaths: '/' } }, {}, fallback), 'NM_ERR_CONFIG_INVALID', 'metrics.diskSpacePaths');
});

test('environment values that parse are used, the others are reported and ignored', () => {
  const { config, problems } = readEnv({
    NODEMETER_COMMON_TAGS: 'region=eu-west-1, env=prod',
    MANAGEMENT_SERVER_PORT: '8081',
    NODEMETER_METRICS_BINDERS_DISABLED: 'disk-space,jvm-gc',
    NODEMETER_ACTUATOR_EXPOSURE: '*',
    NODEMETER_LOG_LEVEL: 'nonsense',
    NODEMETER_METRICS_ENABLED: 'maybe',
  });
  assert.deepEqual(config.commonTags, { region: 'eu-west-1', env: 'prod' });
  assert.equal(config.management?.port, 8081);
  assert.deepEqual(config.metrics?.disabledBinders, ['disk-space', 'jvm-gc']);
  assert.deepEqual(config.actuator?.include, ['*']);
  assert.equal(config.diagLevel, undefined);
  assert.deepEqual(problems.map((p) => p.variable).sort(), ['NODEMETER_LOG_LEVEL', 'NODEMETER_METRICS_ENABLED']);
  const bad = readEnv({ NODEMETER_MANAGEMENT_PORT: 'eighty', NODEMETER_COMMON_TAGS: 'novalue' });
  assert.equal(bad.config.management?.port, undefined);
  assert.equal(bad.problems.length, 2);
  assert.match(bad.problems[0]!.message, /NODEMETER_COMMON_TAGS|NODEMETER_MANAGEMENT_PORT/);
});

test('options win over the environment, the environment over defaults', () => {
  const env = readEnv({ NODEMETER_MANAGEMENT_PORT: '9000', NODEMETER_METRICS_BINDERS_DISABLED: 'disk-space' }).config;
  const c = resolveConfig({ management: { port: 9100 }, metrics: { binders: { 'disk-space': true } } }, env, fallback);
  assert.equal(c.management.port, 9100);
  assert.equal(c.metrics.binders['disk-space'], true);
  const d = resolveConfig({}, env, fallback);
  assert.equal(d.management.port, 9000);
  assert.equal(d.metrics.binders['disk-space'], false);
});
