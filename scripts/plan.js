/**
 * `npm run plan` entry: the offline plan (scripts/plan.ts) without the costs a one-shot CLI does not
 * need: no inline source maps in the transpiled TypeScript and no stack traces formatted for every
 * promise the Pulumi SDK tracks (PLAN_DEBUG=1 keeps both). Its time budget is twice what merely
 * loading the Pulumi SDKs takes.
 */
"use strict";
if (!process.env.PLAN_DEBUG) {
  process.env.TS_NO_SOURCEMAP = "1";
  Error.stackTraceLimit = 0;
}
require("./register-ts");
require("./plan.ts");
