/**
 * What both services expose for the same requests and records, compared: metric families, label names and label
 * values from `/actuator/prometheus`, and span name, kind, remote service and tag keys from Zipkin. Every
 * difference becomes one line of text (its id); the test checks the ids against the allowed differences
 * (allowed.ts, the table in docs/guides/spring-interop.md).
 */
import { untracedFetch } from '../../helpers/untraced.js';
import type { ZipkinSpan } from './traces.js';

export interface Series {
  name: string;
  labels: Record<string, string>;
  value: string;
}

export interface Family {
  type: string;
  series: Series[];
}

export type Exposition = Map<string, Family>;

/** family name → type and series, from a Prometheus 0.0.4 text exposition (what both sides serve by default). */
export function parseExposition(text: string): Exposition {
  const families: Exposition = new Map();
  const typeOf = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)/.exec(line);
    if (t) {
      typeOf.set(t[1]!, t[2]!);
      if (!families.has(t[1]!)) families.set(t[1]!, { type: t[2]!, series: [] });
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    // the family of a sample: the declared name it extends by one of the sample suffixes
    let fam = m[1]!;
    for (const suffix of ['_bucket', '_count', '_sum', '_total', '_created', '_max', '']) {
      if (suffix === '' || fam.endsWith(suffix)) {
        const base = suffix === '' ? m[1]! : m[1]!.slice(0, -suffix.length);
        if (typeOf.has(base)) {
          fam = base;
          break;
        }
      }
    }
    if (!families.has(fam)) families.set(fam, { type: typeOf.get(fam) ?? 'untyped', series: [] });
    families.get(fam)!.series.push({ name: m[1]!, labels, value: m[4]! });
  }
  return families;
}

