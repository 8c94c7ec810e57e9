/**
 * The offline plan: load a stack's config, run the real program in-process under mocks, run the
 * policy pack over what it registered, and return a deterministic JSON-able result. This is both
 * the user-facing `npm run plan` and the harness every program-level test uses.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, DifyStackConfig, parseStackConfig } from "../config";
import { deployDify } from "../deploy";
import { stackSettings } from "../settings";
import { CapacityReport } from "../capacity/model";
import { costOf, CostReport } from "../capacity/cost";
import { evaluatePolicies, loadPolicyConfig, PolicyReport } from "../../policy/runner";
import { RecordedResource, runUnderMocks } from "./monitor";
import { SECRET_MARK, UNKNOWN_MARK } from "./render";
import { loadStackConfig, readProject } from "./stack";

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  custom: boolean;
  inputs: Record<string, unknown>;
  dependencies: string[];
  options: { protect: boolean; dependsOn: string[]; retainOnDelete: boolean; deleteBeforeReplace: boolean; ignoreChanges: string[]; aliases?: string[] };
}

/** The `--json` document. */
export interface PlanDocument {
  stack: string;
  project: string;
  resources: PlanResource[];
  outputs: Record<string, unknown>;
  policy: PolicyReport;
  /**
   * Values that exist only after deploy (ids, ARNs, endpoints the providers compute), as the mocks
   * stood them in. The document keeps them where they occur; the console shows <known after deploy>.
   */
  knownAfterDeploy: string[];
  /** What the stack serves and every limit on the way, from its settings (program/capacity/model.ts). */
  capacity: CapacityReport;
  /** Monthly list price of the rendered resources at the idle floor and the autoscaling ceiling (program/capacity/cost.ts). */
  cost: CostReport;
}

/** A plan plus what tests need beyond the document (revealed inputs, the parsed config). */
export interface Plan {
  document: PlanDocument;
  recorded: RecordedResource[];
  config: DifyStackConfig;
  /** Outputs with secrets revealed (tests only). */
  rawOutputs: Record<string, unknown>;
}

export interface PlanOptions {
  /** Config overrides applied after the stack file, e.g. {"dify:azCount": 2}; undefined deletes a key. */
  overrides?: Record<string, unknown>;
  /** Run the policy pack (default true). */
  policy?: boolean;
}

/** Resolves nested Outputs; secrets become "[secret]" in `masked`, unknowns "[unknown]". */
async function resolveDeep(v: unknown): Promise<{ masked: unknown; revealed: unknown }> {
  if (pulumi.Output.isInstance(v)) {
    const o = v as unknown as { promise(u?: boolean): Promise<unknown>; isSecret: Promise<boolean>; isKnown: Promise<boolean> };
    const [value, secret, known] = await Promise.all([o.promise(true), o.isSecret, o.isKnown]);
    if (!known) return { masked: UNKNOWN_MARK, revealed: UNKNOWN_MARK };
    const inner = await resolveDeep(value);
    return secret ? { masked: SECRET_MARK, revealed: inner.revealed } : inner;
  }
  if (v instanceof Promise) return resolveDeep(await v);
  if (Array.isArray(v)) {
    const items = await Promise.all(v.map(resolveDeep));
    return { masked: items.map((i) => i.masked), revealed: items.map((i) => i.revealed) };
  }
  if (v !== null && typeof v === "object" && !pulumi.Resource.isInstance(v)) {
    const masked: Record<string, unknown> = {};
    const revealed: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const r = await resolveDeep((v as Record<string, unknown>)[k]);
      masked[k] = r.masked;
      revealed[k] = r.revealed;
    }
    return { masked, revealed };
  }
  return { masked: v, revealed: v };
}

/** Runs the plan of `stack`. Throws ConfigError for invalid config (before anything is registered). */
export async function planStack(stack: string, opts: PlanOptions = {}): Promise<Plan> {
  const project = readProject().name;
  const config = parseStackConfig(loadStackConfig(stack, opts.overrides));
  // Settings first: a config that breaks a capacity limit is a ConfigError (exit 2), not a failed run.
  const { capacity } = stackSettings(config, stack);
  const run = await runUnderMocks(() => deployDify(config), { stack, project, region: config.region });
  const outputs = await resolveDeep(run.value);
  const resources: PlanResource[] = run.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    parent: r.parent,
    custom: r.custom,
    inputs: r.inputs,
    dependencies: r.dependencies,
    options: r.options,
  }));
  const policy: PolicyReport =
    opts.policy === false
      ? { pack: "skipped", violations: [], exceptions: [] }
      : evaluatePolicies(
          run.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.inputs, parent: r.parent, dependencies: r.dependencies, protect: r.options.protect })),
          { config: loadPolicyConfig(config.profile), stack },
        );
  return {
    document: { stack, project, resources, outputs: outputs.masked as Record<string, unknown>, policy, knownAfterDeploy: run.computed, capacity, cost: costOf(resources) },
    recorded: run.resources,
    config,
    rawOutputs: outputs.revealed as Record<string, unknown>,
  };
}

export { ConfigError };
