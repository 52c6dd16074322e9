// A Zipkin/Loki-compatible sink for benchmarks: accepts every POST, answers 202 (spans) or 204 (Loki push), and
// counts what arrived without parsing JSON (it shares a process, and a core, with the load generator): a Zipkin v2
// span batch holds one `"traceId"` key per span, and a Loki push body one `["` per log line (each value is
// `["<ns>","<line>"…]`; inside a JSON string the quote is escaped, so `["` cannot occur there). Gzip bodies are
// inflated first. `/downstream` answers 200 and counts nothing (a benchmark server's own outgoing call). Returns its
// base URL, counts() and close().
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

const TRACE_ID = Buffer.from('"traceId"');
const LINE = Buffer.from('["');

function occurrences(buf, needle) {
  let n = 0;
  for (let at = buf.indexOf(needle); at !== -1; at = buf.indexOf(needle, at + needle.length)) n++;
  return n;
}

export async function startSink() {
  const counts = { spans: 0, lines: 0, spanBatches: 0, lineBatches: 0 };
  const server = createServer((req, res) => {
    if (req.url === '/downstream') {
      req.resume();
      res.end('{}');
      return;
    }
    const isLoki = req.url.includes('/loki/');
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      try {
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      } catch {
        /* not gzip after all: count what is there */
      }
      if (isLoki) {
        counts.lines += occurrences(body, LINE);
        counts.lineBatches++;
      } else {
        counts.spans += occurrences(body, TRACE_ID);
        counts.spanBatches++;
      }
      res.statusCode = isLoki ? 204 : 202;
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** What arrived so far (a copy). */
    counts: () => ({ ...counts }),
    close: () => server.close(),
  };
}
