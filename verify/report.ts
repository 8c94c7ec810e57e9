/**
 * The check's JSON report (the shape issue 15 specifies) and its readable summary.
 */
import { Rejected } from "./apply";
import { Skipped } from "./objects";
import { PodsSummary, RejectedPod } from "./pods";

export type DrillMode = "nodes-deleted" | "nodes-unreachable" | "scale-up" | "drain" | "rollout";

export interface DrillResult {
  name: string;
  mode: DrillMode;
  ok: boolean;
  /** Per service (Deployment): the lowest Ready count seen during the drill, and its PDB minAvailable. */
  services: Record<string, { ready: number; min: number }>;
  /** What went wrong or what to know (shortened timings, pods left pending). Not in the issue's shape; additive. */
  notes?: string[];
}

export interface Report {
  kubernetes: string;
  stack: string;
  objects: { applied: number; rejected: Rejected[]; skipped: Skipped[] };
  podSecurity: { rejectedPods: RejectedPod[] };
  pods: PodsSummary;
  drills: DrillResult[];
}


/**
 * Problems that make the run fail (exit 1): the issue's "Done when" bar for the stack's own
 * objects. `extraNames` ("Kind namespace/name" of --extra manifests) are reported, not failed on:
 * they are usually there to be refused.
 */
export function failures(r: Report, extraNames: Set<string>): string[] {
  const out: string[] = [];
  for (const x of r.objects.rejected) if (!extraNames.has(`${x.kind} ${x.name}`)) out.push(`refused: ${x.kind} ${x.name}: ${x.reason}`);
  for (const p of r.podSecurity.rejectedPods) {
    const [kind, name] = p.owner.split("/");
    if (!extraNames.has(`${kind} ${p.namespace}/${name}`)) out.push(`pod refused: ${p.namespace} ${p.owner}: ${p.reason}`);
  }
  if (r.pods.ready < r.pods.expected) out.push(`pods: ${r.pods.ready} of ${r.pods.expected} Ready/Succeeded`);
  for (const p of r.pods.pending) out.push(`pending: ${p.name}: ${p.reason}`);
  for (const d of r.drills) if (!d.ok) out.push(`drill ${d.name} failed${d.notes?.length ? `: ${d.notes.join("; ")}` : ""}`);
  return out;
}

export function summary(r: Report, extras: { warnings: string[]; unstable: string[]; unknowns: string[]; seconds: number }): string {
  const L: string[] = [];
  L.push(`Real control plane (Kubernetes ${r.kubernetes}), stack "${r.stack}" — ${extras.seconds} s`);
  L.push(`  objects: ${r.objects.applied} applied, ${r.objects.rejected.length} refused, ${r.objects.skipped.length} skipped`);
  for (const x of r.objects.rejected) L.push(`    REFUSED ${x.kind} ${x.name}: ${x.reason}`);
  for (const s of r.objects.skipped) L.push(`    skipped ${s.kind} ${s.name}: ${s.why}`);
  for (const w of extras.warnings) L.push(`    warning ${w}`);
  for (const u of extras.unstable) L.push(`    UNSTABLE ${u}`);
  if (extras.unknowns.length) L.push(`    values unknown at plan time (applied as "[unknown]"): ${extras.unknowns.join(", ")}`);
  L.push(`  pod security: ${r.podSecurity.rejectedPods.length} refused pod(s)`);
  for (const p of r.podSecurity.rejectedPods) L.push(`    REFUSED ${p.namespace} ${p.owner}: ${p.reason}`);
  L.push(`  pods: ${r.pods.expected} expected, ${r.pods.scheduled} scheduled, ${r.pods.ready} Ready/Succeeded, ${r.pods.pending.length} pending`);
  for (const p of r.pods.pending) L.push(`    PENDING ${p.name}: ${p.reason}`);
  if (r.drills.length) L.push("  drills:");
  for (const d of r.drills) {
    const svc = Object.entries(d.services).map(([s, v]) => `${s.replace(/^dify-/, "")} ${v.ready}/${v.min}`).join(", ");
    L.push(`    ${d.ok ? "ok  " : "FAIL"} ${d.name} (${d.mode})${svc ? `: lowest Ready/PDB min ${svc}` : ""}`);
    for (const n of d.notes ?? []) L.push(`           ${n}`);
  }
  return L.join("\n");
}
