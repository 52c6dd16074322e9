// @backends kafka zipkinexec otelcol
// @one-runtime a JVM start (Zipkin's Kafka collector) and an OpenTelemetry Collector
/**
 * The span paths of large fleets, against real receivers started by this file:
 * - `tracing.zipkin.transport: 'kafka'`: span batches go to a Kafka topic of the stack's broker and a second Zipkin
 *   server (the exec jar, whose Kafka collector the slim jar lacks; KAFKA_BOOTSTRAP_SERVERS + KAFKA_TOPIC) reads them;
 *   the test reads the trace back from that Zipkin's API and the counter of exported spans. Nothing goes over HTTP.
 * - OTLP beside Zipkin (`OTEL_TRACES_EXPORTER=otlp,zipkin`, `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`):
 *   an OpenTelemetry Collector (OTLP/HTTP receiver, debug exporter at detailed verbosity) prints what it received;
 *   the test finds the trace id, the span and the resource's service.name in its output.
 * A JVM start and a collector: one runtime per CI run, the Node of `npm test` (the `@one-runtime` line above).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { instrument, type Nodemeter } from '../../src/index.js';
import { close, listen, waitFor } from '../helpers/http.js';
import { find } from '../helpers/series.js';
import { parseExposition } from '../helpers/registry.js';
import { untracedFetch } from '../helpers/untraced.js';
import { randomHex, type ZipkinSpan } from '../helpers/zipkin.js';

const BROKERS = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const ZIPKIN_EXEC_JAR = process.env.ZIPKIN_EXEC_JAR ?? '';
const OTELCOL_BIN = process.env.OTELCOL_BIN ?? '';
const TOPIC = `zipkin-it-${process.pid}`;

const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

function startChild(cmd: string, args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  children.push(child);
  return { child, output: () => out };
}

after(async () => {
  for (const child of children) {
    if (child.exitCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});

before(() => {
  if (BROKERS.length === 0) throw new Error('KAFKA_BROKERS must be set (npm test starts the stack and sets it)');
  if (!ZIPKIN_EXEC_JAR) throw new Error('ZIPKIN_EXEC_JAR must be set (scripts/stack up zipkinexec)');
  if (!OTELCOL_BIN) throw new Error('OTELCOL_BIN must be set (scripts/stack up otelcol)');
});

/** A service with one route, traced with every request sampled; `options` are its tracing options. */
async function startService(name: string, tracing: Record<string, unknown>): Promise<{ nm: Nodemeter; url: string; stop(): Promise<void> }> {
  const nm = instrument({
    serviceName: name,
    diagLevel: 'error',
    tracing: { samplingProbability: 1, ...tracing, export: { scheduledDelayMs: 100 } },
  } as Parameters<typeof instrument>[0]);
  const server: Server = createServer((_req, res) => res.end('ok'));
  const url = await listen(server);
  return {
    nm,
    url,
    stop: async () => {
      await close(server);
      await nm.shutdown();
    },
  };
}

async function exported(nm: Nodemeter): Promise<number> {
  return find(await nm.scrape(), 'nodemeter_spans_total', { result: 'exported', reason: 'none' })?.value ?? 0;
}

