// The demo's stand-in for Zipkin and Loki: accepts Zipkin's span list (POST /api/v2/spans, JSON v2, what
// nodemeter's Zipkin exporter sends) and Loki pushes in JSON (POST /loki/api/v1/push), keeps the last few thousand,
// and prints a trace as a span tree. Just enough to show one trace and its log lines without any backend.
import { createServer } from 'node:http';

const MAX = 5000;

export async function startReceiver() {
  const spans = [];
  const logs = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
        if (req.url?.startsWith('/api/v2/spans') && Array.isArray(body)) spans.push(...body);
        else if (req.url?.startsWith('/loki/api/v1/push') && Array.isArray(body?.streams)) {
          for (const stream of body.streams) for (const [, line, meta] of stream.values ?? []) logs.push({ line, meta: meta ?? {} });
        }
        spans.splice(0, Math.max(0, spans.length - MAX));
        logs.splice(0, Math.max(0, logs.length - MAX));
        res.writeHead(202).end();
      } catch {
        res.writeHead(400).end(); // e.g. a protobuf push: not understood here
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;

  const poll = async (get, min, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = get();
      if (found.length >= min || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    url,
    waitForTrace: (traceId, min, timeoutMs) => poll(() => spans.filter((s) => s.traceId === traceId), min, timeoutMs),
    waitForLogs: (traceId, min, timeoutMs) =>
      poll(() => logs.filter((l) => l.meta.traceId === traceId || l.line.includes(traceId)).map((l) => l.line), min, timeoutMs),
    spanTree,
    close: () => server.close(),
  };
}

/** `service: name  kind  duration` lines, children indented under their parent, in start order. */
export function spanTree(spans) {
  const ids = new Set(spans.map((s) => s.id));
  const children = new Map();
  for (const s of spans) {
    const parent = s.parentId && ids.has(s.parentId) ? s.parentId : '';
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const out = [];
  const walk = (parent, depth) => {
    for (const s of (children.get(parent) ?? []).sort((a, b) => a.timestamp - b.timestamp)) {
      const ms = ((s.duration ?? 0) / 1000).toFixed(1);
      out.push(`${'  '.repeat(depth)}${depth ? '└─ ' : ''}${s.localEndpoint?.serviceName}: ${s.name}  ${s.kind ?? ''} ${ms} ms`);
      walk(s.id, depth + 1);
    }
  };
  walk('', 0);
  return out;
}
