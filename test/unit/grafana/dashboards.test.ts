/**
 * The shipped Grafana files (grafana/): dashboards built by grafana/dashboards.ts with Grafana's builder library are
 * the committed JSON; every PromQL expression parses with Prometheus' own grammar (@prometheus-io/lezer-promql) and
 * every LogQL expression with Grafana's (@grafana/lezer-logql), after Grafana's variables are replaced as Grafana does
 * before sending a query; the data source uids the panels name are provisioned. That the queries return data from a
 * real Prometheus scraping the demo fleet, and what the log queries mean, is test/integration/fleet.int.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parser as promql } from '@prometheus-io/lezer-promql';
import { parser as logql } from '@grafana/lezer-logql';
import { DASHBOARDS, interpolate, queriesOf } from '../../../grafana/dashboards.js';

const root = new URL('../../../grafana/', import.meta.url);

function syntaxErrors(parse: typeof promql, expr: string): string[] {
  const errors: string[] = [];
  parse.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`error at ${node.from}: …${expr.slice(Math.max(0, node.from - 20), node.from + 20)}…`);
    },
  });
  return errors;
}

test('the committed dashboards are what grafana/dashboards.ts builds (node --import tsx grafana/build.ts)', () => {
  for (const [file, build] of Object.entries(DASHBOARDS)) {
    const committed = readFileSync(new URL(`dashboards/${file}`, root), 'utf8');
    assert.equal(committed, `${JSON.stringify(build(), null, 2)}\n`, `grafana/dashboards/${file} is stale`);
  }
});

test('every PromQL and LogQL expression of the dashboards parses', () => {
  let prom = 0;
  let loki = 0;
  for (const build of Object.values(DASHBOARDS)) {
    for (const q of queriesOf(build())) {
      const expr = interpolate(q.expr);
      if (q.datasource === 'prometheus') {
        prom++;
        assert.deepEqual(syntaxErrors(promql, expr), [], `${q.panel}: ${expr}`);
      } else {
        assert.equal(q.datasource, 'loki');
        loki++;
        assert.deepEqual(syntaxErrors(logql, expr), [], `${q.panel}: ${expr}`);
      }
    }
  }
  assert.ok(prom >= 35, `${prom} PromQL expressions`);
  assert.ok(loki >= 2, `${loki} LogQL expressions`);
  // The parsers do find errors (so the assertions above mean something).
  assert.notDeepEqual(syntaxErrors(promql, 'sum by (uri (rate(x[1m]))'), []);
  assert.notDeepEqual(syntaxErrors(logql, '{app=~"x"} |= '), []);
});

test('panels name provisioned data sources; variables application and instance as the Spring dashboards', () => {
  const provisioned = readFileSync(new URL('provisioning/datasources/nodemeter.yml', root), 'utf8');
  const uids = new Set([...provisioned.matchAll(/^\s+uid: (\S+)$/gm)].map((m) => m[1]));
  assert.deepEqual([...uids].sort(), ['loki', 'prometheus', 'zipkin']);
  assert.match(provisioned, /exemplarTraceIdDestinations:\s+- name: trace_id\s+datasourceUid: zipkin/);
  assert.match(provisioned, /matcherType: label\s+matcherRegex: traceId\s+datasourceUid: zipkin/);
  for (const [file, build] of Object.entries(DASHBOARDS)) {
    const d = build();
    assert.deepEqual(d.templating?.list?.map((v) => v.name), ['application', 'instance'], file);
    for (const p of d.panels ?? []) {
      if (p.type === 'row') continue;
      const ds = (p as { datasource?: { uid?: string } }).datasource;
      assert.ok(ds?.uid && uids.has(ds.uid), `${file}: panel ${p.title} names data source ${ds?.uid}`);
      assert.ok(p.gridPos && p.gridPos.w > 0 && p.gridPos.h > 0, `${file}: panel ${p.title} has a place`);
    }
  }
  const service = JSON.stringify(DASHBOARDS['node-service.json']!());
  for (const family of ['http_server_requests_seconds_bucket', 'http_server_requests_seconds_max', 'http_server_requests_active_seconds_gcount',
    'http_client_requests_seconds_count', 'process_cpu_usage', 'jvm_memory_used_bytes', 'jvm_gc_pause_seconds', 'nodejs_eventloop_lag_p99_seconds',
    'nodejs_eventloop_utilization', 'hikaricp_connections_active', 'spring_kafka_template_seconds', 'spring_kafka_listener_seconds',
    'kafka_consumer_fetch_manager_records_lag', 'kafka_consumer_fetch_manager_records_consumed_total', 'logback_events_total']) {
    assert.ok(service.includes(family), `the service dashboard shows ${family}`);
  }
  assert.match(service, /"exemplar":true/);
});
