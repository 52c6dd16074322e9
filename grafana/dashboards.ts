/**
 * nodemeter's Grafana dashboards, written with Grafana's own builder library (@grafana/grafana-foundation-sdk), so
 * what is generated is what Grafana's schema describes. `node --import tsx grafana/build.ts` writes
 * grafana/dashboards/*.json; a unit test fails when the committed files differ from what this builds.
 *
 * Every query uses Spring's names and labels only (`application`, `instance`, Micrometer's families), so the same
 * panels show Java and Node services side by side. Variables: `application` and `instance`, as the Spring
 * dashboards (JVM Micrometer 4701, Spring Boot Statistics) use them.
 */
import { DashboardBuilder, DashboardCursorSync, QueryVariableBuilder, RowBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs';
import { DataqueryBuilder as LokiQuery } from '@grafana/grafana-foundation-sdk/loki';
import { DataqueryBuilder as PromQuery } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { LogsSortOrder } from '@grafana/grafana-foundation-sdk/common';

/** The data source uids of grafana/provisioning/datasources/nodemeter.yml. */
export const DATASOURCES = {
  prometheus: { type: 'prometheus', uid: 'prometheus' },
  loki: { type: 'loki', uid: 'loki' },
  zipkin: { type: 'zipkin', uid: 'zipkin' },
} as const;

const SEL = 'application=~"$application", instance=~"$instance"';
const RATE = '$__rate_interval';

interface Series {
  expr: string;
  legend: string;
  exemplar?: boolean;
}

function panel(title: string, unit: string, series: Series[], width = 8, description?: string): TimeSeries {
  const p = new TimeSeries().title(title).unit(unit).datasource(DATASOURCES.prometheus).height(8).span(width);
  if (description) p.description(description);
  for (const s of series) {
    const q = new PromQuery().expr(s.expr).legendFormat(s.legend).datasource(DATASOURCES.prometheus);
    if (s.exemplar) q.exemplar(true);
    p.withTarget(q);
  }
  return p;
}

function variables(d: DashboardBuilder, multiApplication: boolean): DashboardBuilder {
  return d
    .withVariable(
      new QueryVariableBuilder('application')
        .label('Application')
        .datasource(DATASOURCES.prometheus)
        .query('label_values(process_uptime_seconds, application)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(multiApplication)
        .includeAll(multiApplication),
    )
    .withVariable(
      new QueryVariableBuilder('instance')
        .label('Instance')
        .datasource(DATASOURCES.prometheus)
        .query('label_values(process_uptime_seconds{application=~"$application"}, instance)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
    );
}

/** One service (Java or Node): RED per uri, clients, runtime, pools, Kafka, logs. */
export function nodeServiceDashboard(): Dashboard {
  const d = new DashboardBuilder('nodemeter / Service')
    .uid('nodemeter-service')
    .tags(['nodemeter', 'spring-boot', 'micrometer'])
    .description('One service under Spring/Micrometer names: Node services instrumented with nodemeter and Spring Boot services alike.')
    .refresh('10s')
    .time({ from: 'now-30m', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair);
  variables(d, false);
  d.withRow(new RowBuilder('HTTP server (RED per uri)'))
    .withPanel(panel('Requests / s by uri', 'reqps', [
      { expr: `sum by (uri) (rate(http_server_requests_seconds_count{${SEL}}[${RATE}]))`, legend: '{{uri}}' },
    ]))
    .withPanel(panel('Errors / s by uri (5xx and exceptions)', 'reqps', [
      { expr: `sum by (uri) (rate(http_server_requests_seconds_count{${SEL}, outcome="SERVER_ERROR"}[${RATE}]))`, legend: '{{uri}} 5xx' },
      { expr: `sum by (uri) (rate(http_server_requests_seconds_count{${SEL}, outcome="CLIENT_ERROR"}[${RATE}]))`, legend: '{{uri}} 4xx' },
    ]))
    .withPanel(panel('Latency p50 / p95 / p99 (buckets) and max', 's', [
      { expr: `histogram_quantile(0.5, sum by (le) (rate(http_server_requests_seconds_bucket{${SEL}}[${RATE}])))`, legend: 'p50', exemplar: true },
      { expr: `histogram_quantile(0.95, sum by (le) (rate(http_server_requests_seconds_bucket{${SEL}}[${RATE}])))`, legend: 'p95', exemplar: true },
      { expr: `histogram_quantile(0.99, sum by (le, uri) (rate(http_server_requests_seconds_bucket{${SEL}}[${RATE}])))`, legend: 'p99 {{uri}}', exemplar: true },
      { expr: `max by (uri) (http_server_requests_seconds_max{${SEL}})`, legend: 'max {{uri}}' },
    ], 8, 'Exemplars link each point to its trace in Zipkin (Prometheus data source: exemplar trace_id → Zipkin).'))
    .withPanel(panel('Active requests', 'short', [
      { expr: `sum by (instance) (http_server_requests_active_seconds_gcount{${SEL}})`, legend: '{{instance}}' },
    ], 12))
    .withPanel(panel('HTTP client calls / s by client and uri', 'reqps', [
      { expr: `sum by (client_name, uri, outcome) (rate(http_client_requests_seconds_count{${SEL}}[${RATE}]))`, legend: '{{client_name}} {{uri}} {{outcome}}' },
    ], 12))
    .withRow(new RowBuilder('Runtime'))
    .withPanel(panel('CPU', 'percentunit', [
      { expr: `process_cpu_usage{${SEL}}`, legend: 'process {{instance}}' },
      { expr: `system_cpu_usage{${SEL}}`, legend: 'system {{instance}}' },
    ], 6))
    .withPanel(panel('Heap used by space', 'bytes', [
      { expr: `sum by (id) (jvm_memory_used_bytes{${SEL}, area="heap"})`, legend: '{{id}}' },
    ], 6))
    .withPanel(panel('GC pauses', 's', [
      { expr: `sum by (gc) (rate(jvm_gc_pause_seconds_sum{${SEL}}[${RATE}])) / sum by (gc) (rate(jvm_gc_pause_seconds_count{${SEL}}[${RATE}]))`, legend: 'avg {{gc}}' },
      { expr: `max by (gc) (jvm_gc_pause_seconds_max{${SEL}})`, legend: 'max {{gc}}' },
    ], 6))
    .withPanel(panel('Event loop', 'short', [
      { expr: `nodejs_eventloop_lag_p99_seconds{${SEL}}`, legend: 'lag p99 (s) {{instance}}' },
      { expr: `nodejs_eventloop_utilization{${SEL}}`, legend: 'utilisation {{instance}}' },
    ], 6, 'Node only: Java services have no event loop.'))
    .withRow(new RowBuilder('Database pools'))
    .withPanel(panel('Connections by pool', 'short', [
      { expr: `sum by (pool) (hikaricp_connections_active{${SEL}})`, legend: 'active {{pool}}' },
      { expr: `sum by (pool) (hikaricp_connections_idle{${SEL}})`, legend: 'idle {{pool}}' },
      { expr: `sum by (pool) (hikaricp_connections_pending{${SEL}})`, legend: 'pending {{pool}}' },
      { expr: `sum by (pool) (hikaricp_connections_max{${SEL}})`, legend: 'max {{pool}}' },
    ], 12))
    .withPanel(panel('Connection acquire time', 's', [
      { expr: `max by (pool) (hikaricp_connections_acquire_seconds_max{${SEL}})`, legend: 'max {{pool}}' },
      { expr: `sum by (pool) (rate(hikaricp_connections_usage_seconds_sum{${SEL}}[${RATE}])) / sum by (pool) (rate(hikaricp_connections_usage_seconds_count{${SEL}}[${RATE}]))`, legend: 'avg usage {{pool}}' },
    ], 12))
    .withRow(new RowBuilder('Kafka'))
    .withPanel(panel('Sends / s by topic (spring.kafka.template)', 'ops', [
      { expr: `sum by (messaging_destination_name, error) (rate(spring_kafka_template_seconds_count{${SEL}}[${RATE}]))`, legend: '{{messaging_destination_name}} {{error}}' },
      { expr: `max by (messaging_destination_name) (spring_kafka_template_seconds_max{${SEL}})`, legend: 'max s {{messaging_destination_name}}' },
    ], 6))
    .withPanel(panel('Records processed / s (spring.kafka.listener)', 'ops', [
      { expr: `sum by (messaging_source_name, error) (rate(spring_kafka_listener_seconds_count{${SEL}}[${RATE}]))`, legend: '{{messaging_source_name}} {{error}}' },
      { expr: `max by (messaging_source_name) (spring_kafka_listener_seconds_max{${SEL}})`, legend: 'max s {{messaging_source_name}}' },
    ], 6))
    .withPanel(panel('Consumer lag by topic', 'short', [
      { expr: `sum by (topic) (kafka_consumer_fetch_manager_records_lag{${SEL}})`, legend: '{{topic}}' },
    ], 6))
    .withPanel(panel('Client: records consumed and sent / s', 'ops', [
      { expr: `sum by (topic) (rate(kafka_consumer_fetch_manager_records_consumed_total{${SEL}}[${RATE}]))`, legend: 'consumed {{topic}}' },
      { expr: `sum by (topic) (rate(kafka_producer_topic_record_send_total{${SEL}}[${RATE}]))`, legend: 'sent {{topic}}' },
    ], 6))
    .withRow(new RowBuilder('Logs'))
    .withPanel(panel('Log events / s by level (logback_events_total)', 'short', [
      { expr: `sum by (level) (rate(logback_events_total{${SEL}}[${RATE}]))`, legend: '{{level}}' },
    ], 8))
    .withPanel(
      new LogsPanel()
        .title('Log lines (a traceId opens the trace in Zipkin)')
        .datasource(DATASOURCES.loki)
        .height(10)
        .span(16)
        .showTime(true)
        .wrapLogMessage(true)
        .enableLogDetails(true)
        .sortOrder(LogsSortOrder.Descending)
        .withTarget(new LokiQuery().expr('{app=~"$application"}').datasource(DATASOURCES.loki)),
    );
  return d.build();
}

/** Every application side by side: Java and Node, the same queries. */
export function fleetDashboard(): Dashboard {
  const d = new DashboardBuilder('nodemeter / Fleet')
    .uid('nodemeter-fleet')
    .tags(['nodemeter', 'spring-boot', 'micrometer'])
    .description('Every application of the fleet, Java and Node side by side: the same Micrometer names serve both.')
    .refresh('10s')
    .time({ from: 'now-30m', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair);
  variables(d, true);
  d.withRow(new RowBuilder('RED by application'))
    .withPanel(panel('HTTP requests / s', 'reqps', [
      { expr: `sum by (application) (rate(http_server_requests_seconds_count{${SEL}}[${RATE}]))`, legend: '{{application}}' },
    ]))
    .withPanel(panel('HTTP error ratio (5xx)', 'percentunit', [
      {
        expr: `sum by (application) (rate(http_server_requests_seconds_count{${SEL}, outcome="SERVER_ERROR"}[${RATE}])) / sum by (application) (rate(http_server_requests_seconds_count{${SEL}}[${RATE}]))`,
        legend: '{{application}}',
      },
    ]))
    .withPanel(panel('HTTP p99', 's', [
      { expr: `histogram_quantile(0.99, sum by (application, le) (rate(http_server_requests_seconds_bucket{${SEL}}[${RATE}])))`, legend: '{{application}}', exemplar: true },
    ]))
    .withPanel(panel('Kafka records processed / s', 'ops', [
      { expr: `sum by (application) (rate(spring_kafka_listener_seconds_count{${SEL}}[${RATE}]))`, legend: '{{application}}' },
    ]))
    .withPanel(panel('Kafka sends / s', 'ops', [
      { expr: `sum by (application) (rate(spring_kafka_template_seconds_count{${SEL}}[${RATE}]))`, legend: '{{application}}' },
    ]))
    .withPanel(panel('Kafka consumer lag', 'short', [
      { expr: `sum by (application) (kafka_consumer_fetch_manager_records_lag{${SEL}})`, legend: '{{application}}' },
    ]))
    .withRow(new RowBuilder('Saturation by application'))
    .withPanel(panel('Process CPU', 'percentunit', [
      { expr: `max by (application) (process_cpu_usage{${SEL}})`, legend: '{{application}}' },
    ]))
    .withPanel(panel('Heap used', 'bytes', [
      { expr: `sum by (application) (jvm_memory_used_bytes{${SEL}, area="heap"})`, legend: '{{application}}' },
    ]))
    .withPanel(panel('DB pool pending', 'short', [
      { expr: `sum by (application) (hikaricp_connections_pending{${SEL}})`, legend: '{{application}}' },
    ]))
    .withRow(new RowBuilder('Logs'))
    .withPanel(panel('Error log events / s', 'short', [
      { expr: `sum by (application) (rate(logback_events_total{${SEL}, level="error"}[${RATE}]))`, legend: '{{application}}' },
    ], 12))
    .withPanel(
      new TimeSeries()
        .title('Log lines / s by level (Loki)')
        .datasource(DATASOURCES.loki)
        .height(8)
        .span(12)
        .withTarget(new LokiQuery().expr('sum by (level) (count_over_time({app=~"$application"}[$__auto]))').legendFormat('{{level}}').datasource(DATASOURCES.loki)),
    );
  return d.build();
}

/** Every dashboard, by file name. */
export const DASHBOARDS: Record<string, () => Dashboard> = {
  'node-service.json': nodeServiceDashboard,
  'fleet.json': fleetDashboard,
};

/** Every query of a built dashboard: its panel, data source type and expression. */
export function queriesOf(dashboard: Dashboard): { panel: string; datasource: string; expr: string }[] {
  const out: { panel: string; datasource: string; expr: string }[] = [];
  for (const p of dashboard.panels ?? []) {
    if (!('targets' in p) || !p.targets) continue;
    for (const t of p.targets as { expr?: string; datasource?: { type?: string } }[]) {
      if (t.expr) out.push({ panel: p.title ?? '', datasource: t.datasource?.type ?? '', expr: t.expr });
    }
  }
  return out;
}

/** Grafana's variables replaced as Grafana replaces them before it sends a query (defaults: one application). */
export function interpolate(expr: string, vars: { application?: string; instance?: string; interval?: string } = {}): string {
  const interval = vars.interval ?? '1m';
  return expr
    .replaceAll('$__rate_interval', interval)
    .replaceAll('$__auto', interval)
    .replaceAll('$__interval', interval)
    .replaceAll('$application', vars.application ?? 'order-service')
    .replaceAll('$instance', vars.instance ?? '.*');
}
