// Kubernetes workload security: Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
// ReplicationController, Job and CronJob, of any API version. One policy per control, so each can be
// configured, excepted and reported on its own.

import type { PolicyConfigSchema, ResourceValidationPolicy, Severity } from "@pulumi/policy";
import { resourcePolicy } from "../lib/framework";
import {
    checkAddedCapabilities,
    checkDropAllCapabilities,
    checkHostNamespaces,
    checkImagePinned,
    checkNoHostPath,
    checkNoHostPorts,
    checkNoPrivilegeEscalation,
    checkNotPrivileged,
    checkReadOnlyRootFilesystem,
    checkResources,
    checkRunAsNonRoot,
    checkSeccomp,
    DEFAULT_ALLOWED_ADDED_CAPABILITIES,
    PodCheck,
} from "../lib/pod-security";
import { remediateNoPrivilegeEscalation, remediateSeccomp } from "../lib/remediate";
import { isWorkloadType, readPod, workloadKind, WORKLOAD_KINDS } from "../lib/workload";

interface WorkloadPolicyDef {
    name: string;
    description: string;
    severity: Severity;
    remediationSteps: string;
    check: PodCheck;
    configSchema?: PolicyConfigSchema;
    remediate?: (props: Record<string, unknown>, type: string, name: string, policy: string) => Record<string, unknown> | undefined;
}

function workloadPolicy(def: WorkloadPolicyDef): ResourceValidationPolicy {
    const remediate = def.remediate;
    return resourcePolicy({
        name: def.name,
        description: def.description,
        enforcementLevel: "mandatory",
        severity: def.severity,
        remediationSteps: def.remediationSteps,
        configSchema: def.configSchema,
        kubernetes: true,
        appliesTo: isWorkloadType,
        appliesToLabel: `Kubernetes workloads (${WORKLOAD_KINDS.join(", ")})`,
        check: (input) => {
            const kind = workloadKind(input.type);
            return kind ? def.check(readPod(kind, input.props), input.config) : [];
        },
        remediate: remediate ? (props, type, name) => remediate(props, type, name, def.name) : undefined,
    });
}

