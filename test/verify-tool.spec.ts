/**
 * The pure parts of the real-cluster check (npm run verify:cluster): node shapes from the
 * stack's node groups with EKS's reserved share, which objects are applied or skipped, and the
 * pass/fail bar. The control plane itself runs in `.ci/run`, not here.
 */
import { strict as assert } from "assert";
import { allocatableOf, INSTANCE_TYPES, kubeReservedCpuMilli, simulatedNodes } from "../verify/nodes";
import { CONFIG_KEYS, isByProfile } from "../program/config";
import { Manifest, partitionServed, selectObjects, StackObjects, stackObjects } from "../verify/objects";
import { applyOrder } from "../verify/apply";
import { autoscaleMaxima, bumpTag, judge } from "../verify/drills";
import { resolveMinAvailable, servicesOf } from "../verify/state";
import { failures, Report } from "../verify/report";

const stacks: Record<string, StackObjects> = {};
async function objectsOf(stack: "dev" | "prod"): Promise<StackObjects> {
  stacks[stack] ??= await stackObjects(stack);
  return stacks[stack];
}

describe("verify:cluster node shapes", () => {
  it("knows every instance type a preset's node groups list (spot groups list several)", () => {
    const listed = CONFIG_KEYS.filter((k) => /NodeInstanceTypes$/.test(k.key))
      .flatMap((k) => (isByProfile(k.default) ? [k.default.dev, k.default.prod] : [k.default]) as string[][]).flat();
    assert.ok(listed.includes("c7g.large"), "dev's spot system group");
    assert.deepEqual([...new Set(listed)].filter((t) => !INSTANCE_TYPES[t]), []);
  });

  it("reserves CPU as the EKS AL2023 AMI's nodeadm does (6 % / 1 % / 0.5 % / 0.25 % by core)", () => {
    assert.deepEqual([1, 2, 4, 8, 16].map(kubeReservedCpuMilli), [60, 70, 80, 90, 110]);
  });

  it("gives an m7g.xlarge the allocatable of an EKS node (kube-reserved 11 MiB x 58 pods + 255 MiB, eviction 100Mi)", () => {
    // 16 GiB less 7.5 % = 15155 MiB; less 893 MiB kube-reserved and 100 MiB eviction threshold.
    assert.deepEqual(allocatableOf("m7g.xlarge"), { cpuMilli: 3920, memoryMiB: 14162, pods: 58 });
    assert.equal(allocatableOf("t4g.medium").pods, 17);
  });

  it("refuses an instance type it has no row for, naming the type and the table", () => {
    assert.throws(() => allocatableOf("x9z.huge"), /unknown instance type "x9z\.huge": verify\/nodes\.ts knows .*m7g\.xlarge/);
  });

  it("creates prod's nodes per node group and zone, with the workers taint and role labels", async () => {
    const o = await objectsOf("prod");
    const nodes = simulatedNodes(o.nodeGroups, "desired", o.region, o.clusterName);
    const byRole = (r: string) => nodes.filter((n) => n.role === r);
    assert.deepEqual(byRole("app").map((n) => n.zone).sort(), ["us-east-1a", "us-east-1b", "us-east-1c"]);
    assert.deepEqual(byRole("system").map((n) => n.zone), ["us-east-1a", "us-east-1b"], "the multi-AZ system group spreads its 2 nodes");
    assert.equal(byRole("workers").length, 2);
    for (const w of byRole("workers")) assert.deepEqual(w.taints, [{ key: "dify-aws/workers", value: "true", effect: "NoSchedule" }]);
    for (const n of nodes) {
      assert.equal(n.labels["dify-aws/node-role"], n.role);
      assert.equal(n.labels["topology.kubernetes.io/zone"], n.zone);
      assert.equal(n.labels["kubernetes.io/arch"], "arm64");
    }
    const max = simulatedNodes(o.nodeGroups, "max", o.region, o.clusterName);
    assert.ok(max.length > nodes.length);
  });
});

