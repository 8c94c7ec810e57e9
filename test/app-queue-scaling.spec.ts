/**
 * DifyApp with queueAutoscaling: every autoscaled Celery worker Deployment gets a KEDA ScaledObject
 * on exactly the queues it consumes, instead of an HPA; without it, nothing KEDA is created.
 */
import { strict as assert } from "assert";
import { ofType, runApp } from "./app-fixture";
import { DEFAULT_CELERY_QUEUES } from "../components/contracts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const named = (r: { rawInputs: unknown }) => (r.rawInputs as Any).metadata.name as string;

describe("DifyApp: workers scale on their Celery queues (KEDA)", function () {
  this.timeout(60000);

  it("turns each worker's HPA into a ScaledObject whose Redis triggers are the queues that Deployment consumes", async () => {
    const rs = (await runApp({ queueAutoscaling: true, workerQueueGroups: [{ name: "datasets", queues: ["dataset", "priority_dataset"] }, { name: "rest", queues: ["workflow", "mail"] }] })).resources;
    const hpas = ofType(rs, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").map(named).sort();
    assert.ok(!hpas.some((n) => n.startsWith("dify-worker")), `no worker HPA: ${hpas.join(", ")}`);
    assert.ok(hpas.includes("dify-api") && hpas.includes("dify-web"), "the api and web keep their HPAs");
    const sos = ofType(rs, "kubernetes:keda.sh/v1alpha1:ScaledObject");
    const byName = new Map(sos.map((s) => [named(s), (s.rawInputs as Any).spec]));
    assert.deepEqual([...byName.keys()].sort(), ["dify-worker-datasets", "dify-worker-rest"]);
    const queues = (n: string) => byName.get(n).triggers.filter((t: Any) => t.type === "redis").map((t: Any) => t.metadata.listName).sort();
    assert.deepEqual(queues("dify-worker-datasets"), ["dataset", "priority_dataset"]);
    assert.deepEqual(queues("dify-worker-rest"), ["mail", "workflow"]);
    for (const spec of byName.values()) {
      assert.equal(spec.scaleTargetRef.kind, "Deployment");
      assert.ok(spec.minReplicaCount >= 1 && spec.maxReplicaCount > spec.minReplicaCount);
      assert.ok(spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds >= 300, "slow scale-down, as the HPAs");
      for (const t of spec.triggers.filter((x: Any) => x.type === "redis")) {
        assert.deepEqual([t.metadata.host, t.metadata.port, t.metadata.databaseIndex, t.metadata.enableTLS], ["master.dify.abc.use1.cache.amazonaws.com", "6379", "1", "true"]);
      }
    }
    // The Deployment's replica count stays the autoscaler's (KEDA's HPA) after creation.
    const d = ofType(rs, "kubernetes:apps/v1:Deployment").find((r) => named(r) === "dify-worker-rest")!;
    assert.deepEqual(d.options.ignoreChanges, ["spec.replicas"]);
  });

  it("the default worker consumes all 16 queues and gets a trigger for each", async () => {
    const rs = (await runApp({ queueAutoscaling: true })).resources;
    const so = ofType(rs, "kubernetes:keda.sh/v1alpha1:ScaledObject").find((s) => named(s) === "dify-worker")!;
    assert.deepEqual((so.rawInputs as Any).spec.triggers.filter((t: Any) => t.type === "redis").map((t: Any) => t.metadata.listName).sort(), [...DEFAULT_CELERY_QUEUES].sort());
  });

  it("creates nothing KEDA without queueAutoscaling (a cluster without KEDA's CRDs)", async () => {
    const rs = (await runApp()).resources;
    assert.equal(rs.filter((r) => r.type.startsWith("kubernetes:keda.sh/")).length, 0);
    assert.ok(ofType(rs, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").some((h) => named(h) === "dify-worker"));
  });
});
