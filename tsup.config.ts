import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];
type TsupPlugin = NonNullable<Options['plugins']>[number];

/**
 * The JavaScript files are ASCII. One character beyond Latin-1 anywhere in a file (an arrow in a doc comment the
 * tree-shaking pass keeps) makes Node hold that module's whole source as UTF-16 for the life of the process: twice its
 * size on the heap, dist/index.js 872 instead of 436 KB (docs/benchmarks.md, "Eleventh look"). esbuild already
 * escapes strings and template literals; what is left are comments, escaped here.
 */
const asciiOnly: TsupPlugin = {
  name: 'ascii-only',
  renderChunk(code, chunk) {
    if (!/\.[cm]?js$/.test(chunk.path)) return undefined;
    return { code: code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) };
  },
};

/**
 * `src/register.ts` imports `./index.js`; in the build that import stays an import of the main entry of the same
 * format (dist/index.js from dist/register.js, dist/index.cjs from dist/register.cjs) instead of a second bundled
 * copy of everything.
 */
function registerUsesMainEntry(format: 'esm' | 'cjs'): EsbuildPlugin {
  return {
    name: 'register-uses-main-entry',
    setup(build) {
      build.onResolve({ filter: /^\.\/index\.js$/ }, (args) =>
        /[\\/]src[\\/]register\.ts$/.test(args.importer)
          ? { path: format === 'cjs' ? './index.cjs' : './index.js', external: true }
          : undefined,
      );
    },
  };
}

const shared: Options = {
  entry: {
    index: 'src/index.ts',
    // `node --import nodemeter/register` / `node -r nodemeter/register`: instrument from the environment.
    register: 'src/register.ts',
    // The Loki shipping worker runs in its own thread, loaded by file name.
    'loki-worker': 'src/logging/loki-worker.ts',
  },
  // No source maps in the package: they doubled its unpacked size, and stack traces through dist/ stay readable
  // (the build is not minified, names and comments are kept).
  sourcemap: false,
  // `import.meta.url` in the CommonJS build too: the OpenTelemetry SDK is loaded through createRequire() only when
  // tracing is on (src/tracing/sdk.ts).
  shims: true,
  target: 'node22',
  platform: 'node',
  splitting: false,
  treeshake: true,
  plugins: [asciiOnly],
};

// The two formats build side by side; `npm run build` empties dist/ first (a `clean` here would race the other).
export default defineConfig([
  {
    ...shared,
    format: ['esm'],
    dts: { entry: { index: 'src/index.ts', register: 'src/register.ts' } },
    esbuildPlugins: [registerUsesMainEntry('esm')],
  },
  {
    ...shared,
    format: ['cjs'],
    dts: { entry: { index: 'src/index.ts', register: 'src/register.ts' } },
    esbuildPlugins: [registerUsesMainEntry('cjs')],
  },
]);