describe("verify:cluster object selection", () => {
  it("applies every Kubernetes object of the prod plan and lists each Helm release as skipped with why", async () => {
    const o = await objectsOf("prod");
    assert.ok(o.manifests.length > 60);
    assert.deepEqual(o.skipped.map((s) => s.kind), ["HelmRelease", "HelmRelease", "HelmRelease"], "LB controller, Cluster Autoscaler, KEDA");
    for (const s of o.skipped) assert.match(s.why, /Helm/);
    const secret = o.manifests.find((m) => m.kind === "Secret" && m.metadata.name === "dify-credentials")!;
    assert.ok(!JSON.stringify(secret).includes("[secret]"), "secrets are revealed, as the provider would send them");
  });

  it("skips objects of APIs the server does not serve (e.g. KEDA's ScaledObject), saying why", () => {
    const so: Manifest = { apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", metadata: { name: "api", namespace: "dify" } };
    const cm: Manifest = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "dify" } };
    const r = partitionServed([so, cm], new Set(["v1/ConfigMap"]));
    assert.deepEqual(r.served, [cm]);
    assert.equal(r.skipped[0].name, "dify/api");
    assert.match(r.skipped[0].why, /custom resource.*CRD/);
  });

  it("maps Pulumi Kubernetes types to API versions and drops unset (null) inputs", () => {
    const r = selectObjects([{ type: "kubernetes:core/v1:ConfigMap", name: "x", custom: true, rawInputs: { metadata: { name: "x", labels: null }, data: { a: "[unknown]" } } }]);
    assert.deepEqual(r.manifests[0], { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { a: "[unknown]" } });
    assert.deepEqual(r.unknowns, ["ConfigMap/x.data.a"]);
  });

  it("applies namespaces first and workloads after their PDBs", () => {
    const m = (kind: string): Manifest => ({ apiVersion: "v1", kind, metadata: { name: kind } });
    const order = applyOrder(["Deployment", "PodDisruptionBudget", "Namespace", "Secret"].map(m)).map((g) => g[0].kind);
    assert.deepEqual(order, ["Namespace", "Secret", "PodDisruptionBudget", "Deployment"]);
  });

  for (const stack of ["dev", "prod"] as const) {
    // Found by the real API server: it stores an empty list as absent, and the NetworkPolicy
    // strategy compares specs with plain reflect.DeepEqual (not the nil-equals-empty semantic
    // one Deployments use), so `ingress: []` bumped the generation on every apply.
    it(`${stack}: renders no NetworkPolicy with an empty rule list (every apply would change it)`, async () => {
      const empty: string[] = [];
      for (const m of (await objectsOf(stack)).manifests.filter((x) => x.kind === "NetworkPolicy")) {
        const spec = m.spec as Record<string, unknown>;
        for (const k of ["ingress", "egress"]) if (Array.isArray(spec[k]) && (spec[k] as unknown[]).length === 0) empty.push(`${m.metadata.name}.spec.${k}`);
      }
      assert.deepEqual(empty, []);
    });
  }
});

describe("verify:cluster pass/fail bar", () => {
  it("holds a service to max(PDB minAvailable, 1) in a zone loss, to its PDB in a drain, and exempts the singleton beat", () => {
    const svc = (name: string, pdbMin: number) => ({ namespace: "dify", name, selector: {}, replicas: 3, pdbMin, singleton: name === "dify-worker-beat" });
    const services = [svc("dify-api", 2), svc("dify-web", 0), svc("dify-worker-beat", 0)];
    const lowest = { "dify-api": 1, "dify-web": 0, "dify-worker-beat": 0 };
    assert.deepEqual(judge("nodes-unreachable", services, lowest).broken, ["dify-api fell to 1 serving, floor 2", "dify-web fell to 0 serving, floor 1"]);
    assert.deepEqual(judge("drain", services, lowest).broken, ["dify-api fell to 1 serving, floor 2"]);
    assert.deepEqual(judge("drain", services, lowest).services["dify-api"], { ready: 1, min: 2 });
  });

  it("fails on the stack's refusals but only reports those of --extra manifests", () => {
    const r: Report = {
      kubernetes: "v1.35.4", stack: "prod",
      objects: { applied: 1, rejected: [{ kind: "Pod", name: "dify/bad", reason: "violates PodSecurity" }], skipped: [] },
      podSecurity: { rejectedPods: [{ namespace: "dify", owner: "Pod/bad", reason: "violates PodSecurity" }] },
      pods: { expected: 1, scheduled: 1, ready: 1, pending: [] },
      drills: [],
    };
    assert.deepEqual(failures(r, new Set(["Pod dify/bad"])), []);
    assert.equal(failures(r, new Set()).length, 2);
  });
});

describe("verify:cluster drills", () => {
  it("finds each prod service's PDB floor, and beat as the only singleton", async () => {
    const svc = Object.fromEntries(servicesOf((await objectsOf("prod")).manifests).map((s) => [s.name, [s.replicas, s.pdbMin, s.singleton]]));
    assert.deepEqual(svc["dify-api"], [3, 2, false]);
    assert.deepEqual(svc["dify-worker-beat"], [1, 0, true], "beat is the one singleton");
    assert.deepEqual(svc["dify-otel-collector"], [2, 1, false]);
    assert.equal(Object.values(svc).filter((v) => v[2]).length, 1);
  });

  it("resolves minAvailable percentages upwards, as the disruption controller does", () => {
    assert.deepEqual([resolveMinAvailable(2, 3), resolveMinAvailable("50%", 3), resolveMinAvailable("1", 3), resolveMinAvailable(undefined, 3)], [2, 2, 1, 0]);
  });

  it("scales to an HPA's maxReplicas or a KEDA ScaledObject's maxReplicaCount (KEDA's default 100)", async () => {
    const hpa = autoscaleMaxima((await objectsOf("prod")).manifests);
    assert.deepEqual(Object.fromEntries(hpa), { "dify/dify-api": 10, "dify/dify-web": 6, "dify/dify-worker": 10 });
    const so = (name: string, max?: number): Manifest => ({ apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", metadata: { name, namespace: "dify" }, spec: { scaleTargetRef: { name }, maxReplicaCount: max } });
    assert.deepEqual(Object.fromEntries(autoscaleMaxima([so("dify-worker", 12), so("dify-api")])), { "dify/dify-worker": 12, "dify/dify-api": 100 });
  });

  it("rolls out a new tag on any image reference, registry ports and digests included", () => {
    assert.equal(bumpTag("langgenius/dify-api:1.16.1"), "langgenius/dify-api:1.16.1-next");
    assert.equal(bumpTag("registry.local:5000/dify/web"), "registry.local:5000/dify/web:next");
    assert.equal(bumpTag("public.ecr.aws/x/y:1.2@sha256:abc"), "public.ecr.aws/x/y:1.2-next");
  });
});
