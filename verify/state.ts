/**
 * What the drills watch: each service (Deployment) with its PDB floor, how many of its pods are
 * really serving at a moment, and whether the cluster has settled again.
 */
import { condition, Kubectl, KubeObject, PodObject, sleep, waitFor } from "./kube";
import { Manifest } from "./objects";

export interface Service {
  namespace: string;
  name: string;
  selector: Record<string, string>;
  replicas: number;
  /** PDB minAvailable resolved against the replicas (0 without a PDB). */
  pdbMin: number;
  /** One replica, Recreate, no PDB: must never run twice (Celery beat), so it may drop to 0 while it moves. */
  singleton: boolean;
}

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** minAvailable as an absolute count (a percentage rounds up, as the disruption controller does). */
export function resolveMinAvailable(v: unknown, replicas: number): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.endsWith("%")) return Math.ceil((parseFloat(v) / 100) * replicas);
  if (typeof v === "string" && /^\d+$/.test(v)) return parseInt(v, 10);
  return 0;
}

/** The stack's Deployments with the minAvailable of the PDB that covers their pods. */
export function servicesOf(manifests: Manifest[]): Service[] {
  const pdbs = manifests.filter((m) => m.kind === "PodDisruptionBudget");
  return manifests.filter((m) => m.kind === "Deployment").map((d) => {
    const spec = d.spec as { replicas?: number; strategy?: { type?: string }; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> } } };
    const replicas = spec.replicas ?? 1;
    const pdb = pdbs.find((p) => p.metadata.namespace === d.metadata.namespace &&
      matches((p.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels ?? {}, spec.template.metadata.labels));
    return {
      namespace: d.metadata.namespace ?? "default",
      name: d.metadata.name,
      selector: spec.selector.matchLabels,
      replicas,
      pdbMin: pdb ? resolveMinAvailable((pdb.spec as { minAvailable?: unknown }).minAvailable, replicas) : 0,
      singleton: replicas === 1 && spec.strategy?.type === "Recreate" && !pdb,
    };
  });
}

/**
 * Pods serving per service now: Ready, not terminating, on a node that exists and is Ready (a pod
 * of a deleted or partitioned node serves nothing, whatever the API still says).
 */
export async function servingCounts(k: Kubectl, services: Service[]): Promise<Record<string, number>> {
  const [pods, nodes] = await Promise.all([k.items<PodObject>("pods", "-A"), k.items("nodes")]);
  const healthy = new Set(nodes.filter((n) => condition(n, "Ready")?.status === "True").map((n) => n.metadata.name));
  const out: Record<string, number> = {};
  for (const s of services) {
    out[s.name] = pods.filter((p) => p.metadata.namespace === s.namespace && matches(s.selector, p.metadata.labels) &&
      !p.metadata.deletionTimestamp && healthy.has(p.spec.nodeName ?? "") && condition(p, "Ready")?.status === "True").length;
  }
  return out;
}

/** Samples serving counts about once a second until stopped; keeps the lowest seen per service. */
export function watchLowest(k: Kubectl, services: Service[]): { stop(): Promise<Record<string, number>> } {
  const lowest: Record<string, number> = Object.fromEntries(services.map((s) => [s.name, Infinity]));
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const now = await servingCounts(k, services);
        for (const [svc, n] of Object.entries(now)) lowest[svc] = Math.min(lowest[svc], n);
      } catch {
        // A transient API error is one sample less, not a failed drill.
      }
      await sleep(700);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const now = await servingCounts(k, services);
      for (const [svc, n] of Object.entries(now)) lowest[svc] = Math.min(lowest[svc], n);
      return lowest;
    },
  };
}

interface DeploymentObject extends KubeObject {
  spec: { replicas: number };
  status: { replicas?: number; readyReplicas?: number; updatedReplicas?: number; observedGeneration?: number };
}

/** Deployments that are not fully rolled out and serving at their replica count. */
export async function unsettled(k: Kubectl, services: Service[]): Promise<string[]> {
  const deps = await k.items<DeploymentObject>("deployments", "-A");
  const serving = await servingCounts(k, services);
  const out: string[] = [];
  for (const d of deps) {
    const want = d.spec.replicas;
    const st = d.status;
    const svc = services.find((s) => s.name === d.metadata.name && s.namespace === d.metadata.namespace);
    const ok = (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && st.updatedReplicas === want &&
      st.readyReplicas === want && st.replicas === want && (!svc || serving[svc.name] >= want);
    if (!ok) out.push(`${d.metadata.name} ${svc ? serving[svc.name] : st.readyReplicas ?? 0}/${want} serving`);
  }
  return out;
}

/** Waits until every Deployment is settled; returns what is still not (empty when settled). */
export async function settle(k: Kubectl, services: Service[], timeoutMs: number): Promise<string[]> {
  let last: string[] = [];
  const ok = await waitFor(async () => {
    last = await unsettled(k, services);
    return last.length === 0 ? true : undefined;
  }, timeoutMs, 1000);
  return ok ? [] : last;
}

/** Pending pods with the scheduler's reason. */
export async function pendingPods(k: Kubectl): Promise<string[]> {
  const pods = await k.items<PodObject>("pods", "-A");
  return pods.filter((p) => !p.spec.nodeName && !p.metadata.deletionTimestamp && p.status.phase === "Pending")
    .map((p) => `${p.metadata.name}: ${condition(p, "PodScheduled")?.message ?? "not scheduled"}`);
}

/**
 * Spreads the services out again after a drill moved pods (a rolling restart, honouring the
 * Deployments' own surge settings), so that every drill starts from the same, even placement.
 */
export async function rebalance(k: Kubectl, services: Service[]): Promise<string[]> {
  for (const s of services) await k.ok(["rollout", "restart", `deployment/${s.name}`, "-n", s.namespace]);
  return settle(k, services, 180_000);
}
