// The Loki worker when nodemeter runs from its TypeScript sources (its own tests, benchmarks and examples under
// tsx). Node 20 does not run tsx's ESM hooks in worker threads, but tsx's require hook works there, so this file
// loads loki-worker.ts through it. The built package has a compiled loki-worker.js instead and never loads this.
'use strict';
require('tsx/cjs/api').register();
module.exports = require('./loki-worker.ts').default;
