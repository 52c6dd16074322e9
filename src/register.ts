/**
 * `nodemeter/register`: instruments the process before the application's own code runs, configured from the
 * environment only (NODEMETER_SERVICE_NAME, MANAGEMENT_SERVER_PORT, … as docs/reference/configuration.md lists).
 *
 *   node --import nodemeter/register app.mjs      (ESM, Node 22+)
 *   node -r nodemeter/register app.cjs            (CommonJS)
 *   NODE_OPTIONS="--import nodemeter/register"    (no change to the start command)
 *
 * The handle lives in the process-wide slot every copy of nodemeter shares, so the application reaches it with
 * `instrument()` (no options: the same handle; other options: the same handle and Warnings.INSTRUMENT_AGAIN).
 *
 * The build keeps `./index.js` as an import of the package's main entry (dist/index.js or dist/index.cjs), so this
 * entry adds a few lines to the package, not a second copy of it.
 */
import { instrument } from './index.js';

// Telemetry never breaks the host: whatever goes wrong here, the application still starts. instrument() does not
// throw for anything read from the environment, so this is the last guard, not the expected path.
try {
  instrument();
} catch (err) {
  process.stderr.write(
    `nodemeter/register: the process was not instrumented: ${err instanceof Error ? err.message : String(err)}\n`,
  );
}
