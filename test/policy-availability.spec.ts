// k8s-pdb-for-replicated-deployments: a stack policy correlating Deployments, HPAs and PDBs.

import * as assert from "assert/strict";
import { evaluatePolicies, loadPolicyConfig, PlannedResource } from "../policy/runner";
import { byPolicy, pdbFor, resource, workload } from "./fixtures/policy/builders";

const POLICY = "k8s-pdb-for-replicated-deployments";
const prod = () => loadPolicyConfig("prod");
const pdbViolations = (resources: PlannedResource[]) => byPolicy(evaluatePolicies(resources, { config: prod() }), POLICY);

function hpa(target: string, minReplicas?: number, namespace = "dify"): PlannedResource {
    return resource("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", `${target}-hpa`, {
        metadata: { name: target, namespace },
        spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, minReplicas, maxReplicas: 10 },
    });
}

/** A KEDA ScaledObject: KEDA creates the HPA at run time, so the plan holds this instead. */
function scaledObject(target: string, minReplicaCount?: number, namespace = "dify"): PlannedResource {
    return resource("kubernetes:keda.sh/v1alpha1:ScaledObject", `${target}-so`, {
        metadata: { name: target, namespace },
        spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, minReplicaCount, maxReplicaCount: 10 },
    });
}

describe("policy: availability (PodDisruptionBudgets)", () => {
    it("a replicated Deployment with a PDB selecting its pods passes", () => {
        assert.deepEqual(pdbViolations([workload("Deployment", "api", undefined, "dify", 3), pdbFor("api")]), []);
    });
    it("a single-replica Deployment needs none", () => {
        assert.deepEqual(pdbViolations([workload("Deployment", "beat", undefined, "dify", 1)]), []);
    });
    it("a replicated Deployment without a PDB fails in prod, saying what to add", () => {
        const [v] = pdbViolations([workload("Deployment", "api", undefined, "dify", 2)]);
        assert.equal(v.level, "mandatory");
        assert.match(v.message, /Deployment "api" \(namespace dify\) runs 2 replicas but no PodDisruptionBudget selects its pods \(app\.kubernetes\.io\/name=api\): add a policy\/v1 PodDisruptionBudget/);
    });
    it("is advisory in dev", () => {
        const [v] = byPolicy(evaluatePolicies([workload("Deployment", "api", undefined, "dify", 2)], { config: loadPolicyConfig("dev") }), POLICY);
        assert.equal(v.level, "advisory");
    });
    it("a PDB in another namespace, or selecting other pods, does not count", () => {
        assert.equal(pdbViolations([workload("Deployment", "api", undefined, "dify", 2), pdbFor("api", "other")]).length, 1);
        assert.equal(pdbViolations([workload("Deployment", "api", undefined, "dify", 2), pdbFor("web")]).length, 1);
    });
    it("matchExpressions are evaluated", () => {
        const inSel = pdbFor("api", "dify", { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["api", "web"] }] });
        const notIn = pdbFor("api", "dify", { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: ["api"] }] });
        assert.deepEqual(pdbViolations([workload("Deployment", "api", undefined, "dify", 2), inSel]), []);
        assert.equal(pdbViolations([workload("Deployment", "api", undefined, "dify", 2), notIn]).length, 1);
    });
    it("an HPA's minReplicas decides when spec.replicas is left to the autoscaler", () => {
        const d = workload("Deployment", "worker", undefined, "dify", 1);
        delete (d.props.spec as Record<string, unknown>).replicas;
        assert.equal(pdbViolations([d, hpa("worker", 2)]).length, 1);
        assert.deepEqual(pdbViolations([d, hpa("worker", 1)]), []);
        assert.deepEqual(pdbViolations([d, hpa("worker", 3), pdbFor("worker")]), []);
    });
    it("a KEDA ScaledObject's minReplicaCount decides, like an HPA's minReplicas (KEDA's default is 0)", () => {
        const d = workload("Deployment", "worker", undefined, "dify", 1);
        assert.equal(pdbViolations([d, scaledObject("worker", 2)]).length, 1);
        assert.deepEqual(pdbViolations([d, scaledObject("worker", 2), pdbFor("worker")]), []);
        assert.deepEqual(pdbViolations([workload("Deployment", "worker", undefined, "dify", 3), scaledObject("worker")]), []);
    });
    it("unknown labels or namespaces make it advisory, never a false mandatory failure", () => {
        const d = workload("Deployment", "api", undefined, "[unknown]", 2);
        const [v] = pdbViolations([d, pdbFor("api")]);
        assert.equal(v.level, "advisory");
        assert.match(v.message, /not known yet/);
    });
});
