// Top allocation sites of a sampled heap profile (`HEAP_PROFILE=<dir> node benchmarks/footprint/run.mjs …`
// writes one per server: allocations a scavenge did not free, i.e. promoted to the old generation).
//
//   node benchmarks/footprint/heap-profile.mjs <file.heapprofile> [top=25]
import { readFileSync } from 'node:fs';

const [path, topArg] = process.argv.slice(2);
const TOP = Number(topArg ?? 25);
const { head, samples } = JSON.parse(readFileSync(path, 'utf8'));
const sites = new Map();
let total = 0;
const walk = (node, stack) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const here = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|dist|\.bench-builds)\//, '$1/')}:${lineNumber + 1}`;
  const self = node.selfSize;
  if (self > 0) {
    total += self;
    // Attribute to the frame and its caller, which usually says what the allocation is for.
    const key = `${here}  <- ${stack[stack.length - 1] ?? ''}`;
    sites.set(key, (sites.get(key) ?? 0) + self);
  }
  for (const child of node.children) walk(child, [...stack, here]);
};
walk(head, []);
console.log(`sampled ${(total / 1024 / 1024).toFixed(1)} MiB in ${samples.length} samples`);
for (const [key, size] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
  console.log(`  ${(size / 1024).toFixed(0).padStart(8)} KiB  ${(size / total * 100).toFixed(1).padStart(5)}%  ${key}`);
}
