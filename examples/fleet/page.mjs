// The fleet's page for people without Grafana: RED per service (from Prometheus), the saga's trace as a waterfall
// (from Zipkin) and its log lines (from the log receiver), refreshed every 2 s. Plain HTML and DOM, no build step.
// Each panel says how many rows it shows in `data-rows`, which the fleet's browser test reads.
export const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nodemeter demo fleet</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 16px; background: #111217; color: #ccccdc; }
  h1 { font-size: 18px; } h2 { font-size: 15px; margin: 0 0 8px; }
  section { background: #181b1f; border: 1px solid #2c3235; border-radius: 4px; padding: 12px; margin-bottom: 12px; }
  table { border-collapse: collapse; width: 100%; } td, th { padding: 3px 8px; text-align: left; border-bottom: 1px solid #2c3235; }
  .bar { position: relative; height: 16px; } .bar span { position: absolute; height: 14px; background: #5794f2; border-radius: 2px; }
  .bar span.kafka { background: #ff9830; } .bar span.db { background: #73bf69; }
  .name { white-space: nowrap; font-family: monospace; font-size: 12px; } .ERROR { color: #f2495c; } .WARN { color: #ff9830; }
</style></head>
<body>
<h1>nodemeter demo fleet</h1>
<section id="red" data-rows="0"><h2>RED per service (last minute)</h2><table><thead><tr><th>service</th><th>measured on</th><th>rate /s</th><th>errors /s</th><th>p99 / max (s)</th></tr></thead><tbody></tbody></table></section>
<section id="trace" data-rows="0"><h2>Saga trace <span id="traceId"></span></h2><table><tbody></tbody></table></section>
<section id="logs" data-rows="0"><h2>The trace's log lines</h2><table><tbody></tbody></table></section>
<script>
const fmt = (v, d = 3) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(d));
function rows(id, html, n) {
  const el = document.getElementById(id);
  el.querySelector('tbody').innerHTML = html;
  el.dataset.rows = String(n);
}
async function red() {
  const data = await (await fetch('/api/red')).json();
  rows('red', data.map((r) => '<tr><td>' + r.service + '</td><td>' + r.kind + '</td><td>' + fmt(r.rate, 2) + '</td><td>' + fmt(r.errors, 2) + '</td><td>' + fmt(r.p99) + '</td></tr>').join(''),
    data.filter((r) => r.rate !== null).length);
}
async function waterfall() {
  const { traceId, spans } = await (await fetch('/api/trace')).json();
  document.getElementById('traceId').textContent = traceId;
  if (spans.length === 0) return;
  const byId = new Map(spans.map((s) => [s.id, s]));
  const children = new Map();
  for (const s of spans) {
    const p = s.parentId && byId.has(s.parentId) ? s.parentId : '';
    children.set(p, [...(children.get(p) || []), s]);
  }
  const start = Math.min(...spans.map((s) => s.timestamp));
  const end = Math.max(...spans.map((s) => s.timestamp + (s.duration || 0)));
  const out = [];
  const walk = (parent, depth) => {
    for (const s of (children.get(parent) || []).sort((a, b) => a.timestamp - b.timestamp)) {
      const left = ((s.timestamp - start) / (end - start)) * 100;
      const width = Math.max(((s.duration || 0) / (end - start)) * 100, 0.3);
      const cls = s.kind === 'PRODUCER' || s.kind === 'CONSUMER' ? 'kafka' : s.tags && s.tags['db.system'] ? 'db' : '';
      out.push('<tr><td class="name" style="padding-left:' + (8 + depth * 14) + 'px">' + s.localEndpoint.serviceName + ': ' + s.name +
        '</td><td style="width:55%"><div class="bar"><span class="' + cls + '" style="left:' + left + '%;width:' + width + '%"></span></div></td><td>' +
        fmt((s.duration || 0) / 1000, 1) + ' ms</td></tr>');
      walk(s.id, depth + 1);
    }
  };
  walk('', 0);
  rows('trace', out.join(''), out.length);
}
async function logs() {
  const lines = await (await fetch('/api/logs')).json();
  rows('logs', lines.map((l) => '<tr><td class="name">' + l.time + '</td><td>' + l.app + '</td><td class="' + l.level + '">' + l.level + '</td><td>' + l.msg.replace(/</g, '&lt;') + '</td></tr>').join(''), lines.length);
}
async function refresh() { await Promise.allSettled([red(), waterfall(), logs()]); }
refresh();
setInterval(refresh, 2000);
</script></body></html>`;
