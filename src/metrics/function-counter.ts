/**
 * FunctionCounter, as Micrometer's: a counter whose value is read from elsewhere at each scrape
 * (`process.cpuUsage()`, a pool's own tally). `read` emits the current totals; nodemeter never adds to them.
 */
import type { Family, Labels, Sample } from './family.js';

/** Emits one series' current total. @since 0.1.0 */
export type EmitValue = (value: number, labels?: Labels) => void;

/** @since 0.1.0 */
export interface FunctionCounter {
  readonly name: string;
}

export class FunctionCounterImpl implements FunctionCounter, Family {
  readonly type = 'counter' as const;
  readonly name: string;
  readonly help: string;
  readonly #read: (emit: EmitValue) => void;

  constructor(baseName: string, help: string, read: (emit: EmitValue) => void) {
    this.name = `${baseName}_total`;
    this.help = help;
    this.#read = read;
  }

  collect(): Sample[] {
    const out: Sample[] = [];
    this.#read((value, labels) => {
      if (Number.isFinite(value)) out.push({ value, labels: labels ?? {} });
    });
    return out;
  }
}
