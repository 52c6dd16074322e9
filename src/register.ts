/**
 * `nodemeter/register`: instruments the process before the application's own code runs, configured from the
 * environment only (NODEMETER_SERVICE_NAME, MANAGEMENT_SERVER_PORT, … as docs/reference/configuration.md lists).
 *
 *   node --import nodemeter/register app.mjs      (ESM, Node 22+)
 *   node -r nodemeter/register app.cjs            (CommonJS)
 *   NODE_OPTIONS="--import nodemeter/register"    (no change to the start command)
 *
 * Started this way, a process also gets what an application would otherwise write (docs/guides/zero-code.md):
 * the automatic integrations (Express route templates and errors, the Fastify plugin on every instance, kafkajs
 * and @confluentinc/kafka-javascript clients, pg and mysql2 pools; `auto` options, NODEMETER_AUTO_*), and the
 * actuator on a management port of its own (8081 unless MANAGEMENT_SERVER_PORT says otherwise).
 *
 * The handle lives in the process-wide slot every copy of nodemeter shares, so the application reaches it with
 * `instrument()` (no options: the same handle; other options: the same handle and Warnings.INSTRUMENT_AGAIN).
 *
 * The build keeps `./index.js` as an import of the package's main entry (dist/index.js or dist/index.cjs), so this
 * entry adds a few lines to the package, not a second copy of it.
 */
import { markPreloaded } from './core/global.js';
import { instrument } from './index.js';

// Telemetry never breaks the host: whatever goes wrong here, the application still starts. instrument() does not
// throw for anything read from the environment, so this is the last guard, not the expected path.
try {
  // Before instrument(): the defaults that apply to a preloaded process (automatic integrations, management port)
  // read this mark, and so does the application's own instrument() call, which then finds the same configuration.
  markPreloaded();
  instrument();
} catch (err) {
  process.stderr.write(
    `nodemeter/register: the process was not instrumented: ${err instanceof Error ? err.message : String(err)}\n`,
  );
}
