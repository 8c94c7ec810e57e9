/**
 * Waiting for the workloads: every Deployment's replicas Ready and every Job Succeeded, and the
 * pods that never were: refused at creation (Pod Security admission shows only as a FailedCreate
 * event on the ReplicaSet or Job) or left Pending by the scheduler (with its reason).
 */
import { condition, Kubectl, KubeObject, PodObject, waitFor } from "./kube";

export interface RejectedPod {
  namespace: string;
  owner: string;
  reason: string;
}

export interface PodsSummary {
  expected: number;
  scheduled: number;
  ready: number;
  pending: { name: string; reason: string }[];
}

interface Workload extends KubeObject {
  spec: { replicas?: number; parallelism?: number; completions?: number };
  status: { readyReplicas?: number; updatedReplicas?: number; replicas?: number; succeeded?: number; conditions?: { type: string; status: string }[] };
}

const isTerminating = (p: PodObject) => !!p.metadata.deletionTimestamp;
export const isPodReady = (p: PodObject) => condition(p, "Ready")?.status === "True";

/** Pods the workloads should have: Deployment replicas plus one per Job (parallelism). */
async function expectedPods(kubectl: Kubectl): Promise<{ expected: number; settled: boolean }> {
  const deps = await kubectl.items<Workload>("deployments", "-A");
  const jobs = await kubectl.items<Workload>("jobs", "-A");
  let expected = 0;
  let settled = true;
  for (const d of deps) {
    const want = d.spec.replicas ?? 1;
    expected += want;
    if ((d.status.readyReplicas ?? 0) < want || (d.status.updatedReplicas ?? 0) < want || (d.status.replicas ?? 0) > want) settled = false;
  }
  for (const j of jobs) {
    expected += j.spec.parallelism ?? 1;
    if (!(j.status.conditions ?? []).some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")) settled = false;
  }
  return { expected, settled };
}

/** FailedCreate events on pod owners: Pod Security refusals, and anything else that kept a pod from being created. */
export async function failedCreates(kubectl: Kubectl): Promise<{ podSecurity: RejectedPod[]; other: RejectedPod[] }> {
  const events = await kubectl.items<KubeObject & { reason?: string; message?: string; involvedObject: { kind: string; name: string; namespace?: string } }>("events", "-A", "--field-selector=reason=FailedCreate");
  const seen = new Set<string>();
  const podSecurity: RejectedPod[] = [];
  const other: RejectedPod[] = [];
  for (const e of events) {
    const owner = `${e.involvedObject.kind}/${e.involvedObject.name}`;
    const key = `${e.involvedObject.namespace}/${owner}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const item = { namespace: e.involvedObject.namespace ?? "", owner, reason: (e.message ?? "").replace(/^Error creating: /, "") };
    (/PodSecurity/.test(item.reason) ? podSecurity : other).push(item);
  }
  return { podSecurity, other };
}

/** Waits up to `timeoutMs` for every workload to settle, then counts. */
export async function waitForPods(kubectl: Kubectl, timeoutMs: number): Promise<PodsSummary & { settled: boolean }> {
  const settled = (await waitFor(async () => ((await expectedPods(kubectl)).settled ? true : undefined), timeoutMs, 1000)) ?? false;
  const { expected } = await expectedPods(kubectl);
  const pods = (await kubectl.items<PodObject>("pods", "-A")).filter((p) => !isTerminating(p));
  const succeeded = (p: PodObject) => p.status.phase === "Succeeded";
  const pending = pods
    .filter((p) => !p.spec.nodeName && !succeeded(p))
    .map((p) => {
      const c = condition(p, "PodScheduled");
      return { name: `${p.metadata.namespace}/${p.metadata.name}`, reason: c?.message || c?.reason || "not scheduled yet" };
    });
  // Pods kwok has not yet marked (bound but not Ready) count as scheduled, not ready.
  return {
    expected,
    scheduled: pods.filter((p) => !!p.spec.nodeName || succeeded(p)).filter((p) => p.status.phase !== "Failed").length,
    ready: pods.filter((p) => isPodReady(p) || succeeded(p)).length,
    pending,
    settled,
  };
}
