/** Every runtime binder, in the order they are bound. Adding a binder: one file, one test, one line here. */
import type { MeterBinder } from '../binder.js';
import { diskSpaceBinder } from './disk-space.js';
import { eventLoopBinder } from './event-loop.js';
import { fileDescriptorsBinder } from './file-descriptors.js';
import { jvmBufferBinder } from './jvm-buffer.js';
import { jvmGcBinder } from './jvm-gc.js';
import { jvmHeapPressureBinder } from './jvm-heap-pressure.js';
import { jvmInfoBinder } from './jvm-info.js';
import { jvmMemoryBinder } from './jvm-memory.js';
import { jvmThreadsBinder } from './jvm-threads.js';
import type { BinderName } from './names.js';
import { nodeGcBinder } from './node-gc.js';
import { nodeHandlesBinder } from './node-handles.js';
import { processCpuBinder } from './process-cpu.js';
import { processMemoryBinder } from './process-memory.js';
import { processorBinder } from './processor.js';
import { startupTimeBinder } from './startup-time.js';
import { uptimeBinder } from './uptime.js';
import { jvmClassesBinder } from './jvm-classes.js';
import { processStatusBinder } from './process-status.js';

export const RUNTIME_BINDERS: readonly MeterBinder[] = [
  processCpuBinder,
  uptimeBinder,
  fileDescriptorsBinder,
  processorBinder,
  diskSpaceBinder,
  jvmMemoryBinder,
  jvmBufferBinder,
  jvmGcBinder,
  jvmHeapPressureBinder,
  jvmThreadsBinder,
  jvmInfoBinder,
  startupTimeBinder,
  eventLoopBinder,
  nodeGcBinder,
  nodeHandlesBinder,
  processMemoryBinder,
  jvmClassesBinder,
  processStatusBinder,
];

export function binderByName(name: BinderName): MeterBinder | undefined {
  return RUNTIME_BINDERS.find((b) => b.name === name);
}
