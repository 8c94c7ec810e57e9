import { strict as assert } from "assert";
import { RecordedResource } from "../program/plan/monitor";
import { DEPLOYMENT, Workload, runApp, workloads } from "./app-fixture";

interface Pdb { selector: Record<string, string>; minAvailable: number }

/**
 * A 3-zone model: with a hard zone spread of maxSkew 1 the scheduler can only place r replicas
 * so that zone counts differ by at most 1, i.e. at most ceil(r/3) per zone; a node lies in one
 * zone, so it holds at most that many too. Losing a zone or a node therefore leaves
 * r - ceil(r/3) replicas. The real scheduler and controllers check the same on a control plane
 * (npm run verify:cluster: prod's zone-loss, scale-up, drain and rollout drills, verify/drills.ts).
 */
function survivorsAfterZoneLoss(replicas: number, zones: number): number {
  return replicas - Math.ceil(replicas / zones);
}

describe("DifyApp prod preset availability", () => {
  let rs: RecordedResource[];
  let ws: Workload[];
  let pdbs: Pdb[];
  before(async () => {
    rs = (await runApp({ nodePlacement: true })).resources;
    ws = workloads(rs).filter((w) => w.resource.type === DEPLOYMENT);
    pdbs = rs.filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget").map((r) => {
      const i = r.rawInputs as { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } };
      return { selector: i.spec.selector.matchLabels, minAvailable: i.spec.minAvailable };
    });
  });
  const pdbFor = (w: Workload) => pdbs.filter((p) => Object.entries(p.selector).every(([k, v]) => w.labels[k] === v));

  it("every service except beat survives the loss of one zone or one node", () => {
    for (const w of ws) {
      if (w.name === "dify-worker-beat") continue;
      assert.ok(w.replicas >= 2, `${w.name} has ${w.replicas} replicas`);
      const zone = w.pod.topologySpreadConstraints?.find((t) => t.topologyKey === "topology.kubernetes.io/zone");
      assert.ok(zone, `${w.name} spreads across zones`);
      assert.equal(zone!.whenUnsatisfiable, "DoNotSchedule", `${w.name}: the zone spread is enforced, not best effort`);
      assert.equal(zone!.maxSkew, 1);
      assert.equal(zone!.minDomains, undefined, "no minDomains: a 2-zone dev cluster still schedules");
      assert.ok(w.pod.topologySpreadConstraints?.some((t) => t.topologyKey === "kubernetes.io/hostname"), `${w.name} spreads across nodes`);
      assert.ok(survivorsAfterZoneLoss(w.replicas, 3) >= 1, `${w.name} keeps a replica after a zone loss`);
      assert.ok(survivorsAfterZoneLoss(w.replicas, 2) >= 1, `${w.name} keeps a replica after a zone loss even with 2 zones`);
    }
  });

  it("every multi-replica service has a PDB that allows a drain yet keeps one ready", () => {
    for (const w of ws) {
      if (w.name === "dify-worker-beat") continue;
      const p = pdbFor(w);
      assert.equal(p.length, 1, `${w.name} has exactly one PDB`);
      assert.ok(p[0].minAvailable >= 1, `${w.name}: a voluntary disruption keeps >= 1 ready`);
      assert.ok(w.replicas - p[0].minAvailable >= 1, `${w.name}: a node drain can evict one pod`);
    }
  });

  it("keeps beat a singleton that never runs twice", () => {
    const beat = ws.find((w) => w.name === "dify-worker-beat")!;
    assert.equal(beat.replicas, 1);
    assert.equal(beat.strategy?.type, "Recreate");
    assert.equal(pdbFor(beat).length, 0);
    assert.ok(!rs.some((r) => r.type.includes("HorizontalPodAutoscaler") && (r.rawInputs as { metadata: { name: string } }).metadata.name === "dify-worker-beat"));
  });

  it("autoscales api, web and worker on CPU and memory with a slow scale-down, and lets the HPA own replicas", () => {
    const hpas = rs.filter((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
    assert.deepEqual(hpas.map((h) => (h.rawInputs as { metadata: { name: string } }).metadata.name).sort(), ["dify-api", "dify-web", "dify-worker"]);
    for (const h of hpas) {
      const s = (h.rawInputs as { spec: { minReplicas: number; maxReplicas: number; metrics: { resource: { name: string } }[]; behavior: { scaleDown: { stabilizationWindowSeconds: number } } } }).spec;
      assert.deepEqual(s.metrics.map((m) => m.resource.name).sort(), ["cpu", "memory"]);
      assert.ok(s.minReplicas >= 2 && s.maxReplicas > s.minReplicas);
      assert.ok(s.behavior.scaleDown.stabilizationWindowSeconds >= 300);
      const d = ws.find((w) => w.name === (h.rawInputs as { metadata: { name: string } }).metadata.name)!;
      assert.deepEqual(d.resource.options.ignoreChanges, ["spec.replicas"]);
    }
  });

  it("keeps the serving path on on-demand nodes with the critical priority and workers on spot", () => {
    const by = (n: string) => ws.find((w) => w.name === n)!.pod;
    for (const n of ["dify-api", "dify-web", "dify-plugin-daemon"]) {
      assert.deepEqual(by(n).nodeSelector, { "dify-aws/node-role": "app" });
      assert.equal(by(n).priorityClassName, "dify-critical");
      assert.ok(!by(n).tolerations, `${n} never lands on spot`);
    }
    assert.equal(by("dify-worker").priorityClassName, "dify-standard");
    assert.deepEqual(by("dify-worker").tolerations?.map((t) => t.key), ["dify-aws/workers"]);
    assert.deepEqual(by("dify-worker-beat").nodeSelector, { "dify-aws/node-role": "app" });
    assert.ok(by("dify-api").terminationGracePeriodSeconds! >= 300, "in-flight LLM streams get time to finish");
    const api = by("dify-api").containers[0];
    assert.ok((api as unknown as { lifecycle: { preStop: { sleep: { seconds: number } } } }).lifecycle.preStop.sleep.seconds > 0);
  });

  it("puts no node constraint on any pod or Job unless asked (a cluster DifyCluster did not build has no node roles)", async () => {
    const plain = (await runApp()).resources;
    const pods = plain.filter((r) => ["kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:Job"].includes(r.type))
      .map((r) => ({ name: r.name, pod: (r.rawInputs as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec }));
    assert.ok(pods.length >= 7 && pods.some((p) => p.name.includes("migrat")), "every Deployment and the migration Job");
    for (const { name, pod } of pods) {
      assert.deepEqual([pod.nodeSelector, pod.affinity, pod.tolerations].filter((x) => x !== undefined), [], `${name} schedules on any node`);
    }
  });
});
