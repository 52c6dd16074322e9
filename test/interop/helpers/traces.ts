/** Reading one cross-service trace back from Zipkin and checking its shape. */
import { waitFor } from '../../helpers/http.js';
import type { ZipkinSpan } from '../../helpers/zipkin.js';

export type { ZipkinSpan };

/** The spans Zipkin holds for a trace ([] when none); a stuck Zipkin fails the call after 5 s instead of hanging. */
export async function getTrace(traceId: string): Promise<ZipkinSpan[]> {
  const res = await fetch(`${process.env.ZIPKIN_URL}/api/v2/trace/${traceId}`, { signal: AbortSignal.timeout(5_000) });
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`zipkin answered ${res.status}`);
  return (await res.json()) as ZipkinSpan[];
}

/** Zipkin lower-cases service names. */
export const svc = (s: ZipkinSpan): string => s.localEndpoint?.serviceName ?? '';

export function describeSpans(spans: ZipkinSpan[]): string {
  return spans
    .map((s) => `  ${s.traceId}/${s.id} parent=${s.parentId ?? '-'} ${svc(s)} ${s.kind ?? '-'} "${s.name}" remote=${s.remoteEndpoint?.serviceName ?? '-'}`)
    .join('\n');
}

export interface Hop {
  service: string;
  kind: ZipkinSpan['kind'];
}

/**
 * Polls Zipkin until the trace holds a span for each hop; returns them in the hops' order, or throws at the
 * deadline with what Zipkin held. Only presence is awaited: parent links are the caller's assertions.
 */
export async function waitForHops(traceId: string, hops: Hop[], timeoutMs = 30_000): Promise<{ spans: ZipkinSpan[]; found: ZipkinSpan[] }> {
  let last: ZipkinSpan[] = [];
  try {
    return await waitFor(`trace ${traceId} to hold ${hops.map((h) => `${h.service} ${h.kind}`).join(', ')}`, async () => {
      last = await getTrace(traceId);
      const found = hops.map((h) => last.find((s) => svc(s) === h.service.toLowerCase() && s.kind === h.kind));
      return found.every(Boolean) ? { spans: last, found: found as ZipkinSpan[] } : undefined;
    }, timeoutMs, 250);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nZipkin holds:\n${describeSpans(last)}`);
  }
}
