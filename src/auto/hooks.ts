/**
 * Module hooks for the libraries that publish no diagnostics channel (kafkajs, pg, mysql2, pino, finalhandler):
 * Node's synchronous `module.registerHooks()` (Node 22.15+, 23.5+) sees each module's source as it is loaded, by
 * `require` and by `import` alike, in this thread. For the entry file of a watched package, one statement is
 * appended to its CommonJS source; it runs when the module's body has run and hands its `module` object to
 * nodemeter, which replaces exports (a subclass, a wrapping factory) in place. `import` of a CommonJS package
 * reads the named exports from `module.exports` after that, so ESM and CJS applications get the same wrapped
 * exports. Nothing else is patched: no `Module._load`, no prototypes of Node.
 *
 * Only CommonJS entries are touched (all of the watched ones are CommonJS; pg's ESM entry re-exports its CommonJS
 * one), so the statement can rely on `module`. A package's identity is its path under `node_modules`, so every copy
 * of it is seen (hoisted, nested, pnpm).
 */
import module from 'node:module';

/** Called with the package's key and its `module` when an entry file has run. */
export type ModuleLoaded = (key: string, mod: { exports: unknown }) => void;

/** Entry files, by the path that ends their URL, and the key the callback receives. */
export interface HookTarget {
  readonly key: string;
  /** e.g. `/node_modules/kafkajs/index.js` */
  readonly pathEnd: string;
}

const kCallback = Symbol.for('nodemeter.0.auto.loaded');

type LoadResult = { format?: string | null; source?: string | ArrayBuffer | ArrayBufferView | null; shortCircuit?: boolean };
type RegisterHooks = (hooks: {
  load?: (url: string, context: { format?: string | null }, nextLoad: (url: string, context?: object) => LoadResult) => LoadResult;
}) => { deregister(): void };

/** True when this Node can hook module loading synchronously (22.15+, 23.5+). */
export function canHookModules(): boolean {
  return typeof (module as unknown as { registerHooks?: unknown }).registerHooks === 'function';
}

function text(source: LoadResult['source']): string | undefined {
  if (typeof source === 'string') return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return new TextDecoder().decode(source as ArrayBuffer);
  return undefined;
}

/**
 * Installs the load hook for `targets`; returns the function that removes it. Modules loaded before this call are
 * not seen (`--import nodemeter/register` runs before the application's first import).
 */
export function hookModules(targets: readonly HookTarget[], loaded: ModuleLoaded): () => void {
  const registerHooks = (module as unknown as { registerHooks: RegisterHooks }).registerHooks;
  (globalThis as unknown as Record<symbol, ModuleLoaded | undefined>)[kCallback] = loaded;
  const hooks = registerHooks({
    load(url, context, nextLoad) {
      const result = nextLoad(url, context);
      // Cheapest test first: this runs for every module the process loads.
      if (!url.includes('/node_modules/')) return result;
      let target: HookTarget | undefined;
      for (const t of targets) {
        if (url.endsWith(t.pathEnd)) {
          target = t;
          break;
        }
      }
      // `require` leaves the format open (undefined) for a .js file of a CommonJS package; `import` says commonjs.
      if (target === undefined || (result.format !== 'commonjs' && result.format != null)) return result;
      const source = text(result.source);
      if (source === undefined) return result;
      // Appended, so line numbers in the library's stack traces stay right; a no-op once nodemeter shut down.
      const call = `\n;(function(){var f=globalThis[Symbol.for('nodemeter.0.auto.loaded')];if(typeof f==='function')f(${JSON.stringify(target.key)},module);})();\n`;
      return { ...result, source: source + call };
    },
  });
  return () => {
    hooks.deregister();
    const g = globalThis as unknown as Record<symbol, ModuleLoaded | undefined>;
    if (g[kCallback] === loaded) g[kCallback] = undefined;
  };
}
