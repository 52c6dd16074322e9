/**
 * Internal diagnostics: where nodemeter reports its own trouble (exporter down, bad env value, port in use).
 * Never throws, never writes the same warning (code and subject) twice at warn level: after the first time it goes
 * to debug, the way Micrometer's OnlyOnceLoggingDenyMeterFilter does. Warnings are only those declared in
 * warnings.ts: `warn()` takes a declaration, never a string, so every warning printed has a documented code.
 */
import { formatWarning, type Warning } from './warnings.js';

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
  /** Subjects already warned about, by code ('' for a warning without a subject). */
  readonly #seen = new Map<string, Set<string>>();
  #seenCount = 0;

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

  info(message: string): void {
    this.#write('info', message);
  }

  debug(message: string): void {
    this.#write('debug', message);
  }

  /**
   * Reports a declared warning: at warn level the first time its code is seen with this `subject` (a meter name, a
   * host:port, …), at debug after that; warnings declared `everyTime` always at warn level. The message is formatted
   * only if its level is printed, so a repeat on a hot path (a denied tag value) costs a lookup. Returns true when
   * it was reported at warn level.
   */
  warn(warning: Warning, params?: undefined, subject?: string): boolean;
  warn<P>(warning: Warning<P>, params: P, subject?: string): boolean;
  warn<P>(warning: Warning<P>, params: P, subject?: string): boolean {
    const level = warning.everyTime || this.#firstTime(warning.code, subject ?? '') ? 'warn' : 'debug';
    if (ORDER[level] <= this.#level) this.#write(level, formatWarning(warning, params));
    return level === 'warn';
  }

  #firstTime(code: string, subject: string): boolean {
    let subjects = this.#seen.get(code);
    if (subjects === undefined) {
      subjects = new Set();
      this.#seen.set(code, subjects);
    }
    if (subjects.has(subject)) return false;
    // Bounded: a subject per raw value must not grow without end; past the bound a warning repeats at warn level.
    if (this.#seenCount < 10_000) {
      subjects.add(subject);
      this.#seenCount++;
    }
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
