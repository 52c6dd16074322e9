/**
 * A local stand-in for a Loki push receiver, for unit tests of the transport's behaviour (the real receiver is in
 * the integration tests): records each push, answers as the test decides (status, delay, never).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LokiEntry {
  labels: Record<string, string>;
  /** Unix time in nanoseconds, as a string. */
  ts: string;
  /** The line parsed, when it is JSON (format 'json'); else empty. */
  line: Record<string, unknown>;
  /** The line as sent. */
  text: string;
  /** Loki structured metadata (the third element of the value), if any. */
  metadata: Record<string, string> | undefined;
}

function parseLine(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export interface Push {
  headers: IncomingHttpHeaders;
  entries: LokiEntry[];
}

/** What to answer a request: a status, or 'hang' (accept and never answer). */
export type Answer = number | 'hang';

export class FakeLoki {
  readonly pushes: Push[] = [];
  requests = 0;
  answer: (request: number) => Answer = () => 204;
  #server: Server | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/loki/api/v1/push`;
  }

  get entries(): LokiEntry[] {
    return this.pushes.flatMap((p) => p.entries);
  }

  /** Starts listening (again on the same port after stop()). */
  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const n = ++this.requests;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = this.answer(n);
        if (answer === 'hang') return;
        if (answer >= 200 && answer < 300) {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            streams: { stream: Record<string, string>; values: [string, string, Record<string, string>?][] }[];
          };
          this.pushes.push({
            headers: req.headers,
            entries: body.streams.flatMap((s) =>
              s.values.map(([ts, line, metadata]) => ({ labels: s.stream, ts, line: parseLine(line), text: line, metadata })),
            ),
          });
        }
        res.statusCode = answer;
        res.end(answer >= 400 ? `answer ${answer}` : undefined);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  /** Stops listening and drops open connections (the receiver is "down"). */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
