/**
 * `npm run verify:cluster` entry: loads the project's TypeScript (scripts/register-ts.js) and runs
 * verify/cli.ts. The Pulumi SDK's per-promise stack traces are off as in scripts/plan.js.
 */
"use strict";
if (!process.env.VERIFY_DEBUG) {
  process.env.TS_NO_SOURCEMAP = "1";
  Error.stackTraceLimit = 0;
}
require("../scripts/register-ts");
require("./cli.ts");
