// A broken backend in its own process (a server inside the observed process would itself be observed, and its
// spans exported to it). Speaks just enough Zipkin (POST /api/v2/spans, a JSON array) and Loki push
// (POST /loki/api/v1/push, {"streams":[{"values":[...]}]}) to count what arrives.
//
// stdin lines switch the behaviour:  mode ok | mode 500 | mode slow | mode silent | mode refuse
//   ok      202/204 at once             500     500 at once
//   slow    answers 204 after SLOW_MS   silent  accepts, reads the body, never answers
//   refuse  stops listening (connections refused); any other mode listens again on the same port
// `dump` (with COLLECT=1): one line `dump [[traceId, id, parentId, http.url, tagsJson], ...]`.
// stdout lines: `port N` once, then on every `stats` line from stdin a JSON line
//   {"hits":..,"open":..,"maxOpen":..,"spans":..,"logLines":..}   (spans/logLines: items in answered 2xx pushes)
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';

const SLOW_MS = Number(process.env.SLOW_MS ?? 5000);
let mode = process.env.MODE ?? 'ok';
const COLLECT = process.env.COLLECT === '1';
let hits = 0, open = 0, maxOpen = 0, spans = 0, logLines = 0;
const collected = []; // COLLECT=1: [traceId, id, parentId, http.url, all tags as JSON] of every span received
const pending = new Set();

function count(url, body) {
  try {
    const json = JSON.parse(body);
    if (url.startsWith('/api/v2/spans') && Array.isArray(json)) {
      spans += json.length;
      if (COLLECT) for (const s of json) collected.push([s.traceId, s.id, s.parentId ?? null, s.tags?.['http.url'] ?? null, JSON.stringify(s.tags ?? {})]);
    }
    if (url.startsWith('/loki/api/v1/push')) for (const s of json.streams ?? []) logLines += (s.values ?? []).length;
  } catch {
    // not JSON (a compressed or protobuf push): counted as a hit only
  }
}

const server = createServer((req, res) => {
  hits++;
  open++;
  maxOpen = Math.max(maxOpen, open);
  res.on('close', () => open--);
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const answer = (status) => {
      if (res.destroyed) return;
      if (status < 300) count(req.url ?? '', body);
      res.statusCode = status;
      res.end();
    };
    if (mode === 'ok') answer(req.url?.startsWith('/loki') ? 204 : 202);
    else if (mode === '500') answer(500);
    else if (mode === 'slow') {
      const t = setTimeout(() => { pending.delete(t); answer(204); }, SLOW_MS);
      pending.add(t);
    } // silent: nothing
  });
});
server.keepAliveTimeout = 60_000;
let port = Number(process.env.PORT ?? 0);
const listen = () => new Promise((r) => server.listen(port, '127.0.0.1', () => { port = server.address().port; r(); }));
await listen();
process.stdout.write(`port ${port}\n`);

createInterface({ input: process.stdin }).on('line', async (line) => {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd === 'stats') process.stdout.write(JSON.stringify({ mode, hits, open, maxOpen, spans, logLines }) + '\n');
  if (cmd === 'dump') process.stdout.write(`dump ${JSON.stringify(collected)}\n`);
  if (cmd === 'reset') { hits = 0; maxOpen = open; spans = 0; logLines = 0; process.stdout.write('reset\n'); }
  if (cmd === 'mode') {
    const wasRefusing = mode === 'refuse';
    mode = arg;
    if (mode === 'refuse' && !wasRefusing) {
      server.close();
      server.closeAllConnections();
    } else if (mode !== 'refuse' && wasRefusing) {
      await listen();
    }
    process.stdout.write(`mode ${mode}\n`);
  }
}).on('close', () => process.exit(0));
