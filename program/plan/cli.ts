/**
 * npm run plan -- --stack <name> [--json <file>] [--config key=value ...]
 *
 * What `pulumi preview` would create for a stack, offline: no cloud account, no credentials, no
 * Pulumi CLI. Runs the real program under Pulumi's mocks and the policy pack over the result.
 * Exit 0 when clean, 1 on a mandatory policy violation, 2 on invalid config or usage.
 */
import * as fs from "fs";
import { ConfigError, Plan, planStack } from "./plan";
import { listStacks } from "./stack";

function usage(msg: string): never {
  console.error(`${msg}\nusage: npm run plan -- --stack <${listStacks().join("|")}> [--json <file>] [--config dify:key=value ...]`);
  process.exit(2);
}

function parseArgs(argv: string[]): { stack: string; json?: string; overrides: Record<string, unknown> } {
  let stack: string | undefined;
  let json: string | undefined;
  const overrides: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack" || a === "-s") stack = argv[++i];
    else if (a.startsWith("--stack=")) stack = a.slice(8);
    else if (a === "--json") json = argv[++i];
    else if (a === "--config" || a === "-c") {
      // Like `pulumi config set` for this run only: the value is a string (JSON for lists and maps).
      const kv = argv[++i] ?? "";
      const eq = kv.indexOf("=");
      if (eq <= 0) usage(`--config takes key=value, got ${JSON.stringify(kv)}`);
      overrides[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    else if (a.startsWith("--json=")) json = a.slice(7);
    else usage(`unknown argument ${JSON.stringify(a)}`);
  }
  if (!stack) usage("missing --stack");
  if (json === undefined && argv.includes("--json")) usage("--json needs a file name");
  return { stack, json, overrides };
}

/** The component (top-level resource) a resource belongs to. */
function topOf(urn: string, byUrn: Map<string, { parent: string | null; name: string; type: string }>): string {
  let cur = byUrn.get(urn);
  let label = cur ? `${cur.type.split(":").pop()} ${cur.name}` : urn;
  while (cur?.parent && byUrn.has(cur.parent)) {
    const p = byUrn.get(cur.parent)!;
    label = `${p.type.split(":").pop()} ${p.name}`;
    cur = p;
  }
  return label;
}

function summary(plan: Plan): string {
  const d = plan.document;
  const lines: string[] = [];
  const byUrn = new Map(d.resources.map((r) => [r.urn, r]));
  const groups = new Map<string, Map<string, number>>();
  for (const r of d.resources) {
    if (!r.custom && !r.type.startsWith("eks:")) continue;
    const top = topOf(r.urn, byUrn);
    const g = groups.get(top) ?? new Map<string, number>();
    g.set(r.type, (g.get(r.type) ?? 0) + 1);
    groups.set(top, g);
  }
  const total = d.resources.filter((r) => r.custom || r.type.startsWith("eks:")).length;
  lines.push(`Plan for stack "${d.stack}" (profile ${plan.config.profile}, ${plan.config.region}): ${total} resources in ${groups.size} components`);
  for (const [top, types] of [...groups].sort()) {
    const n = [...types.values()].reduce((a, b) => a + b, 0);
    lines.push(`\n  ${top} (${n})`);
    for (const [t, c] of [...types].sort()) lines.push(`    ${String(c).padStart(3)}  ${t}`);
  }
  lines.push("\nOutputs:");
  for (const [k, v] of Object.entries(d.outputs)) lines.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  const p = d.policy;
  const mandatory = p.violations.filter((v) => v.level === "mandatory");
  lines.push(`\nPolicy pack ${p.pack}: ${mandatory.length} mandatory, ${p.violations.length - mandatory.length} advisory violation(s), ${p.exceptions.length} exception(s)`);
  for (const v of p.violations) lines.push(`  [${v.level}] ${v.policy}  ${v.urn.split("::").pop()}: ${v.message}`);
  for (const e of p.exceptions) lines.push(`  [exception] ${e.policy}  ${e.urn.split("::").pop()}: ${e.reason}`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  process.env.PULUMI_ERROR_OUTPUT_STRING = "true";
  // The Pulumi SDK formats a stack trace for every promise it tracks (runtime/debuggable.js);
  // under mocks nobody reads them, and they cost about a third of the run. PLAN_DEBUG=1 keeps them.
  // (scripts/plan.js sets this already when it is the entry.)
  if (!process.env.PLAN_DEBUG) Error.stackTraceLimit = 0;
  const args = parseArgs(process.argv.slice(2));
  if (!listStacks().includes(args.stack)) usage(`no stack "${args.stack}" (no Pulumi.${args.stack}.yaml)`);
  let plan: Plan;
  try {
    plan = await planStack(args.stack, { overrides: args.overrides });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Stack "${args.stack}" has invalid config; nothing was planned:`);
      for (const p of e.problems) console.error(`  ${p}`);
      process.exit(2);
    }
    throw e;
  }
  console.log(summary(plan));
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(plan.document, null, 2) + "\n");
  const mandatory = plan.document.policy.violations.some((v) => v.level === "mandatory");
  process.exit(mandatory ? 1 : 0);
}

main().catch((e: unknown) => {
  console.error(`plan failed: ${e instanceof Error ? e.message : String(e)}${process.env.PLAN_DEBUG ? `\n${(e as Error).stack}` : "\n(set PLAN_DEBUG=1 for a stack trace)"}`);
  process.exit(3);
});