export async function scrape(base: string): Promise<Exposition> {
  const res = await untracedFetch(`${base}/actuator/prometheus`, {
    headers: { accept: 'text/plain;version=0.0.4' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`${base}/actuator/prometheus answered ${res.status}`);
  return parseExposition(await res.text());
}

const sorted = (a: Iterable<string>): string[] => [...new Set(a)].sort();
const list = (a: string[]): string => (a.length === 0 ? '(none)' : a.join(' '));

/** The families compared: the fleet's HTTP, Kafka and log-event meters, and every Kafka client family nodemeter emits. */
export const COMPARED = [
  'http_server_requests_seconds',
  'http_server_requests_active_seconds',
  'http_client_requests_seconds',
  'http_client_requests_active_seconds',
  'spring_kafka_template_seconds',
  'spring_kafka_template_active_seconds',
  'spring_kafka_listener_seconds',
  'spring_kafka_listener_active_seconds',
  'logback_events_total',
];

export const isKafkaClientFamily = (name: string): boolean => /^kafka_(consumer|producer|admin)_/.test(name);

/** The application tag is each service's own name: not compared. */
const IGNORED_LABELS = new Set(['application']);

/**
 * Labels whose values are each client's own (the Kafka client id, Spring's `<factory bean>.<client id>`, the client
 * library's version): their values are compared once over all families, so one table row covers them.
 */
const OWN_VALUE_LABELS = new Set(['client_id', 'spring_id', 'kafka_version']);

/**
 * Series the harness made on one side only: the Java service's `/actuator/health` answers 503 while its readiness
 * is not yet UP, and the harness polls it until UP (the nodemeter service is polled only once it is up).
 */
export function dropHarnessSeries(java: Exposition): void {
  for (const f of ['http_server_requests_seconds']) {
    const fam = java.get(f);
    if (fam) fam.series = fam.series.filter((s) => !(s.labels.uri === '/actuator/health' && s.labels.status !== '200'));
  }
}

/**
 * Differences between the two scrapes, on the compared families plus the Kafka client families nodemeter emits:
 *   metrics: F only on Java | only on nodemeter
 *   metrics: F type: Java T / nodemeter T
 *   metrics: F label L only on Java | only on nodemeter
 *   metrics: F {L}: Java v1 v2 / nodemeter v3
 * Label values pass through `norm` first (app names, topics, client ids, the /java/ /node/ path prefix).
 */
export function metricDiffs(java: Exposition, node: Exposition, norm: (v: string) => string): string[] {
  const out: string[] = [];
  const own = new Map<string, { java: Set<string>; node: Set<string> }>();
  const families = sorted([...COMPARED, ...[...node.keys()].filter(isKafkaClientFamily)]);
  for (const f of families) {
    const j = java.get(f);
    const n = node.get(f);
    if (!j && !n) {
      out.push(`metrics: ${f} on neither side`);
      continue;
    }
    if (!j || !n) {
      out.push(`metrics: ${f} only on ${j ? 'Java' : 'nodemeter'}`);
      continue;
    }
    if (j.type !== n.type) out.push(`metrics: ${f} type: Java ${j.type} / nodemeter ${n.type}`);
    const jl = sorted(j.series.flatMap((s) => Object.keys(s.labels)).filter((l) => !IGNORED_LABELS.has(l)));
    const nl = sorted(n.series.flatMap((s) => Object.keys(s.labels)).filter((l) => !IGNORED_LABELS.has(l)));
    for (const l of jl.filter((x) => !nl.includes(x))) out.push(`metrics: ${f} label ${l} only on Java`);
    for (const l of nl.filter((x) => !jl.includes(x))) out.push(`metrics: ${f} label ${l} only on nodemeter`);
    for (const l of jl.filter((x) => nl.includes(x))) {
      // `le` and `quantile` are bucket bounds, configured per meter: compared by the histogram settings, not here
      if (l === 'le' || l === 'quantile') continue;
      const jv = sorted(j.series.map((s) => s.labels[l]).filter((v): v is string => v !== undefined).map(norm));
      const nv = sorted(n.series.map((s) => s.labels[l]).filter((v): v is string => v !== undefined).map(norm));
      if (OWN_VALUE_LABELS.has(l)) {
        const o = own.get(l) ?? { java: new Set<string>(), node: new Set<string>() };
        own.set(l, o);
        for (const v of jv) o.java.add(v);
        for (const v of nv) o.node.add(v);
        continue;
      }
      if (jv.join('\n') !== nv.join('\n')) out.push(`metrics: ${f} {${l}}: Java ${list(jv)} / nodemeter ${list(nv)}`);
    }
  }
  for (const [l, o] of own) {
    const jv = sorted(o.java);
    const nv = sorted(o.node);
    if (jv.join('\n') !== nv.join('\n')) out.push(`metrics: Kafka client families {${l}}: Java ${list(jv)} / nodemeter ${list(nv)}`);
  }
  return out;
}

export type Role = 'HTTP server' | 'HTTP client' | 'Kafka send' | 'Kafka receive';

/**
 *   spans: R name: Java X / nodemeter Y
 *   spans: R kind: …   spans: R remote service: …
 *   spans: R tag K only on Java | only on nodemeter
 */
export function spanDiffs(role: Role, java: ZipkinSpan, node: ZipkinSpan, norm: (v: string) => string): string[] {
  const out: string[] = [];
  const cmp = (what: string, a: string | undefined, b: string | undefined): void => {
    const x = norm(a ?? '(none)');
    const y = norm(b ?? '(none)');
    if (x !== y) out.push(`spans: ${role} ${what}: Java ${x} / nodemeter ${y}`);
  };
  cmp('name', java.name, node.name);
  cmp('kind', java.kind, node.kind);
  cmp('remote service', java.remoteEndpoint?.serviceName, node.remoteEndpoint?.serviceName);
  const jt = sorted(Object.keys(java.tags ?? {}));
  const nt = sorted(Object.keys(node.tags ?? {}));
  for (const k of jt.filter((x) => !nt.includes(x))) out.push(`spans: ${role} tag ${k} only on Java`);
  for (const k of nt.filter((x) => !jt.includes(x))) out.push(`spans: ${role} tag ${k} only on nodemeter`);
  return out;
}
