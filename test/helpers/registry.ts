/** Test helpers: a registry with a binder context, and a small parser of the text exposition. */
import { Diag, type DiagSink } from '../../src/core/diag.js';
import type { BinderContext } from '../../src/metrics/binder.js';
import { PrometheusMeterRegistry, type MeterRegistry } from '../../src/metrics/registry.js';

export interface TestRegistry extends MeterRegistry {
  context: BinderContext;
  messages: string[];
}

/** A registry tagged application="test-app", whose diagnostics are collected in `messages`. */
export function newRegistry(overrides: Partial<BinderContext> = {}): TestRegistry {
  const messages: string[] = [];
  const sink: DiagSink = (level, message) => messages.push(`${level} ${message}`);
  const diag = new Diag('debug', sink);
  const registry = new PrometheusMeterRegistry({ application: 'test-app' }, diag) as MeterRegistry as TestRegistry;
  registry.messages = messages;
  registry.context = {
    diag,
    diskSpacePaths: ['.'],
    eventLoopResolutionMs: 10,
    mainApplicationClass: 'test',
    instrumentedAt: Date.now(),
    ...overrides,
  };
  return registry;
}

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses sample lines of a text exposition (not comments). Values NaN/+Inf/-Inf are understood. */
export function parseExposition(text: string): ParsedSample[] {
  const out: ParsedSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      for (const lm of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[lm[1]!] = lm[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    }
    const raw = m[4]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** The samples of one series name. */
export function seriesOf(text: string, name: string): ParsedSample[] {
  return parseExposition(text).filter((s) => s.name === name);
}
