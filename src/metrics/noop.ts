/** No-op meters: what a denied or conflicting meter request returns, so call sites never branch. */
import type { Counter, CounterChild } from './counter.js';
import type { FunctionCounter } from './function-counter.js';
import type { LongTaskTimer } from './long-task-timer.js';
import type { Gauge, GaugeChild } from './gauge.js';
import type { Timer, TimerChild } from './timer.js';

const noopChild: CounterChild & GaugeChild & TimerChild = {
  inc() {},
  set() {},
  record() {},
};

export const NOOP_COUNTER: Counter = { inc() {}, child: () => noopChild };
export const NOOP_GAUGE: Gauge = { set() {}, child: () => noopChild, remove() {}, reset() {} };
export const NOOP_TIMER: Timer = {
  record() {},
  remove() {},
  child: () => noopChild,
  time: (_labels, fn) => fn(),
};
export const NOOP_FUNCTION_COUNTER: FunctionCounter = { name: 'noop' };
const noopTask = { stop() {} };
export const NOOP_LONG_TASK_TIMER: LongTaskTimer = { start: () => noopTask, child: () => ({ start: () => noopTask }) };
