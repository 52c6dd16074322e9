/**
 * Runs each Spring Boot line (test/interop/spring-app) next to the nodemeter service (test/interop/services) through
 * one of each scenario, and writes to stdout, as markdown, what both sides produced for the same requests and records:
 *   - metric families, label names and label values (HTTP server/client, Kafka template/listener, log events, …);
 *   - span name, kind, remote service and tag keys for HTTP server, HTTP client, Kafka send and Kafka receive;
 *   - the Loki streams both pushed to VictoriaLogs: stream labels, structured metadata, line format.
 * Scenarios, per Boot line (propagation W3C on both sides): GET hello on each side, Java calls Node and Node calls
 * Java over HTTP, each side publishes one record the other consumes, each side answers one request with an
 * unhandled exception.
 *
 *   eval "$(bash scripts/stack up zipkin kafka victorialogs spring)"
 *   node --import tsx test/interop/capture.mjs [35 40] > capture.md
 *
 * Progress goes to stderr. At most one JVM of its own runs at a time.
 */
import { createServer } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import { Kafka, logLevel } from 'kafkajs';
import { interopEnv } from './helpers/env.ts';
import { startNode } from './helpers/node.ts';
import { BOOT_VERSION, startSpring } from './helpers/spring.ts';
import { waitFor } from '../helpers/http.ts';
import { getTrace } from './helpers/traces.ts';

const lines = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['35', '40'];
const env = interopEnv();
const log = (s) => process.stderr.write(`capture: ${s}\n`);
const out = [];
const md = (s = '') => out.push(s);

// ---------------------------------------------------------------------------------------------------------------
// Prometheus text parsing

/** family name → { type, series: [{ name, labels }] } from a Prometheus 0.0.4 text exposition */
function parseExposition(text) {
  const families = new Map();
  const typeOf = new Map();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)/.exec(line);
    if (t) {
      typeOf.set(t[1], t[2]);
      if (!families.has(t[1])) families.set(t[1], { type: t[2], series: [] });
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[3]) for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    // the family a sample belongs to: longest declared name that prefixes the sample name
    let fam = m[1];
    for (const suffix of ['_bucket', '_count', '_sum', '_total', '_created', '_max', '']) {
      if (suffix === '' || m[1].endsWith(suffix)) {
        const base = suffix === '' ? m[1] : m[1].slice(0, -suffix.length);
        if (typeOf.has(base)) { fam = base; break; }
      }
    }
    if (!families.has(fam)) families.set(fam, { type: typeOf.get(fam) ?? 'untyped', series: [] });
    families.get(fam).series.push({ name: m[1], labels, value: m[4] });
  }
  return families;
}

