/**
 * The Kubernetes objects a stack's program registers, taken from the in-process offline plan
 * (secrets revealed, unlike the printed plan JSON), and the node groups it creates.
 *
 * This is the ONLY module of verify/ that imports the plan harness, so a move of the harness
 * changes one import here.
 */
import { ConfigError, planStack } from "../program/plan/plan";
import { NodeGroupSpec, nodeGroupsOf } from "./nodes";

export { ConfigError };

/** A manifest as the Kubernetes provider would send it. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface Skipped {
  kind: string;
  name: string;
  why: string;
}

export interface StackObjects {
  stack: string;
  region: string;
  clusterName: string;
  profile: string;
  manifests: Manifest[];
  skipped: Skipped[];
  nodeGroups: NodeGroupSpec[];
  /** Dotted paths holding a value unknown at plan time ("[unknown]"), per object. */
  unknowns: string[];
}

interface Recorded {
  type: string;
  name: string;
  custom: boolean;
  rawInputs: Record<string, unknown>;
}

const UNKNOWN = "[unknown]";

/** Drops null/undefined (Pulumi's "not set") and records where unknown values sit. */
function clean(v: unknown, where: string, unknowns: string[]): unknown {
  if (v === UNKNOWN) unknowns.push(where);
  if (Array.isArray(v)) return v.map((x, i) => clean(x, `${where}[${i}]`, unknowns));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null || x === undefined) continue;
      out[k] = clean(x, `${where}.${k}`, unknowns);
    }
    return out;
  }
  return v;
}

/** "kubernetes:apps/v1:Deployment" → apiVersion "apps/v1", kind "Deployment" ("core/v1" → "v1"). */
export function typeToApi(type: string): { apiVersion: string; kind: string } | undefined {
  const m = /^kubernetes:([^:]+):(.+)$/.exec(type);
  if (!m) return undefined;
  return { apiVersion: m[1].startsWith("core/") ? m[1].slice(5) : m[1], kind: m[2] };
}

/**
 * Splits a plan's registrations into manifests to apply and what cannot be applied here (Helm
 * releases: a chart's objects are rendered by the provider at deploy time, and the controllers
 * they install need AWS). Every Kubernetes registration ends up in exactly one of the two.
 */
export function selectObjects(recorded: Recorded[]): { manifests: Manifest[]; skipped: Skipped[]; unknowns: string[] } {
  const manifests: Manifest[] = [];
  const skipped: Skipped[] = [];
  const unknowns: string[] = [];
  for (const r of recorded) {
    if (!r.custom || !r.type.startsWith("kubernetes:")) continue;
    const api = typeToApi(r.type);
    if (r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart") {
      skipped.push({ kind: "HelmRelease", name: String(r.rawInputs.name ?? r.name), why: `Helm chart ${String(r.rawInputs.chart)} ${String(r.rawInputs.version ?? "")}`.trim() + ": rendered and installed by Helm at deploy time; its controller needs AWS APIs" });
      continue;
    }
    if (!api || r.type.startsWith("kubernetes:yaml") || r.type === "kubernetes:index:Provider" || r.type.startsWith("pulumi:providers:")) continue;
    const m = clean(r.rawInputs, `${api.kind}/${r.name}`, unknowns) as Manifest;
    m.apiVersion = m.apiVersion ?? api.apiVersion;
    m.kind = m.kind ?? api.kind;
    m.metadata = m.metadata ?? ({} as Manifest["metadata"]);
    // Pulumi auto-names an object without metadata.name: "<resource name>-<random suffix>".
    if (!m.metadata.name) m.metadata.name = `${r.name}-0a1b2c3d`;
    manifests.push(m);
  }
  return { manifests, skipped, unknowns };
}

/**
 * Partitions by whether this API server serves the object's API (group/version + kind). Objects
 * of custom resources (e.g. KEDA's ScaledObject) go to `skipped`: no CRD and no operator here.
 */
export function partitionServed(manifests: Manifest[], served: Set<string>): { served: Manifest[]; skipped: Skipped[] } {
  const ok: Manifest[] = [];
  const skipped: Skipped[] = [];
  for (const m of manifests) {
    if (served.has(`${m.apiVersion}/${m.kind}`)) ok.push(m);
    else skipped.push({ kind: m.kind, name: qualifiedName(m), why: `${m.apiVersion} ${m.kind} is a custom resource; its CRD and operator (installed by Helm on EKS) are not part of this control plane` });
  }
  return { served: ok, skipped };
}

export function qualifiedName(m: { metadata: { name: string; namespace?: string } }): string {
  return m.metadata.namespace ? `${m.metadata.namespace}/${m.metadata.name}` : m.metadata.name;
}

/** Runs the stack's offline plan in-process (no policy pack) and extracts what the check needs. */
export async function stackObjects(stack: string): Promise<StackObjects> {
  const plan = await planStack(stack, { policy: false });
  const { manifests, skipped, unknowns } = selectObjects(plan.recorded);
  const cluster = plan.recorded.find((r) => r.type === "eks:index:Cluster");
  return {
    stack,
    region: plan.config.region,
    clusterName: String(cluster?.rawInputs.name ?? stack),
    profile: String(plan.config.profile),
    manifests,
    skipped,
    nodeGroups: nodeGroupsOf(plan.recorded, plan.config.region),
    unknowns,
  };
}