export const kubernetesWorkloadPolicies: ResourceValidationPolicy[] = [
    workloadPolicy({
        name: "k8s-run-as-non-root",
        description:
            "Workload containers must not run as root: set securityContext.runAsNonRoot: true (pod or container) and never runAsUser: 0.",
        severity: "high",
        remediationSteps:
            "Set spec.securityContext.runAsNonRoot: true and a non-zero runAsUser/runAsGroup/fsGroup (e.g. 1001) on the pod; use an image with a non-root USER.",
        check: checkRunAsNonRoot,
    }),
    workloadPolicy({
        name: "k8s-read-only-root-filesystem",
        description:
            "Workload containers must have a read-only root filesystem: set securityContext.readOnlyRootFilesystem: true and mount emptyDirs for writable paths.",
        severity: "medium",
        remediationSteps:
            "Set readOnlyRootFilesystem: true on every container and add emptyDir volumeMounts for each directory the process writes (/tmp, caches).",
        check: checkReadOnlyRootFilesystem,
    }),
    workloadPolicy({
        name: "k8s-resource-requests-limits",
        description:
            "Workload containers and initContainers must set cpu and memory requests and limits: set resources.requests.cpu/memory and resources.limits.cpu/memory.",
        severity: "medium",
        remediationSteps: "Set resources.requests.cpu, resources.requests.memory, resources.limits.cpu and resources.limits.memory on every container and initContainer.",
        check: checkResources,
    }),
    workloadPolicy({
        name: "k8s-no-privilege-escalation",
        description: "Workload containers must not allow privilege escalation: set securityContext.allowPrivilegeEscalation: false.",
        severity: "high",
        remediationSteps:
            "Set allowPrivilegeEscalation: false on every container, initContainer and ephemeralContainer. Opt-in remediation: enforcementLevel \"remediate\" sets it where unset.",
        check: checkNoPrivilegeEscalation,
        remediate: remediateNoPrivilegeEscalation,
    }),
    workloadPolicy({
        name: "k8s-drop-all-capabilities",
        description: "Workload containers must drop all Linux capabilities: set securityContext.capabilities.drop: [\"ALL\"].",
        severity: "high",
        remediationSteps: "Set securityContext.capabilities: { drop: [\"ALL\"] } on every container, initContainer and ephemeralContainer.",
        check: checkDropAllCapabilities,
    }),
    workloadPolicy({
        name: "k8s-restrict-added-capabilities",
        description:
            "Workload containers must add back only allowed capabilities after dropping ALL (NET_BIND_SERVICE by default): remove others from securityContext.capabilities.add.",
        severity: "high",
        remediationSteps: "Remove every capability but NET_BIND_SERVICE from capabilities.add; a workload that truly needs another one gets a named exception.",
        check: checkAddedCapabilities,
        configSchema: {
            properties: {
                allowedAddedCapabilities: {
                    type: "array",
                    items: { type: "string", pattern: "^[A-Z_]+$" },
                    uniqueItems: true,
                    default: [...DEFAULT_ALLOWED_ADDED_CAPABILITIES],
                    description: "Capabilities that may be added after dropping ALL (PSS restricted allows only NET_BIND_SERVICE).",
                },
            },
        },
    }),
    workloadPolicy({
        name: "k8s-seccomp-profile",
        description:
            "Workload containers must run with a seccomp profile: set securityContext.seccompProfile.type: RuntimeDefault (or Localhost) on the pod or every container.",
        severity: "high",
        remediationSteps:
            "Set spec.securityContext.seccompProfile: { type: RuntimeDefault } on the pod. Opt-in remediation: enforcementLevel \"remediate\" adds it where no profile is set.",
        check: checkSeccomp,
        remediate: remediateSeccomp,
    }),
    workloadPolicy({
        name: "k8s-no-privileged-containers",
        description: "Workload containers must not be privileged: remove securityContext.privileged: true.",
        severity: "critical",
        remediationSteps: "Remove privileged: true; grant only the specific capability the process needs (through an exception if it is not NET_BIND_SERVICE).",
        check: checkNotPrivileged,
    }),
    workloadPolicy({
        name: "k8s-no-host-namespaces",
        description: "Workloads must not share the node's namespaces: remove hostNetwork, hostPID and hostIPC.",
        severity: "critical",
        remediationSteps: "Remove hostNetwork/hostPID/hostIPC from the pod spec; reach the pod through a Service.",
        check: checkHostNamespaces,
    }),
    workloadPolicy({
        name: "k8s-no-host-path-volumes",
        description: "Workloads must not mount hostPath volumes: use emptyDir, PersistentVolumeClaim, ConfigMap, Secret or CSI volumes.",
        severity: "critical",
        remediationSteps: "Replace each hostPath volume with an emptyDir (scratch), a PersistentVolumeClaim (data) or a ConfigMap/Secret (configuration).",
        check: checkNoHostPath,
    }),
    workloadPolicy({
        name: "k8s-no-host-ports",
        description: "Workload containers must not bind host ports: remove ports[].hostPort and expose ports through a Service.",
        severity: "high",
        remediationSteps: "Remove hostPort from every container port; use a Service (ClusterIP/LoadBalancer) or an Ingress.",
        check: checkNoHostPorts,
    }),
    workloadPolicy({
        name: "k8s-image-pinned",
        description: "Workload images must be pinned: use name:version (not :latest or no tag) or name@sha256:digest.",
        severity: "medium",
        remediationSteps: "Set every container image to an explicit version tag (e.g. langgenius/dify-api:1.16.1) or a digest.",
        check: checkImagePinned,
        configSchema: {
            properties: {
                requireDigest: {
                    type: "boolean",
                    default: false,
                    description: "Require images pinned by digest (@sha256:...) instead of by tag.",
                },
            },
        },
    }),
];
