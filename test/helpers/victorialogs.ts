/** Reading logs back from the real VictoriaLogs of the test stack (LogsQL), and stopping/starting it. */
import { stack as stackService } from './stack.js';

export const VICTORIALOGS_URL = process.env.VICTORIALOGS_URL ?? '';

export function requireVictoriaLogs(): void {
  if (!VICTORIALOGS_URL) throw new Error('VICTORIALOGS_URL must be set (npm test starts the stack and sets it)');
}

/** The Loki push endpoint; `_msg_field=msg` makes pino's `msg` the message VictoriaLogs shows. */
export function lokiPushUrl(): string {
  return `${VICTORIALOGS_URL}/insert/loki/api/v1/push?_msg_field=msg`;
}

/** One stored line: its fields as VictoriaLogs returns them (`_msg`, `_stream`, `_time`, and the line's fields). */
export type StoredLine = Record<string, string>;

/** Makes lines ingested so far searchable (VictoriaLogs buffers them for up to a second otherwise). */
export async function forceFlush(): Promise<void> {
  const res = await fetch(`${VICTORIALOGS_URL}/internal/force_flush`, { method: 'POST' });
  if (!res.ok) throw new Error(`force_flush answered ${res.status}`);
}

/** Runs a LogsQL query; returns the lines (JSON lines answer). */
export async function query(logsql: string, limit = 1000): Promise<StoredLine[]> {
  const res = await fetch(`${VICTORIALOGS_URL}/select/logsql/query`, {
    method: 'POST',
    body: new URLSearchParams({ query: logsql, limit: String(limit) }),
  });
  if (!res.ok) throw new Error(`LogsQL ${logsql} answered ${res.status}: ${await res.text()}`);
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as StoredLine);
}

/** The number of lines matching a LogsQL filter (after a forced flush). */
export async function count(filter: string): Promise<number> {
  await forceFlush();
  const rows = await query(`${filter} | stats count() n`);
  return Number(rows[0]?.n ?? 0);
}

/** The labels of a stored line's stream: `{app="x",level="info"}` → { app: 'x', level: 'info' }. */
export function streamLabels(line: StoredLine): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (line._stream ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

/** `scripts/stack up|down|status victorialogs`, without blocking this process's event loop. */
export function stack(action: 'up' | 'down' | 'status'): Promise<boolean> {
  return stackService(action, 'victorialogs');
}
