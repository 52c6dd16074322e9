/**
 * pino, loaded on first use. instrument() with the default options (console JSON, no Loki) creates no logger until
 * the application reads `nm.logger`, so a process that never logs through nodemeter never reads pino's 29 modules
 * from disk (about 15 ms and 2–3 MB of a start-up, docs/benchmarks.md). Loki shipping starts pino's transport at
 * instrument(), so it loads pino then.
 *
 * `instrument()` is synchronous, so this is `require`, not `import()`. pino is CommonJS with no `exports` map, so
 * `require` gives the very module a static `import` (the application's own) would. The `import type` line is erased
 * from the build. Callers resolve it once per logger or stream they create, never per line.
 */
import { createRequire } from 'node:module';
import type { pino as Pino } from 'pino';

let loaded: typeof Pino | undefined;

/** The `pino` function (with `destination`, `transport`, `symbols`); loaded once, the same object afterwards. */
export function loadPino(): typeof Pino {
  // Resolves from nodemeter's own location. The CommonJS build gets `import.meta.url` from tsup's shims.
  loaded ??= (createRequire(import.meta.url)('pino') as { pino: typeof Pino }).pino;
  return loaded;
}

/**
 * pino's symbol of the metadata protocol of destination streams (`pino.symbols.needsMetadataGsym`). pino registers
 * it globally (`Symbol.for('pino.metadata')`, in every version nodemeter supports), so it is known without loading
 * pino, and the same for every copy of pino in the process.
 */
export const PINO_METADATA: unique symbol = Symbol.for('pino.metadata') as never;

/**
 * The console: standard output, written synchronously, as logback's ConsoleAppender does. So a line is on stdout
 * when the logging call returns, in order with `console.log` and the runtime's own warnings, and nothing waits in a
 * buffer at exit or at shutdown. (pino's `destination(1)` writes asynchronously with no buffer: its flush() returns
 * before a write in progress ends, so a line logged before `shutdown()` could still follow what the application
 * printed after it.) Measured piping 200,000 lines: 3.0–3.2 µs per line synchronous, 3.5–3.7 µs asynchronous.
 */
export function consoleDestination(): ReturnType<typeof Pino.destination> {
  return loadPino().destination({ dest: 1, sync: true });
}
