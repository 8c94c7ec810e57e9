// Availability: replicated Deployments need a PodDisruptionBudget, or a node drain or cluster upgrade
// can evict every replica at once. A stack policy, because it correlates Deployments, HPAs and PDBs.

import type { StackValidationPolicy } from "@pulumi/policy";
import { Finding, StackResource, stackPolicy } from "../lib/framework";
import { at, isRec, list, Rec, show, UNKNOWN } from "../lib/values";

const DEPLOYMENT = /^kubernetes:[^:]+:Deployment$/;
const PDB = /^kubernetes:policy\/[^:]+:PodDisruptionBudget$/;
const HPA = /^kubernetes:autoscaling\/[^:]+:HorizontalPodAutoscaler$/;
/** KEDA ScaledObjects: KEDA creates the HPA at run time, so the plan holds these instead. */
const SCALED_OBJECT = /^kubernetes:keda\.sh\/[^:]+:ScaledObject$/;

type Match = "yes" | "no" | "unknown";

/** Does a label selector (matchLabels + matchExpressions) select pods with these labels? */
export function selectorMatches(selector: unknown, labels: unknown): Match {
    if (selector === UNKNOWN || labels === UNKNOWN) {
        return "unknown";
    }
    if (!isRec(selector)) {
        return "no"; // policy/v1: a null selector selects nothing
    }
    const podLabels = isRec(labels) ? labels : {};
    let result: Match = "yes";
    const matchLabels = selector.matchLabels;
    if (matchLabels === UNKNOWN) {
        return "unknown";
    }
    if (isRec(matchLabels)) {
        for (const [k, v] of Object.entries(matchLabels)) {
            if (v === UNKNOWN || podLabels[k] === UNKNOWN) {
                result = "unknown";
            } else if (podLabels[k] !== v) {
                return "no";
            }
        }
    }
    const exprs = list(selector.matchExpressions);
    if (exprs === UNKNOWN) {
        return "unknown";
    }
    for (const e of exprs) {
        const key = at(e, "key");
        const op = at(e, "operator");
        const values = list(at(e, "values"));
        if (typeof key !== "string" || typeof op !== "string" || values === UNKNOWN) {
            result = "unknown";
            continue;
        }
        const has = Object.prototype.hasOwnProperty.call(podLabels, key);
        const value = podLabels[key];
        const ok =
            op === "In" ? has && values.includes(value) :
            op === "NotIn" ? !has || !values.includes(value) :
            op === "Exists" ? has :
            op === "DoesNotExist" ? !has : false;
        if (!ok) {
            return "no";
        }
    }
    return result;
}

function namespaceOf(r: StackResource): unknown {
    return at(r.props, "metadata", "namespace");
}

function sameNamespace(a: unknown, b: unknown): Match {
    if (a === UNKNOWN || b === UNKNOWN) {
        return "unknown";
    }
    // Unset means the provider's default namespace, which the policy cannot see.
    const na = typeof a === "string" && a !== "" ? a : undefined;
    const nb = typeof b === "string" && b !== "" ? b : undefined;
    if (na === undefined || nb === undefined) {
        return na === nb ? "yes" : "unknown";
    }
    return na === nb ? "yes" : "no";
}

/**
 * Minimum replicas of a Deployment: spec.replicas (default 1), or an HPA's minReplicas (default 1),
 * or a KEDA ScaledObject's minReplicaCount (KEDA's default 0).
 */
function minReplicas(d: StackResource, hpas: StackResource[]): number | typeof UNKNOWN {
    const name = at(d.props, "metadata", "name");
    const hpa = hpas.find((h) => {
        const target = at(h.props, "spec", "scaleTargetRef");
        return at(target, "kind") === "Deployment" && typeof name === "string" && at(target, "name") === name &&
            sameNamespace(namespaceOf(h), namespaceOf(d)) === "yes";
    });
    if (hpa) {
        const keda = SCALED_OBJECT.test(hpa.type);
        const min = at(hpa.props, "spec", keda ? "minReplicaCount" : "minReplicas");
        return min === UNKNOWN ? UNKNOWN : typeof min === "number" ? min : keda ? 0 : 1;
    }
    const replicas = at(d.props, "spec", "replicas");
    return replicas === UNKNOWN ? UNKNOWN : typeof replicas === "number" ? replicas : 1;
}

