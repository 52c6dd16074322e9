// A Zipkin/Loki-compatible sink for benchmarks: accepts every POST and answers 202 without parsing the body
// (parsing here would slow the process that also generates the load). Returns its base URL and close().
import { createServer } from 'node:http';

export async function startSink() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = 202;
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}
