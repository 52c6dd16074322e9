// @backends prometheus
/**
 * The files grafana/docker-compose.yml mounts, checked with the tools of the stack's Prometheus (promtool): the
 * Prometheus configuration, the alert rules, and the alert rules' unit tests (grafana/alerts/*.test.yml).
 * The dashboards are checked by test/unit/grafana and test/integration/fleet.int.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const grafana = fileURLToPath(new URL('../../grafana/', import.meta.url));

test('promtool check rules and test rules: the alert rules and their unit tests', async () => {
  const check = await run('promtool', ['check', 'rules', join(grafana, 'alerts/nodemeter.rules.yml')]);
  assert.match(check.stdout, /SUCCESS: 10 rules found/);
  const tested = await run('promtool', ['test', 'rules', 'nodemeter.rules.test.yml'], { cwd: join(grafana, 'alerts') });
  assert.match(tested.stdout, /SUCCESS/);
  // Every rule has a unit test in which it fires (an `exp_alerts` with labels), not only cases where it stays quiet.
  const rules = [...readFileSync(join(grafana, 'alerts/nodemeter.rules.yml'), 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
  const tests = readFileSync(join(grafana, 'alerts/nodemeter.rules.test.yml'), 'utf8');
  const firing = new Set([...tests.matchAll(/alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels/g)].map((m) => m[1]));
  assert.equal(rules.length, 10);
  assert.deepEqual(rules.filter((r) => !firing.has(r)), [], 'alert rules without a firing unit test');
});

test('promtool check config: the Prometheus configuration of the compose file, with its rule files', async () => {
  // The compose file mounts the rules under /etc/prometheus/alerts; the same layout in a temporary folder.
  const dir = mkdtempSync(join(tmpdir(), 'nodemeter-prom-'));
  cpSync(join(grafana, 'alerts'), join(dir, 'alerts'), { recursive: true });
  writeFileSync(join(dir, 'prometheus.yml'), readFileSync(join(grafana, 'prometheus.yml'), 'utf8').replaceAll('/etc/prometheus/', `${dir}/`));
  copyFileSync(join(grafana, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
  const { stdout } = await run('promtool', ['check', 'config', join(dir, 'prometheus.yml')]);
  assert.match(stdout, /SUCCESS: 1 rule files found/);
  assert.match(stdout, /valid prometheus config file syntax/);
  const compose = readFileSync(join(grafana, 'docker-compose.yml'), 'utf8');
  for (const mount of ['./prometheus.yml:/etc/prometheus/prometheus.yml', './alerts:/etc/prometheus/alerts', './provisioning:/etc/grafana/provisioning', './dashboards:/var/lib/grafana/dashboards/nodemeter']) {
    assert.ok(compose.includes(mount), `compose mounts ${mount}`);
  }
  assert.match(readFileSync(join(grafana, 'provisioning/dashboards/nodemeter.yml'), 'utf8'), /path: \/var\/lib\/grafana\/dashboards\/nodemeter/);
});
