/** Talking to the real Prometheus of the test stack: register a scrape target, query, wait for series. */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './http.js';

export const PROMETHEUS_URL = process.env.PROMETHEUS_URL ?? '';
const TARGETS_DIR = process.env.PROMETHEUS_TARGETS_DIR ?? '';

export function requirePrometheus(): void {
  if (!PROMETHEUS_URL || !TARGETS_DIR) {
    throw new Error('PROMETHEUS_URL and PROMETHEUS_TARGETS_DIR must be set (npm test starts the stack and sets them)');
  }
}

/** Adds a file_sd target; returns a function that removes it. */
export function addTarget(name: string, address: string, labels: Record<string, string>): () => void {
  const file = join(TARGETS_DIR, `${name}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify([{ targets: [address], labels }]));
  renameSync(`${file}.tmp`, file);
  return () => rmSync(file, { force: true });
}

interface Target {
  labels: Record<string, string>;
  health: string;
  lastError: string;
  scrapeUrl: string;
}

/** Waits until Prometheus has scraped the target with this label successfully. */
export function waitForTargetUp(label: string, value: string, timeoutMs = 30_000): Promise<Target> {
  return waitFor(`Prometheus target ${label}=${value} to be up`, async () => {
    const body = (await (await fetch(`${PROMETHEUS_URL}/api/v1/targets?state=active`)).json()) as {
      data: { activeTargets: Target[] };
    };
    return body.data.activeTargets.find((t) => t.labels[label] === value && t.health === 'up' && t.lastError === '');
  }, timeoutMs);
}

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query; throws on a PromQL error. */
export async function query(expr: string): Promise<VectorSample[]> {
  const res = await fetch(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: unknown } };
  if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
  if (body.data.resultType === 'scalar') {
    return [{ metric: {}, value: body.data.result as [number, string] }];
  }
  return body.data.result as VectorSample[];
}
