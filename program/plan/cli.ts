/**
 * npm run plan -- --stack <name> [--json <file>] [--diff <base.json> [--diff-json <file>]] [--config key=value ...]
 *
 * What `pulumi preview` would create for a stack, offline: no cloud account, no credentials, no
 * Pulumi CLI. Runs the real program under Pulumi's mocks and the policy pack over the result.
 * Exit codes: usage.ts (EXIT_CODES), also in README.md and --help.
 */
import * as fs from "fs";
import type { DiffDocument } from "./diff";
import type { Plan } from "./plan";
import { listStacks } from "./stack";
import { parseArgs, PlanArgs, USAGE, UsageError } from "./usage";

function fail(code: number, lines: string[]): never {
  for (const l of lines) console.error(l);
  process.exit(code);
}

/** Reads a plan saved with --json; anything else is a usage error naming the file. */
function readBase(file: string): DiffDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    fail(2, [`--diff ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `not JSON (${(e as Error).message})`}`]);
  }
  const d = doc as Partial<DiffDocument>;
  if (!d || typeof d.stack !== "string" || !Array.isArray(d.resources) || d.resources.some((r) => typeof r?.urn !== "string" || typeof r.inputs !== "object")) {
    fail(2, [`--diff ${file}: not a plan document (write one with npm run plan -- --stack <name> --json ${file})`]);
  }
  return { ...d, outputs: d.outputs ?? {} } as DiffDocument;
}

function write(file: string, value: unknown): void {
  try {
    fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
  } catch (e) {
    fail(2, [`cannot write ${file}: ${(e as Error).message}`]);
  }
}

async function main(): Promise<void> {
  process.env.PULUMI_ERROR_OUTPUT_STRING = "true";
  // The Pulumi SDK formats a stack trace for every promise it tracks (runtime/debuggable.js);
  // under mocks nobody reads them, and they cost about a third of the run. PLAN_DEBUG=1 keeps them.
  // (scripts/plan.js sets this already when it is the entry.)
  if (!process.env.PLAN_DEBUG) Error.stackTraceLimit = 0;
  let args: PlanArgs | undefined;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) fail(2, [e.message, "", USAGE]);
    throw e;
  }
  if (!args) {
    console.log(USAGE);
    process.exit(0);
  }
  const stacks = listStacks();
  if (!stacks.includes(args.stack)) fail(2, [`no stack "${args.stack}" (no Pulumi.${args.stack}.yaml; stacks: ${stacks.join(", ")})`]);
  const base = args.diff === undefined ? undefined : readBase(args.diff);
  // Loaded only now (require, so the TypeScript hook applies): --help and bad arguments answer
  // without loading the program and the provider SDKs.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ConfigError, planStack } = require("./plan") as typeof import("./plan");
  const { renderDetail, renderDiff, renderSummary } = require("./console") as typeof import("./console");
  const { diffPlans } = require("./diff") as typeof import("./diff");
  /* eslint-enable @typescript-eslint/no-require-imports */
  let plan: Plan;
  try {
    plan = await planStack(args.stack, { overrides: args.overrides });
  } catch (e) {
    if (e instanceof ConfigError) fail(2, [`Stack "${args.stack}" has invalid config; nothing was planned:`, ...e.problems.map((p) => `  ${p}`)]);
    throw e;
  }
  const doc = plan.document;
  const ctx = { profile: plan.config.profile, region: plan.config.region, difyVersion: plan.config.difyVersion, verbose: args.verbose };
  const out = [...renderSummary(doc, ctx), ...renderDetail(doc)];
  if (base && args.diff !== undefined) {
    const diff = diffPlans(base, doc);
    out.push(...renderDiff(diff, new Set([...(base.knownAfterDeploy ?? []), ...doc.knownAfterDeploy]), args.diff));
    if (args.diffJson) write(args.diffJson, diff);
  }
  console.log(out.join("\n"));
  if (args.json) write(args.json, doc);
  const mandatory = doc.policy.violations.some((v) => v.level === "mandatory");
  process.exit(mandatory ? 1 : 0);
}

main().catch((e: unknown) => {
  console.error(`plan failed: ${e instanceof Error ? e.message : String(e)}${process.env.PLAN_DEBUG ? `\n${(e as Error).stack}` : "\n(set PLAN_DEBUG=1 for a stack trace)"}`);
  process.exit(3);
});