function labelsText(labels: unknown): string {
    if (!isRec(labels)) {
        return show(labels);
    }
    return Object.entries(labels).map(([k, v]) => `${k}=${typeof v === "string" ? v : show(v)}`).join(",");
}

export function checkPdbCoverage(resources: StackResource[], config: Rec): Finding[] {
    const threshold = typeof config.minReplicas === "number" ? config.minReplicas : 2;
    const deployments = resources.filter((r) => DEPLOYMENT.test(r.type));
    const pdbs = resources.filter((r) => PDB.test(r.type));
    const hpas = resources.filter((r) => HPA.test(r.type) || SCALED_OBJECT.test(r.type));
    const out: Finding[] = [];
    for (const d of deployments) {
        const replicas = minReplicas(d, hpas);
        if (replicas === UNKNOWN) {
            out.push({ urn: d.urn, unknown: true, message: `Deployment "${d.name}" replica count is not known yet` });
            continue;
        }
        if (replicas < threshold) {
            continue;
        }
        const labels = at(d.props, "spec", "template", "metadata", "labels");
        let best: Match = "no";
        for (const p of pdbs) {
            const ns = sameNamespace(namespaceOf(p), namespaceOf(d));
            const sel = selectorMatches(at(p.props, "spec", "selector"), labels);
            const m: Match = ns === "no" || sel === "no" ? "no" : ns === "yes" && sel === "yes" ? "yes" : "unknown";
            if (m === "yes") {
                best = "yes";
                break;
            }
            if (m === "unknown") {
                best = "unknown";
            }
        }
        if (best === "unknown") {
            out.push({ urn: d.urn, unknown: true, message: `whether a PodDisruptionBudget selects Deployment "${d.name}" is not known yet (namespace or labels unknown)` });
        } else if (best === "no") {
            const ns = namespaceOf(d);
            out.push({
                urn: d.urn,
                message:
                    `Deployment "${d.name}"${typeof ns === "string" ? ` (namespace ${ns})` : ""} runs ${replicas} replicas but no PodDisruptionBudget selects its pods ` +
                    `(${labelsText(labels)}): add a policy/v1 PodDisruptionBudget in the same namespace whose spec.selector.matchLabels match ` +
                    `spec.template.metadata.labels, with maxUnavailable: 1`,
            });
        }
    }
    return out;
}

export const availabilityPolicies: StackValidationPolicy[] = [
    stackPolicy({
        name: "k8s-pdb-for-replicated-deployments",
        description:
            "Deployments with more than one replica (spec.replicas, an HPA's minReplicas or a KEDA ScaledObject's minReplicaCount) must have a PodDisruptionBudget: add a policy/v1 PodDisruptionBudget in their namespace whose selector matches their pod labels.",
        enforcementLevel: "advisory",
        severity: "medium",
        remediationSteps:
            "Create a policy/v1 PodDisruptionBudget next to the Deployment, with spec.selector.matchLabels equal to the pod template labels and maxUnavailable: 1.",
        configSchema: {
            properties: {
                minReplicas: {
                    type: "integer",
                    minimum: 2,
                    default: 2,
                    description: "Deployments with at least this many replicas need a PodDisruptionBudget.",
                },
            },
        },
        kubernetes: true,
        reads: (type) => DEPLOYMENT.test(type) || PDB.test(type) || HPA.test(type) || SCALED_OBJECT.test(type),
        check: checkPdbCoverage,
    }),
];
