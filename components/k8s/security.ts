/**
 * Security contexts that meet the Kubernetes Pod Security Standard "restricted"
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/) plus a read-only root
 * filesystem. Every workload this package creates starts from these.
 */
import * as k8s from "@pulumi/kubernetes";

/** Pod-level context: non-root user/group, fsGroup, RuntimeDefault seccomp. */
export function restrictedPodSecurityContext(uid: number, gid: number = uid): k8s.types.input.core.v1.PodSecurityContext {
  if (!Number.isInteger(uid) || uid <= 0) throw new Error(`restrictedPodSecurityContext: uid must be a positive integer, got ${uid}`);
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level context: no escalation, no capabilities, read-only root filesystem. */
export function restrictedContainerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Pod Security Admission labels for a namespace enforcing the given level (default restricted). */
export function podSecurityNamespaceLabels(level: string = "restricted"): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
  };
}

/**
 * Pod-level context for the one documented exception (a workload that must start as root, e.g.
 * dify-sandbox): root user, but still the RuntimeDefault seccomp profile. Pair it with
 * {@link exceptionContainerSecurityContext}; never use it without a written justification.
 */
export function rootExceptionPodSecurityContext(): k8s.types.input.core.v1.PodSecurityContext {
  return { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } };
}

/** Container context for the exception: drop ALL, add back only `add`, no escalation, seccomp RuntimeDefault. */
export function exceptionContainerSecurityContext(add: string[], readOnlyRootFilesystem: boolean): k8s.types.input.core.v1.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem,
    runAsNonRoot: false,
    runAsUser: 0,
    capabilities: { drop: ["ALL"], add: [...add].sort() },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
