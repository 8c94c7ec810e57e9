/**
 * Applies manifests the way the Kubernetes provider does (server-side apply) with strict field
 * validation, so an unknown or misspelt field is an error rather than silently dropped; records
 * every refusal and warning, then applies again to prove the objects are stable (a second apply
 * that changes a spec means the server normalises something the program renders differently).
 */
import { Kubectl, KubeObject } from "./kube";
import { Manifest, qualifiedName } from "./objects";

export interface Rejected {
  kind: string;
  name: string;
  reason: string;
}

export interface ApplyResult {
  applied: number;
  rejected: Rejected[];
  warnings: string[];
  /** Objects whose spec (generation) or content (resourceVersion) a second identical apply changed. */
  unstable: string[];
}

/** Apply order: what others reference first; workloads after their PDBs. */
const RANK = [
  "Namespace", "PriorityClass", "StorageClass", "ServiceAccount", "Secret", "ConfigMap", "Service",
  "NetworkPolicy", "PodDisruptionBudget", "Ingress", "Deployment", "HorizontalPodAutoscaler", "Job", "CronJob",
];
const rank = (kind: string) => (RANK.includes(kind) ? RANK.indexOf(kind) : RANK.length);

export function applyOrder(manifests: Manifest[]): Manifest[][] {
  const byRank = new Map<number, Manifest[]>();
  for (const m of manifests) byRank.set(rank(m.kind), [...(byRank.get(rank(m.kind)) ?? []), m]);
  return [...byRank.keys()].sort((a, b) => a - b).map((k) => byRank.get(k)!);
}

const APPLY = ["apply", "--server-side", "--validate=strict", "--force-conflicts", "--field-manager=pulumi-kubernetes", "-o", "json", "-f", "-"];

async function inBatches<T, R>(items: T[], width: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

/** kubectl's error text without its "Error from server (...)" wrapping noise. */
export function refusalReason(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("Warning:"));
  return lines.join(" ").replace(/^error: /, "").slice(0, 1000);
}

const stamp = (o: KubeObject) => (o.metadata.generation !== undefined ? `g${o.metadata.generation}` : `rv${o.metadata.resourceVersion}`);

export async function applyManifests(kubectl: Kubectl, manifests: Manifest[]): Promise<ApplyResult> {
  const result: ApplyResult = { applied: 0, rejected: [], warnings: [], unstable: [] };
  const stamps = new Map<string, string>();
  for (const group of applyOrder(manifests)) {
    await inBatches(group, 4, async (m) => {
      const key = `${m.kind} ${qualifiedName(m)}`;
      const r = await kubectl.run(APPLY, JSON.stringify(m));
      for (const w of r.stderr.split("\n").filter((l) => l.startsWith("Warning:"))) result.warnings.push(`${key}: ${w.slice(8).trim()}`);
      if (r.code !== 0) {
        result.rejected.push({ kind: m.kind, name: qualifiedName(m), reason: refusalReason(r.stderr) });
        return;
      }
      result.applied++;
      stamps.set(key, stamp(JSON.parse(r.stdout) as KubeObject));
    });
  }
  // Second, identical apply: nothing may change. Status-only writes by controllers do not bump
  // generation, so objects with a generation are compared by it; the others by resourceVersion.
  for (const group of applyOrder(manifests)) {
    await inBatches(group, 4, async (m) => {
      const key = `${m.kind} ${qualifiedName(m)}`;
      if (!stamps.has(key)) return;
      const before = stamps.get(key)!;
      const r = await kubectl.run(APPLY, JSON.stringify(m));
      if (r.code !== 0) {
        result.unstable.push(`${key}: second apply refused: ${refusalReason(r.stderr)}`);
        return;
      }
      const after = stamp(JSON.parse(r.stdout) as KubeObject);
      if (after !== before && before.startsWith("g")) result.unstable.push(`${key}: a second identical apply changed the spec (${before} → ${after})`);
      else if (after !== before && before.startsWith("rv")) {
        result.unstable.push(`${key}: a second identical apply rewrote the object (${before} → ${after})`);
      }
    });
  }
  return result;
}

/**
 * One Job from each CronJob (`kubectl create job --from`), so their pods meet admission and the
 * scheduler now instead of at the next schedule.
 */
export async function jobsFromCronJobs(kubectl: Kubectl, manifests: Manifest[]): Promise<Rejected[]> {
  const rejected: Rejected[] = [];
  for (const cj of manifests.filter((m) => m.kind === "CronJob")) {
    const name = `${cj.metadata.name.slice(0, 44)}-now`;
    const r = await kubectl.run(["create", "job", name, `--from=cronjob/${cj.metadata.name}`, "-n", cj.metadata.namespace ?? "default"]);
    if (r.code !== 0 && !/AlreadyExists/.test(r.stderr)) rejected.push({ kind: "Job", name: `${cj.metadata.namespace}/${name}`, reason: refusalReason(r.stderr) });
  }
  return rejected;
}
