/**
 * What the diagnostics channels of this runtime's fetch publish. The body of a response
 * (`undici:request:bodyChunkReceived`) is published from Node 24 on (undici 7); Node 22's fetch publishes the status
 * and errors only, so a refusal's warning there names the status without the receiver's answer.
 */
import diagnostics from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let cached: Promise<boolean> | undefined;

/** Whether this runtime's fetch publishes response bodies; found out once, with a request to a local server. */
export function fetchPublishesBodies(): Promise<boolean> {
  cached ??= (async () => {
    let seen = false;
    const onChunk = () => {
      seen = true;
    };
    const server = createServer((_req, res) => res.end('x'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    diagnostics.subscribe('undici:request:bodyChunkReceived', onChunk);
    try {
      await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).text();
    } finally {
      diagnostics.unsubscribe('undici:request:bodyChunkReceived', onChunk);
      server.closeAllConnections();
      server.close();
    }
    return seen;
  })();
  return cached;
}
