/**
 * Internal diagnostics: where nodemeter reports its own trouble (exporter down, bad env value, port in use).
 * Never throws, never writes the same warning code twice at warn level: after the first time it goes to debug,
 * the way Micrometer's OnlyOnceLoggingDenyMeterFilter does.
 */

/** Levels of nodemeter's own diagnostics. @since 0.1.0 */
export type DiagLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

const ORDER: Record<DiagLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** Where diagnostics go; tests and the logging integration can replace it. @since 0.1.0 */
export type DiagSink = (level: Exclude<DiagLevel, 'silent'>, message: string) => void;

const defaultSink: DiagSink = (level, message) => {
  try {
    process.stderr.write(`[nodemeter] ${level.toUpperCase()} ${message}\n`);
  } catch {
    // stderr closed: nothing sensible left to do.
  }
};

/** @since 0.1.0 */
export class Diag {
  #level: number;
  #sink: DiagSink;
  readonly #seen = new Set<string>();

  constructor(level: DiagLevel = 'warn', sink: DiagSink = defaultSink) {
    this.#level = ORDER[level];
    this.#sink = sink;
  }

  setLevel(level: DiagLevel): void {
    this.#level = ORDER[level];
  }

  setSink(sink: DiagSink): void {
    this.#sink = sink;
  }

  enabled(level: Exclude<DiagLevel, 'silent'>): boolean {
    return ORDER[level] <= this.#level;
  }

  error(message: string): void {
    this.#write('error', message);
  }

  warn(message: string): void {
    this.#write('warn', message);
  }

  info(message: string): void {
    this.#write('info', message);
  }

  debug(message: string): void {
    this.#write('debug', message);
  }

  /** Warn the first time `key` is seen, debug after that. Returns true the first time. */
  warnOnce(key: string, message: string): boolean {
    if (this.#seen.has(key)) {
      this.#write('debug', message);
      return false;
    }
    if (this.#seen.size < 10_000) this.#seen.add(key);
    this.#write('warn', message);
    return true;
  }

  #write(level: Exclude<DiagLevel, 'silent'>, message: string): void {
    if (ORDER[level] > this.#level) return;
    try {
      this.#sink(level, message);
    } catch {
      // A broken sink must not break the host.
    }
  }
}
