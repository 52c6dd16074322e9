/** Logging options: defaults, coded errors naming the option, and the environment variables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNodemeterError } from '../../../src/core/errors.js';
import { readLoggingEnv, resolveLoggingOptions } from '../../../src/logging/options.js';

function throwsCode(fn: () => unknown, code: string, option: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isNodemeterError(err), String(err));
    assert.equal(err.code, code);
    assert.ok(err.message.includes(`"${option}`), `${err.message} names ${option}`);
    return true;
  });
}

test("defaults: info, Spring keys, Spring Boot's console pattern, signals flushed, no Loki without a URL", () => {
  assert.deepEqual(resolveLoggingOptions(undefined), {
    level: 'info',
    keys: 'spring',
    console: 'spring',
    flushOnSignals: true,
    loki: undefined,
  });
});

test('Loki defaults, and basic auth from the URL\'s user info (removed from the URL)', () => {
  const { loki } = resolveLoggingOptions({ loki: { url: 'https://ada:s%40cret@logs.example.com/loki/api/v1/push', tenant: 'team-a', labels: { env: 'prod' } } });
  assert.deepEqual(loki, {
    url: 'https://logs.example.com/loki/api/v1/push',
    labels: { env: 'prod' },
    format: 'spring',
    basicAuth: { username: 'ada', password: 's@cret' },
    tenant: 'team-a',
    batchIntervalMs: 1000,
    maxBatchLines: 1000,
    maxBatchBytes: 1024 * 1024,
    maxBufferLines: 100_000,
    maxBufferBytes: 32 * 1024 * 1024,
    timeoutMs: 10_000,
    flushTimeoutMs: 5000,
    minBackoffMs: 200,
    maxBackoffMs: 5000,
  });
  const small = resolveLoggingOptions({ loki: { url: 'http://l/p', maxBufferLines: 10, maxBatchLines: 500 } }).loki!;
  assert.equal(small.maxBatchLines, 10, 'a batch is never larger than the buffer');
});

test('bad values throw NM_ERR_CONFIG_INVALID naming the option; typos NM_ERR_CONFIG_UNKNOWN_OPTION', () => {
  throwsCode(() => resolveLoggingOptions({ level: 'verbose' }), 'NM_ERR_CONFIG_INVALID', 'logging.level');
  throwsCode(() => resolveLoggingOptions({ keys: 'b3' }), 'NM_ERR_CONFIG_INVALID', 'logging.keys');
  throwsCode(() => resolveLoggingOptions({ console: true }), 'NM_ERR_CONFIG_INVALID', 'logging.console');
  throwsCode(() => resolveLoggingOptions({ flushOnSignals: 'yes' }), 'NM_ERR_CONFIG_INVALID', 'logging.flushOnSignals');
  throwsCode(() => resolveLoggingOptions({ levle: 'info' }), 'NM_ERR_CONFIG_UNKNOWN_OPTION', 'logging.levle');
  throwsCode(() => resolveLoggingOptions({ loki: 'http://x' }), 'NM_ERR_CONFIG_INVALID', 'logging.loki');
  throwsCode(() => resolveLoggingOptions({ loki: { url: 'ftp://x/y' } }), 'NM_ERR_CONFIG_INVALID', 'logging.loki.url');
  throwsCode(() => resolveLoggingOptions({ loki: { url: 'http://loki:3100' } }), 'NM_ERR_CONFIG_INVALID', 'logging.loki.url');
  throwsCode(() => resolveLoggingOptions({ loki: { labels: { env: 'x' } } }), 'NM_ERR_CONFIG_INVALID', 'logging.loki.url');
  throwsCode(() => resolveLoggingOptions({ loki: { url: 'http://l/p', labels: { level: 'x' } } }), 'NM_ERR_CONFIG_INVALID', 'logging.loki.labels.level');
  throwsCode(() => resolveLoggingOptions({ loki: { url: 'http://l/p', labels: { 'bad-name': 'x' } } }), 'NM_ERR_CONFIG_INVALID', 'logging.loki.labels.bad-name');
  throwsCode(() => resolveLoggingOptions({ loki: { url: 'http://l/p', labels: { env: 1 } } }), 'NM_ERR_CONFIG_INVALID', 'logging.loki.labels.env');
  throwsCode(() => resolveLoggingOptions({ loki: { url: 'http://l/p', maxBufferLines: 0 } }), 'NM_ERR_CONFIG_INVALID', 'logging.loki.maxBufferLines');
  throwsCode(() => resolveLoggingOptions({ loki: { url: 'http://l/p', flushTimeoutMs: 20_000 } }), 'NM_ERR_CONFIG_INVALID', 'logging.loki.flushTimeoutMs');
  throwsCode(() => resolveLoggingOptions({ loki: { url: 'http://l/p', basicAuth: { username: 'a' } } }), 'NM_ERR_CONFIG_INVALID', 'logging.loki.basicAuth.password');
  throwsCode(() => resolveLoggingOptions({ loki: { url: 'http://l/p', retries: 3 } }), 'NM_ERR_CONFIG_UNKNOWN_OPTION', 'logging.loki.retries');
  const many = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`l${i}`, 'v']));
  throwsCode(() => resolveLoggingOptions({ loki: { url: 'http://l/p', labels: many } }), 'NM_ERR_CONFIG_INVALID', 'logging.loki.labels');
  assert.equal(resolveLoggingOptions({ loki: false }, { loki: { url: 'http://l/p' } }).loki, undefined, 'false wins over the environment');
  throwsCode(() => resolveLoggingOptions({ console: 'text' }), 'NM_ERR_CONFIG_INVALID', 'logging.console');
  throwsCode(() => resolveLoggingOptions({ loki: { url: 'http://l/p', format: 'logfmt' } }), 'NM_ERR_CONFIG_INVALID', 'logging.loki.format');
  assert.equal(resolveLoggingOptions({ console: 'pretty' }).console, 'sleuth', "'pretty' is the Sleuth console's old name");
  assert.equal(resolveLoggingOptions({ loki: { url: 'http://l/p', format: 'json' } }).loki?.format, 'json');
});

test('environment: Spring and nodemeter names, explicit options win, bad values reported and ignored', () => {
  const { config, problems } = readLoggingEnv({
    LOGGING_LEVEL_ROOT: 'WARN',
    NODEMETER_LOGGING_KEYS: 'otel',
    NODEMETER_LOGGING_CONSOLE: 'pretty',
    NODEMETER_LOKI_URL: 'http://loki:3100/loki/api/v1/push',
    NODEMETER_LOKI_LABELS: 'env=prod, region=eu',
    NODEMETER_LOKI_TENANT: 'team-a',
    NODEMETER_LOKI_USERNAME: 'ada',
    NODEMETER_LOKI_PASSWORD: 'pw',
    NODEMETER_LOKI_MAX_BUFFER_LINES: '5000',
    NODEMETER_LOKI_TIMEOUT_MS: 'soon',
  });
  assert.deepEqual(problems.map((p) => p.variable), ['NODEMETER_LOKI_TIMEOUT_MS']);
  const resolved = resolveLoggingOptions({ level: 'debug' }, config);
  assert.equal(resolved.level, 'debug', 'the option wins');
  assert.equal(resolved.keys, 'otel');
  assert.equal(resolved.console, 'sleuth', "'pretty' is the Sleuth console's old name");
  assert.deepEqual(
    [resolved.loki?.url, resolved.loki?.labels, resolved.loki?.tenant, resolved.loki?.basicAuth, resolved.loki?.maxBufferLines, resolved.loki?.timeoutMs],
    ['http://loki:3100/loki/api/v1/push', { env: 'prod', region: 'eu' }, 'team-a', { username: 'ada', password: 'pw' }, 5000, 10_000],
  );
  assert.equal(readLoggingEnv({ NODEMETER_LOGGING_LEVEL: 'OFF' }).config.level, 'silent');
  assert.equal(readLoggingEnv({ NODEMETER_LOGGING_CONSOLE: 'false' }).config.console, false);
  assert.equal(readLoggingEnv({ NODEMETER_LOGGING_CONSOLE: 'JSON' }).config.console, 'json');
  assert.equal(readLoggingEnv({ NODEMETER_LOKI_FORMAT: 'json' }).config.loki?.format, 'json');
  assert.deepEqual(readLoggingEnv({ NODEMETER_LOKI_FORMAT: 'xml' }).problems.map((p) => p.variable), ['NODEMETER_LOKI_FORMAT']);
  assert.deepEqual(
    readLoggingEnv({ NODEMETER_LOGGING_LEVEL: 'loud', NODEMETER_LOKI_URL: 'loki', NODEMETER_LOKI_LABELS: 'app=x' }).problems.map((p) => p.variable),
    ['NODEMETER_LOGGING_LEVEL', 'NODEMETER_LOKI_URL', 'NODEMETER_LOKI_LABELS'],
  );
  assert.equal(readLoggingEnv({ NODEMETER_LOG_LEVEL: 'debug' }).config.level, undefined, "nodemeter's own diagnostics level is not the logger's");
});
