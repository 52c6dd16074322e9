/**
 * Starts the interop suite's Spring Boot app (test/interop/spring-app, built by `scripts/stack up spring`) with
 * `java -jar`, each run with its own port, name, topic and propagation; waits for /actuator/health to be UP; stops
 * it with SIGTERM (SIGKILL after a grace period). The jar paths come from SPRING_APP_JAR_35 / SPRING_APP_JAR_40.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { waitFor } from '../../helpers/http.js';
import { untracedFetch } from '../../helpers/untraced.js';

export type BootLine = '35' | '40';
export type Propagation = 'W3C' | 'B3' | 'B3_MULTI';

export const BOOT_VERSION: Record<BootLine, string> = { '35': '3.5', '40': '4.0' };

/** The Boot lines to run: INTEROP_BOOT_LINES=35,40 (default both, in that order). */
export function bootLines(): BootLine[] {
  const raw = (process.env.INTEROP_BOOT_LINES ?? '35,40').split(',').map((s) => s.trim()).filter(Boolean);
  for (const line of raw) if (line !== '35' && line !== '40') throw new Error(`INTEROP_BOOT_LINES: unknown line '${line}'`);
  return raw as BootLine[];
}

export function springJar(line: BootLine): string {
  const jar = process.env[`SPRING_APP_JAR_${line}`];
  if (!jar) throw new Error(`SPRING_APP_JAR_${line} must be set: eval "$(bash scripts/stack up spring)"`);
  return jar;
}

export interface SpringOptions {
  line: BootLine;
  appName: string;
  propagation: Propagation;
  /** topic the @KafkaListener consumes */
  listenTopic: string;
  group?: string;
  kafkaBrokers: string;
  zipkinUrl: string;
  /** VictoriaLogs base URL; the Loki push path is appended */
  victoriaLogsUrl: string;
  port?: number;
  /** readiness deadline, default 120 s */
  timeoutMs?: number;
}

export interface SpringApp {
  url: string;
  line: BootLine;
  appName: string;
  /** milliseconds from spawn to /actuator/health UP */
  startMs: number;
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Children still running when the test process goes away (killed by a timeout, ^C) are killed with it. */
const live = new Set<ChildProcess>();
let hooked = false;
export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      for (const c of live) c.kill('SIGKILL');
      process.exit(130);
    });
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export async function startSpring(o: SpringOptions): Promise<SpringApp> {
  const port = o.port ?? (await freePort());
  const t0 = Date.now();
  const child = spawn('java', [
    '-Xms64m', '-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:ActiveProcessorCount=2', '-jar', springJar(o.line),
  ], {
    env: {
      ...process.env,
      PORT: String(port),
      APP_NAME: o.appName,
      LISTEN_TOPIC: o.listenTopic,
      GROUP: o.group ?? o.appName,
      KAFKA_BROKERS: o.kafkaBrokers,
      ZIPKIN_URL: o.zipkinUrl,
      PROPAGATION: o.propagation,
      LOKI_URL: `${o.victoriaLogsUrl}/insert/loki/api/v1/push`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited(child);
    clearTimeout(timer);
  };
  try {
    await waitFor(`Spring Boot ${BOOT_VERSION[o.line]} app ${o.appName} to be UP`, async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${out.slice(-4000)}`);
      const res = await untracedFetch(`${url}/actuator/health`, { signal: AbortSignal.timeout(2_000) });
      if (!res.ok) return undefined;
      const body = (await res.json()) as { status?: string };
      return body.status === 'UP' ? true : undefined;
    }, o.timeoutMs ?? 120_000, 250);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, line: o.line, appName: o.appName, startMs: Date.now() - t0, output: () => out, stop };
}
