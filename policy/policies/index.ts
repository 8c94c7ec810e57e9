// The pack's policies, in evaluation order. `policy-exceptions` must stay first: it loads the
// exceptions and system-namespace settings that every other policy applies (see lib/settings.ts).
// Shared by the pack entry (../index.ts) and the offline runner (../runner.ts).

import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { availabilityPolicies } from "./availability";
import { dataStorePolicies } from "./aws-data-stores";
import { networkPolicies } from "./aws-network";
import { s3Policies } from "./aws-s3";
import { exceptionsPolicy } from "./exceptions";
import { kubernetesWorkloadPolicies } from "./kubernetes-workloads";

export const PACK_NAME = "dify-aws-policy";

export const PACK_DESCRIPTION =
    "Keeps Dify on AWS (and any Pulumi program deploying Kubernetes workloads or AWS data stores) safe: " +
    "Pod Security restricted for workloads, PodDisruptionBudgets, encrypted private backed-up data stores, a private EKS control plane.";

export type PackPolicy = ResourceValidationPolicy | StackValidationPolicy;

const checks: PackPolicy[] = [
    ...kubernetesWorkloadPolicies,
    ...availabilityPolicies,
    ...s3Policies,
    ...dataStorePolicies,
    ...networkPolicies,
];

/** Every policy of the pack, `policy-exceptions` first. */
export const policies: PackPolicy[] = [exceptionsPolicy(checks.map((p) => p.name)), ...checks];

/** Policy names, in pack order. */
export const policyNames: readonly string[] = policies.map((p) => p.name);