test("tracing.zipkin.transport 'kafka': span batches reach Zipkin's Kafka collector", async () => {
  // The topic exists before Zipkin's consumer subscribes (it would otherwise learn of it only at its next metadata
  // refresh, minutes later).
  const admin = new Kafka({ clientId: 'span-transport-it', brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();

  const port = await freePort();
  const zipkinUrl = `http://127.0.0.1:${port}`;
  const zipkin = startChild(
    'java',
    ['-Xms64m', '-Xmx384m', '-XX:TieredStopAtLevel=1', '-XX:ActiveProcessorCount=2', '-jar', ZIPKIN_EXEC_JAR,
      '--armeria.ports[0].address=127.0.0.1', `--armeria.ports[0].port=${port}`, '--armeria.ports[0].protocols[0]=http'],
    { STORAGE_TYPE: 'mem', KAFKA_BOOTSTRAP_SERVERS: BROKERS.join(','), KAFKA_TOPIC: TOPIC, KAFKA_STREAMS: '1' },
  );
  await waitFor('the exec Zipkin with its Kafka collector', async () => {
    if (zipkin.child.exitCode !== null) throw new Error(`zipkin exited: ${zipkin.output()}`);
    const body = await fetch(`${zipkinUrl}/health`).then((r) => r.text(), () => '');
    return body.includes('"UP"') && body.includes('KafkaCollector') ? true : undefined;
  }, 120_000, 500);

  const name = `kafka-transport-${process.pid}`;
  // The HTTP endpoint points at a port nobody listens on: if anything went over HTTP, export would fail.
  const svc = await startService(name, {
    zipkin: { transport: 'kafka', endpoint: 'http://127.0.0.1:9/api/v2/spans', kafka: { bootstrapServers: BROKERS, topic: TOPIC } },
  });
  try {
    const traceId = randomHex(16);
    // The collector's consumer may join the group a moment after /health says UP: send until the trace is there.
    const spans = await waitFor('the trace in the Kafka-fed Zipkin', async () => {
      await untracedFetch(`${svc.url}/orders`, { headers: { traceparent: `00-${traceId}-${randomHex(8)}-01` } });
      await svc.nm.tracing!.forceFlush();
      const res = await fetch(`${zipkinUrl}/api/v2/trace/${traceId}`);
      if (!res.ok) return undefined;
      const found = (await res.json()) as ZipkinSpan[];
      return found.length > 0 ? found : undefined;
    }, 90_000, 1000);
    const server = spans.find((s) => s.kind === 'SERVER');
    assert.ok(server, JSON.stringify(spans));
    assert.equal(server.localEndpoint?.serviceName, name);
    assert.equal(server.tags?.method, 'GET');
    assert.equal(server.tags?.['service.name'], undefined, 'Brave-shaped: no resource tags');
    const ok = await exported(svc.nm);
    assert.ok(ok >= 1, `exported spans counted: ${ok}`);
    const failed = parseExposition(await svc.nm.scrape()).filter(
      (s) => s.name === 'nodemeter_spans_total' && s.labels.result === 'dropped' && s.labels.reason === 'export_failed',
    );
    assert.ok(failed.every((s) => s.value === 0), `no failed export: ${JSON.stringify(failed)}`);
  } finally {
    await svc.stop();
  }
});

test("tracing.zipkin.transport 'kafka' with no broker: spans are dropped and counted, the service runs on", async () => {
  const port = await freePort(); // nothing listens there
  const svc = await startService(`kafka-down-${process.pid}`, {
    zipkin: { transport: 'kafka', kafka: { bootstrapServers: [`127.0.0.1:${port}`], topic: TOPIC } },
    export: {},
  });
  try {
    const started = Date.now();
    const res = await untracedFetch(`${svc.url}/x`);
    assert.equal(await res.text(), 'ok');
    await svc.nm.tracing!.forceFlush().catch(() => {});
    const dropped = await waitFor('the dropped span counted', async () => {
      const sample = find(await svc.nm.scrape(), 'nodemeter_spans_total', { result: 'dropped', reason: 'export_failed' });
      return sample !== undefined && sample.value >= 1 ? sample.value : undefined;
    }, 60_000, 200);
    assert.ok(dropped >= 1);
    assert.ok(Date.now() - started < 60_000);
  } finally {
    await svc.stop();
  }
});

test('OTLP beside Zipkin (OTEL_TRACES_EXPORTER=otlp,zipkin): spans reach a real OpenTelemetry Collector', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'otelcol-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      http:',
      `        endpoint: 127.0.0.1:${port}`,
      'exporters:',
      '  debug:',
      '    verbosity: detailed',
      'service:',
      '  telemetry:',
      '    metrics:',
      '      level: none',
      '  pipelines:',
      '    traces:',
      '      receivers: [otlp]',
      '      exporters: [debug]',
      '',
    ].join('\n'),
  );
  const collector = startChild(OTELCOL_BIN, ['--config', config], {});
  await waitFor('the collector to listen', async () => {
    if (collector.child.exitCode !== null) throw new Error(`otelcol exited: ${collector.output()}`);
    // The receiver answers 405 to GET on its traces path once it listens.
    const status = await fetch(`http://127.0.0.1:${port}/v1/traces`).then((r) => r.status, () => 0);
    return status !== 0 ? true : undefined;
  }, 60_000, 200);

  const name = `otlp-export-${process.pid}`;
  const saved = { ...process.env };
  process.env.OTEL_TRACES_EXPORTER = 'otlp,zipkin';
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
  process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-fleet=test';
  let svc;
  try {
    // Zipkin stays on beside OTLP; its endpoint here is a closed port (its failures are not this test's subject).
    svc = await startService(name, { zipkin: { endpoint: 'http://127.0.0.1:9/api/v2/spans' } });
  } finally {
    for (const key of ['OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_HEADERS']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
  try {
    const traceId = randomHex(16);
    await untracedFetch(`${svc.url}/orders`, { headers: { traceparent: `00-${traceId}-${randomHex(8)}-01` } });
    await svc.nm.tracing!.forceFlush().catch(() => {});
    const out = await waitFor('the span in the collector', () => (collector.output().includes(traceId) ? collector.output() : undefined), 30_000, 200);
    assert.match(out, new RegExp(`service\\.name: Str\\(${name}\\)`), 'the resource names the service');
    assert.match(out, /Kind\s*: Server/);
    assert.ok(out.includes(`Trace ID       : ${traceId}`), 'the trace id as sent');
    const ok = await exported(svc.nm);
    assert.ok(ok >= 1, `exported spans counted: ${ok}`);
  } finally {
    await svc.stop();
  }
});
