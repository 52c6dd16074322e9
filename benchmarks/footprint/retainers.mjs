// Who holds objects of one constructor in a heap snapshot: retainer chains up to `depth` levels, counted.
//
//   node benchmarks/footprint/retainers.mjs <file.heapsnapshot> <constructor> [depth=4] [top=15]
import { readFileSync } from 'node:fs';

const [path, ctor, depthArg, topArg] = process.argv.slice(2);
const DEPTH = Number(depthArg ?? 4);
const TOP = Number(topArg ?? 15);
const snap = JSON.parse(readFileSync(path, 'utf8'));
const meta = snap.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const nType = meta.node_fields.indexOf('type');
const nName = meta.node_fields.indexOf('name');
const nEdges = meta.node_fields.indexOf('edge_count');
const eType = meta.edge_fields.indexOf('type');
const eName = meta.edge_fields.indexOf('name_or_index');
const eTo = meta.edge_fields.indexOf('to_node');
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const { nodes, edges, strings } = snap;
const retainers = new Map(); // node index -> [[from node index, edge label]]
let e = 0;
for (let n = 0; n < nodes.length; n += NF) {
  for (let k = 0; k < nodes[n + nEdges]; k++, e += EF) {
    const type = edgeTypes[edges[e + eType]];
    if (type === 'weak') continue;
    const label = type === 'element' || type === 'hidden' ? `[${edges[e + eName]}]` : strings[edges[e + eName]];
    const to = edges[e + eTo];
    let list = retainers.get(to);
    if (!list) retainers.set(to, (list = []));
    list.push([n, label]);
  }
}
const describe = (n) => `${nodeTypes[nodes[n + nType]]}:${String(strings[nodes[n + nName]]).slice(0, 50)}`;
const chains = new Map();
let count = 0;
for (let n = 0; n < nodes.length; n += NF) {
  if (nodeTypes[nodes[n + nType]] !== 'object' || strings[nodes[n + nName]] !== ctor) continue;
  count++;
  // Follow the first retainer that is not the constructor itself, DEPTH levels up.
  let chain = [];
  let cur = n;
  for (let d = 0; d < DEPTH; d++) {
    const list = (retainers.get(cur) ?? []).filter(([from]) => from !== cur);
    if (list.length === 0) break;
    const [from, label] = list[0];
    chain.push(`${label} <- ${describe(from)}`);
    cur = from;
  }
  const key = chain.join('  |  ');
  chains.set(key, (chains.get(key) ?? 0) + 1);
}
console.log(`${count} ${ctor}`);
for (const [k, c] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${String(c).padStart(6)}  ${k}`);
