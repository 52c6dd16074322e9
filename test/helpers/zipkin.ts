/** Reading traces back from the real Zipkin of the test stack. */
import { waitFor } from './http.js';

export const ZIPKIN_URL = process.env.ZIPKIN_URL ?? '';

export function requireZipkin(): void {
  if (!ZIPKIN_URL) throw new Error('ZIPKIN_URL must be set (npm test starts the stack and sets it)');
}

export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
  localEndpoint?: { serviceName?: string };
  remoteEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
  duration?: number;
}

/** The spans Zipkin holds for a trace ([] when it has none). */
export async function getTrace(traceId: string): Promise<ZipkinSpan[]> {
  const res = await fetch(`${ZIPKIN_URL}/api/v2/trace/${traceId}`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`zipkin answered ${res.status}`);
  return (await res.json()) as ZipkinSpan[];
}

/** Waits until the trace holds at least `count` spans. */
export function waitForTrace(traceId: string, count: number, timeoutMs = 20_000): Promise<ZipkinSpan[]> {
  return waitFor(`${count} spans of trace ${traceId} in Zipkin`, async () => {
    const spans = await getTrace(traceId);
    return spans.length >= count ? spans : undefined;
  }, timeoutMs, 200);
}

export function randomHex(bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
  return s;
}