async function scrape(url) {
  const res = await fetch(`${url}/actuator/prometheus`, { headers: { accept: 'text/plain;version=0.0.4' }, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${url}/actuator/prometheus answered ${res.status}`);
  return parseExposition(await res.text());
}

// ---------------------------------------------------------------------------------------------------------------
// Loki push tap: both services push through it, so the report shows what each one sent (VictoriaLogs unpacks JSON
// lines into fields and would blur the line format and the structured metadata); every push is forwarded as is.

/** app label → [{ stream, line, metadata }] */
const pushed = new Map();
let tapUrl = '';

function decodeBody(body, encoding) {
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  return body;
}

async function startTap() {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      try {
        if (String(req.headers['content-type'] ?? '').includes('json')) {
          const push = JSON.parse(decodeBody(body, req.headers['content-encoding']).toString('utf8'));
          for (const st of push.streams ?? []) {
            const app = st.stream?.app ?? '?';
            if (!pushed.has(app)) pushed.set(app, []);
            for (const v of st.values ?? []) pushed.get(app).push({ stream: st.stream, line: v[1], metadata: v[2] ?? {} });
          }
        } else {
          const app = '(non-JSON push)';
          if (!pushed.has(app)) pushed.set(app, []);
          pushed.get(app).push({ stream: {}, line: `${req.headers['content-type']} ${body.length} bytes`, metadata: {} });
        }
      } catch (err) {
        log(`tap: could not read a push: ${err}`);
      }
      const headers = {};
      for (const h of ['content-type', 'content-encoding', 'x-scope-orgid', 'authorization']) if (req.headers[h]) headers[h] = req.headers[h];
      const fwd = await fetch(`${env.victoriaLogsUrl}${req.url}`, { method: 'POST', headers, body }).catch((err) => ({ status: 502, text: async () => String(err) }));
      res.writeHead(fwd.status);
      res.end(await fwd.text());
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  tapUrl = `http://127.0.0.1:${server.address().port}`;
  return server;
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

const esc = (s) => String(s).replaceAll('|', '\\|').replaceAll('\n', '\\n');
const code = (s) => (s === undefined || s === '' ? '—' : `\`${esc(s)}\``);
const sorted = (a) => [...new Set(a)].sort();

async function json(url, init) {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000), ...init });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

async function waitRecord(url, value) {
  return waitFor(`${url} to receive ${value}`, async () => {
    const got = (await json(url)).body;
    return Array.isArray(got) ? got.find((r) => r.value === value) : undefined;
  }, 30_000, 200);
}

async function spansOf(traceId, want) {
  return waitFor(`trace ${traceId} in Zipkin`, async () => {
    const spans = await getTrace(traceId);
    const found = want.map(([service, kind]) => spans.find((s) => s.localEndpoint?.serviceName === service.toLowerCase() && s.kind === kind));
    return found.every(Boolean) ? found : undefined;
  }, 30_000, 250);
}

async function logsOf(app) {
  await fetch(`${env.victoriaLogsUrl}/internal/force_flush`, { method: 'POST', signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  const body = new URLSearchParams({ query: `{app="${app}"}`, limit: '1000' });
  const res = await fetch(`${env.victoriaLogsUrl}/select/logsql/query`, { method: 'POST', body, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** normalises the values that are expected to differ between the two services of one run */
function normaliser(java, node, topics) {
  return (v) => String(v)
    .replaceAll(java, '<app>').replaceAll(node, '<app>')
    .replaceAll(topics.java, '<topic>').replaceAll(topics.node, '<topic>')
    .replace(/\/(java|node)\//g, '/<side>/')
    .replace(/^(apache kafka: )\S+$/i, '$1<clusterId>');
}

// ---------------------------------------------------------------------------------------------------------------
// one Boot line

async function runLine(line, admin) {
  const tag = `${line}-${process.pid}`;
  const names = { java: `java-cap-${tag}`, node: `node-cap-${tag}` };
  const topics = { java: `interop-cap-java-${tag}`, node: `interop-cap-node-${tag}` };
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
  const common = { propagation: 'W3C', kafkaBrokers: env.kafkaBrokers, zipkinUrl: env.zipkinUrl, victoriaLogsUrl: tapUrl };
  log(`Boot ${BOOT_VERSION[line]}: starting the Spring app`);
  const java = await startSpring({ ...common, line, appName: names.java, listenTopic: topics.java });
  let node;
  try {
    log(`Boot ${BOOT_VERSION[line]}: Spring app UP after ${java.startMs} ms; starting the nodemeter service`);
    node = await startNode({ ...common, appName: names.node, listenTopic: topics.node });
    log(`nodemeter service up after ${node.startMs} ms; running the scenarios`);

    // the harness polled the Java health endpoint; poll Node's the same way so both record it
    await json(`${node.url}/actuator/health`);
    // HTTP
    const j2n = (await json(`${java.url}/java/call?url=${encodeURIComponent(`${node.url}/node/hello`)}`)).body;
    const n2j = (await json(`${node.url}/node/call?url=${encodeURIComponent(`${java.url}/java/hello`)}`)).body;
    const jFail = await json(`${java.url}/java/fail`);
    const nFail = await json(`${node.url}/node/fail`);
    // Kafka
    const jv = `cap-j2n-${Date.now()}`;
    const jPub = (await json(`${java.url}/java/publish?topic=${topics.node}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: jv })).body;
    const nGot = await waitRecord(`${node.url}/node/received`, jv);
    const nv = `cap-n2j-${Date.now()}`;
    const nPub = (await json(`${node.url}/node/publish?topic=${topics.java}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: nv })).body;
    const jGot = await waitRecord(`${java.url}/java/received`, nv);

    // spans: [java, node] per role
    const [, jClient, nServer] = await spansOf(j2n.traceId, [[names.java, 'SERVER'], [names.java, 'CLIENT'], [names.node, 'SERVER']]);
    const [nClient, jServerHello] = await spansOf(n2j.traceId, [[names.node, 'CLIENT'], [names.java, 'SERVER']]);
    const [jProducer, nConsumer] = await spansOf(jPub.traceId, [[names.java, 'PRODUCER'], [names.node, 'CONSUMER']]);
    const [nProducer] = await spansOf(nPub.traceId, [[names.node, 'PRODUCER']]);
    const jConsumer = jGot.traceId === nPub.traceId
      ? (await spansOf(nPub.traceId, [[names.java, 'CONSUMER']]))[0]
      : (await spansOf(jGot.traceId, [[names.java, 'CONSUMER']]))[0];

    // metrics: after the scenarios; the listener timers are recorded when the handler returns
    await new Promise((r) => setTimeout(r, 500));
    const jm = await scrape(java.url);
    const nm = await scrape(node.url);

    // logs: wait until each side's unhandled-error request and the hello lines are there (or 15 s)
    let jl = [];
    let nl = [];
    await waitFor('log lines in VictoriaLogs', async () => {
      jl = await logsOf(names.java);
      nl = await logsOf(names.node);
      return jl.some((l) => /received/.test(l._msg)) && nl.some((l) => /received/.test(l._msg)) ? true : undefined;
    }, 20_000, 500).catch(() => undefined);

    return {
      line, names, topics, java, node, j2n, n2j, jFail, nFail, jGot, nGot,
      spans: {
        'HTTP server': [jServerHello, nServer],
        'HTTP client': [jClient, nClient],
        'Kafka send': [jProducer, nProducer],
        'Kafka receive': [jConsumer, nConsumer],
      },
      metrics: [jm, nm],
      logs: [jl, nl],
      norm: normaliser(names.java, names.node, topics),
    };
  } finally {
    await node?.stop();
    await java.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// report

const COMPARED = [
  'http_server_requests_seconds', 'http_server_requests_active_seconds',
  'http_client_requests_seconds', 'http_client_requests_active_seconds',
  'spring_kafka_template_seconds', 'spring_kafka_template_active_seconds',
  'spring_kafka_listener_seconds', 'spring_kafka_listener_active_seconds',
  'logback_events_total', 'logback_events',
];

function labelSummary(fam, norm) {
  if (!fam) return { names: [], values: new Map() };
  const names = sorted(fam.series.flatMap((s) => Object.keys(s.labels)));
  const values = new Map();
  for (const n of names) values.set(n, sorted(fam.series.map((s) => s.labels[n]).filter((v) => v !== undefined).map(norm)));
  return { names, values };
}

function report(r, diffs) {
  const v = BOOT_VERSION[r.line];
  const [jm, nm] = r.metrics;
  md(`## Spring Boot ${v} vs nodemeter`);
  md();
  md(`Start: Spring Boot ${v} UP after ${r.java.startMs} ms, nodemeter service after ${r.node.startMs} ms. ` +
    `Unhandled exception: Java answered ${r.jFail.status}, Node answered ${r.nFail.status}.`);
  md();

  // families
  const jNames = [...jm.keys()];
  const nNames = [...nm.keys()];
  const isKafkaClient = (n) => /^kafka_(consumer|producer|admin)_/.test(n);
  const onlyJava = jNames.filter((n) => !nm.has(n));
  const onlyNode = nNames.filter((n) => !jm.has(n));
  md(`### Metric families`);
  md();
  md(`Java: ${jNames.length} families (${jNames.filter(isKafkaClient).length} Kafka client \`kafka_consumer_*\`/\`kafka_producer_*\`). ` +
    `nodemeter: ${nNames.length} (${nNames.filter(isKafkaClient).length} Kafka client).`);
  md();
  md(`Only on Java, without Kafka client families (${onlyJava.filter((n) => !isKafkaClient(n)).length}): ${onlyJava.filter((n) => !isKafkaClient(n)).map(code).join(', ') || '—'}`);
  md();
  md(`Kafka client families only on Java: ${onlyJava.filter(isKafkaClient).length}; on both: ${jNames.filter((n) => isKafkaClient(n) && nm.has(n)).map(code).join(', ') || '—'}`);
  md();
  md(`Only on nodemeter (${onlyNode.length}): ${onlyNode.map(code).join(', ') || '—'}`);
  md();
  const typeDiff = jNames.filter((n) => nm.has(n) && jm.get(n).type !== nm.get(n).type);
  if (typeDiff.length) {
    md(`Same family, different type: ${typeDiff.map((n) => `${code(n)} (Java ${jm.get(n).type}, Node ${nm.get(n).type})`).join(', ')}`);
    md();
  }
  // label names on every shared family
  const labelDiff = [];
  for (const n of jNames.filter((x) => nm.has(x))) {
    const a = labelSummary(jm.get(n), r.norm).names;
    const b = labelSummary(nm.get(n), r.norm).names;
    if (a.join() !== b.join()) labelDiff.push([n, a.filter((x) => !b.includes(x)), b.filter((x) => !a.includes(x))]);
  }
  md(`### Label names of the families both have`);
  md();
  if (labelDiff.length === 0) md('All equal.');
  else {
    md('| family | labels only on Java | labels only on nodemeter |');
    md('|---|---|---|');
    for (const [n, a, b] of labelDiff) {
      md(`| ${code(n)} | ${a.map(code).join(', ') || '—'} | ${b.map(code).join(', ') || '—'} |`);
      diffs.push({ line: v, area: 'metrics', what: `${n} label names`, java: a.join(', ') || '—', node: b.join(', ') || '—' });
    }
  }
  md();
  md(`### Label values for the same requests and records`);
  md();
  md('App names, topics and the `/java/` `/node/` path prefix are replaced by `<app>`, `<topic>`, `/<side>/`.');
  md();
  md('| family | label | Java values | nodemeter values |');
  md('|---|---|---|---|');
  for (const n of COMPARED) {
    if (!jm.has(n) && !nm.has(n)) continue;
    const a = labelSummary(jm.get(n), r.norm);
    const b = labelSummary(nm.get(n), r.norm);
    if (!jm.has(n) || !nm.has(n)) {
      md(`| ${code(n)} | (family) | ${jm.has(n) ? 'present' : '**absent**'} | ${nm.has(n) ? 'present' : '**absent**'} |`);
      diffs.push({ line: v, area: 'metrics', what: `${n}`, java: jm.has(n) ? 'present' : 'absent', node: nm.has(n) ? 'present' : 'absent' });
      continue;
    }
    for (const l of sorted([...a.names, ...b.names])) {
      if (l === 'application') continue;
      const av = a.values.get(l) ?? [];
      const bv = b.values.get(l) ?? [];
      const same = av.join() === bv.join();
      md(`| ${code(n)} | ${code(l)} | ${av.map(code).join(' ') || '**absent**'} | ${bv.map(code).join(' ') || '**absent**'}${same ? '' : ' ≠'} |`);
      if (!same) diffs.push({ line: v, area: 'metrics', what: `${n} {${l}}`, java: av.join(' ') || 'absent', node: bv.join(' ') || 'absent' });
    }
  }
  md();

  // spans
  md(`### Spans`);
  md();
  md('| role | side | name | kind | remote service | tag keys |');
  md('|---|---|---|---|---|---|');
  for (const [role, [js, ns]] of Object.entries(r.spans)) {
    for (const [side, s] of [['Java', js], ['nodemeter', ns]]) {
      md(`| ${role} | ${side} | ${code(r.norm(s?.name ?? ''))} | ${s?.kind ?? '—'} | ${code(r.norm(s?.remoteEndpoint?.serviceName ?? ''))} | ${sorted(Object.keys(s?.tags ?? {})).map(code).join(' ')} |`);
    }
    const jt = sorted(Object.keys(js?.tags ?? {}));
    const nt = sorted(Object.keys(ns?.tags ?? {}));
    if (r.norm(js?.name ?? '') !== r.norm(ns?.name ?? '')) diffs.push({ line: v, area: 'spans', what: `${role} name`, java: r.norm(js?.name ?? ''), node: r.norm(ns?.name ?? '') });
    const jr = r.norm(js?.remoteEndpoint?.serviceName ?? '');
    const nr = r.norm(ns?.remoteEndpoint?.serviceName ?? '');
    if (jr !== nr) diffs.push({ line: v, area: 'spans', what: `${role} remote service`, java: jr || '—', node: nr || '—' });
    const onlyJ = jt.filter((k) => !nt.includes(k));
    const onlyN = nt.filter((k) => !jt.includes(k));
    if (onlyJ.length || onlyN.length) diffs.push({ line: v, area: 'spans', what: `${role} tag keys`, java: onlyJ.join(' ') || '—', node: onlyN.join(' ') || '—' });
  }
  md();
  md('Tag values, HTTP server and Kafka spans (Java / nodemeter):');
  md();
  for (const [role, [js, ns]] of Object.entries(r.spans)) {
    md(`- ${role}: Java ${code(JSON.stringify(js?.tags ?? {}))}`);
    md(`  nodemeter ${code(JSON.stringify(ns?.tags ?? {}))}`);
  }
  md();

  // logs: what each side pushed (tap), and what a query of the receiver returns
  const jp = pushed.get(r.names.java) ?? [];
  const np = pushed.get(r.names.node) ?? [];
  const streams = (rows) => sorted(rows.map((x) => JSON.stringify(Object.fromEntries(Object.entries(x.stream).sort()))));
  const metaKeys = (rows) => sorted(rows.flatMap((x) => Object.keys(x.metadata)));
  const levels = (rows) => sorted(rows.map((x) => x.stream.level));
  const sample = (rows, re) => rows.find((x) => re.test(x.line));
  const errors = (rows) => rows.filter((x) => /^(error|ERROR|50)$/.test(String(x.stream.level)));
  const jh = sample(jp, /hello answered/);
  const nh = sample(np, /hello answered/);
  const je = errors(jp);
  const ne = errors(np);
  md(`### Logs pushed to the Loki receiver`);
  md();
  md(`| | Java (loki4j 2.0.1) | nodemeter |`);
  md(`|---|---|---|`);
  md(`| lines pushed | ${jp.length} | ${np.length} |`);
  md(`| streams | ${streams(jp).map((x) => code(r.norm(x))).join(' ')} | ${streams(np).map((x) => code(r.norm(x))).join(' ')} |`);
  md(`| structured metadata keys | ${metaKeys(jp).map(code).join(' ') || '—'} | ${metaKeys(np).map(code).join(' ') || '—'} |`);
  md(`| "hello answered" line | ${code(jh?.line?.trimEnd())} | ${code(nh?.line?.trimEnd())} |`);
  md(`| its structured metadata | ${code(JSON.stringify(jh?.metadata ?? {}))} | ${code(JSON.stringify(nh?.metadata ?? {}))} |`);
  md(`| ERROR lines after one unhandled exception | ${je.length}${je[0] ? `: ${code(je[0].line.split('\n')[0])}` : ''} | ${ne.length}${ne[0] ? `: ${code(ne[0].line.split('\n')[0])}` : ''} |`);
  md();
  const [jl, nl] = r.logs;
  const STD = new Set(['_msg', '_stream', '_stream_id', '_time']);
  const fields = (rows) => sorted(rows.flatMap((x) => Object.keys(x)).filter((k) => !STD.has(k)));
  md(`In VictoriaLogs (\`{app="…"}\`, ${jl.length} and ${nl.length} rows) the fields are: Java ${fields(jl).map(code).join(' ')}; ` +
    `nodemeter ${fields(nl).map(code).join(' ')}. VictoriaLogs unpacks a JSON line into fields (so \`traceId\` is a field ` +
    `there for both); Loki keeps the line as text and only the structured metadata above become fields.`);
  md();
  const labelNames = (rows) => sorted(rows.flatMap((x) => Object.keys(x.stream)));
  if (labelNames(jp).join() !== labelNames(np).join()) diffs.push({ line: v, area: 'logs', what: 'stream label names', java: labelNames(jp).join(' '), node: labelNames(np).join(' ') });
  diffs.push({ line: v, area: 'logs', what: 'level label values', java: levels(jp).join(' '), node: levels(np).join(' ') });
  diffs.push({ line: v, area: 'logs', what: 'structured metadata keys', java: metaKeys(jp).join(' ') || '—', node: metaKeys(np).join(' ') || '—' });
  diffs.push({ line: v, area: 'logs', what: 'ERROR lines for one unhandled exception', java: String(je.length), node: String(ne.length) });
  diffs.push({ line: v, area: 'logs', what: 'line format', java: 'Boot FILE_LOG_PATTERN with `[traceId-spanId]`', node: nh ? (nh.line.startsWith('{') ? 'pino JSON, numeric `level`, ids as `traceId`/`spanId` fields' : 'text') : '—' });
}

// ---------------------------------------------------------------------------------------------------------------

const tap = await startTap();
const admin = new Kafka({ clientId: 'interop-capture', brokers: env.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
await admin.connect();
const diffs = [];
const t0 = Date.now();
md(`# Spring Boot vs nodemeter: one run of each scenario`);
md();
md(`Captured ${new Date().toISOString()} by \`node --import tsx test/interop/capture.mjs ${lines.join(' ')}\` (propagation W3C on both sides).`);
md();
try {
  for (const line of lines) report(await runLine(line, admin), diffs);
} finally {
  await admin.disconnect();
  tap.close();
}
// one row per difference; the Boot lines it was seen on in the first column
const rows = new Map();
for (const d of diffs) {
  const key = JSON.stringify([d.area, d.what, d.java, d.node]);
  if (!rows.has(key)) rows.set(key, { ...d, lines: [] });
  rows.get(key).lines.push(d.line);
}
md(`## Differences`);
md();
md('| Boot | area | what | Java | nodemeter |');
md('|---|---|---|---|---|');
for (const d of rows.values()) md(`| ${d.lines.join(', ')} | ${d.area} | ${esc(d.what)} | ${esc(d.java)} | ${esc(d.node)} |`);
md();
log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.stdout.write(`${out.join('\n')}\n`);
