// Retained objects by constructor, one heap snapshot against another (e.g. tracing at 10% against bare, both
// written by `HEAP_SNAPSHOT=<dir> node benchmarks/footprint/run.mjs …` after load and a full GC).
//
//   node benchmarks/footprint/heap-diff.mjs <base.heapsnapshot> <other.heapsnapshot> [top=30]
//
// Self sizes summed by (node type, constructor or name); strings and code are grouped by type only. Shows the
// largest growths from base to other.
import { readFileSync } from 'node:fs';

const [basePath, otherPath, topArg] = process.argv.slice(2);
const TOP = Number(topArg ?? 30);

function summarise(path) {
  const snap = JSON.parse(readFileSync(path, 'utf8'));
  const { node_fields: fields, node_types: [types] } = snap.snapshot.meta;
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const { nodes, strings } = snap;
  const groups = new Map();
  let total = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + iType]];
    const size = nodes[i + iSize];
    total += size;
    // Strings, code and arrays by type; objects and closures by constructor / function name.
    const key = type === 'object' || type === 'closure' || type === 'hidden' || type === 'native'
      ? `${type}:${strings[nodes[i + iName]].slice(0, 80)}`
      : type;
    const g = groups.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += size;
    groups.set(key, g);
  }
  return { groups, total };
}

const base = summarise(basePath);
const other = summarise(otherPath);
const MiB = (b) => (b / 1024 / 1024).toFixed(2);
console.log(`total self size: base ${MiB(base.total)} MiB, other ${MiB(other.total)} MiB (+${MiB(other.total - base.total)})`);
const rows = [];
for (const [key, g] of other.groups) {
  const b = base.groups.get(key) ?? { count: 0, size: 0 };
  rows.push({ key, dCount: g.count - b.count, dSize: g.size - b.size });
}
rows.sort((a, b) => b.dSize - a.dSize);
console.log('  +KiB      +count  group');
for (const r of rows.slice(0, TOP)) {
  console.log(`  ${(r.dSize / 1024).toFixed(0).padStart(7)}  ${String(r.dCount).padStart(8)}  ${r.key}`);
}
