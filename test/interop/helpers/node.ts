/** Starts the interop suite's nodemeter service (test/interop/services/node-svc.ts) in its own process with tsx. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../helpers/http.js';
import { track, type Propagation } from './spring.js';

export interface NodeOptions {
  appName: string;
  propagation: Propagation;
  listenTopic: string;
  group?: string;
  kafkaBrokers: string;
  zipkinUrl: string;
  victoriaLogsUrl: string;
  /** extra environment (nodemeter variables) */
  env?: Record<string, string>;
}

export interface NodeService {
  url: string;
  appName: string;
  startMs: number;
  output(): string;
  stop(): Promise<void>;
}

export async function startNode(o: NodeOptions): Promise<NodeService> {
  const file = fileURLToPath(new URL('../services/node-svc.ts', import.meta.url));
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    env: {
      ...process.env,
      NODEMETER_SERVICE_NAME: o.appName,
      LISTEN_TOPIC: o.listenTopic,
      GROUP: o.group ?? o.appName,
      KAFKA_BROKERS: o.kafkaBrokers,
      NODEMETER_ZIPKIN_ENDPOINT: `${o.zipkinUrl}/api/v2/spans`,
      MANAGEMENT_TRACING_PROPAGATION_TYPE: o.propagation,
      MANAGEMENT_TRACING_SAMPLING_PROBABILITY: '1.0',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      NODEMETER_LOKI_URL: `${o.victoriaLogsUrl}/insert/loki/api/v1/push`,
      NODEMETER_LOKI_BATCH_INTERVAL_MS: '200',
      NODEMETER_LOG_LEVEL: 'error',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  };
  try {
    const url = await waitFor(`node service ${o.appName} to start`, () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${out.slice(-4000)}`);
      return /^(http:\/\/\S+)$/m.exec(out)?.[1];
    }, 60_000, 50);
    return { url, appName: o.appName, startMs: Date.now() - t0, output: () => out, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
