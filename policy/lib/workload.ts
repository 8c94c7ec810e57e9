// Finds the pod spec and every container of a Kubernetes workload, by kind.

import { at, isRec, list, Rec, UNKNOWN, Unknown } from "./values";

export const WORKLOAD_KINDS = [
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

const WORKLOAD_TYPE = new RegExp(`^kubernetes:[^:]+:(${WORKLOAD_KINDS.join("|")})$`);

/** The workload kind of a Pulumi type token such as "kubernetes:apps/v1:Deployment" (any API version). */
export function workloadKind(type: string): WorkloadKind | undefined {
    const m = WORKLOAD_TYPE.exec(type);
    return m ? (m[1] as WorkloadKind) : undefined;
}

export function isWorkloadType(type: string): boolean {
    return workloadKind(type) !== undefined;
}

/** Path of the pod spec inside the object, by kind. */
export function podSpecPath(kind: WorkloadKind): string[] {
    switch (kind) {
        case "Pod":
            return ["spec"];
        case "CronJob":
            return ["spec", "jobTemplate", "spec", "template", "spec"];
        default:
            return ["spec", "template", "spec"];
    }
}

export type ContainerList = "containers" | "initContainers" | "ephemeralContainers";
export const CONTAINER_LISTS: readonly ContainerList[] = ["containers", "initContainers", "ephemeralContainers"];

export interface ContainerView {
    list: ContainerList;
    index: number;
    /** The container object, or UNKNOWN when the whole container is not known yet. */
    spec: Rec | Unknown;
    /** `containers[0] "app"` style label, relative to the pod spec. */
    label: string;
}

export interface PodView {
    kind: WorkloadKind;
    /** Dotted path of the pod spec, e.g. "spec.template.spec". */
    path: string;
    /** The pod spec (UNKNOWN if not known; {} if absent). */
    spec: Rec | Unknown;
    containers: ContainerView[];
    /** Container lists that are unknown as a whole. */
    unknownLists: ContainerList[];
    /** PSS exempts Windows pods from the Linux-only controls. */
    windows: boolean;
}

/** Reads the pod spec and containers of a workload's plain props. */
export function readPod(kind: WorkloadKind, props: Rec): PodView {
    const pathParts = podSpecPath(kind);
    const rawSpec = at(props, ...pathParts);
    const spec: Rec | Unknown = rawSpec === UNKNOWN ? UNKNOWN : isRec(rawSpec) ? rawSpec : {};
    const containers: ContainerView[] = [];
    const unknownLists: ContainerList[] = [];
    if (spec !== UNKNOWN) {
        for (const listName of CONTAINER_LISTS) {
            const items = list(spec[listName]);
            if (items === UNKNOWN) {
                unknownLists.push(listName);
                continue;
            }
            items.forEach((c, index) => {
                if (c !== UNKNOWN && !isRec(c)) {
                    return;
                }
                const name = c !== UNKNOWN && typeof c.name === "string" ? ` "${c.name}"` : "";
                containers.push({ list: listName, index, spec: c, label: `${listName}[${index}]${name}` });
            });
        }
    }
    const os = spec === UNKNOWN ? undefined : at(spec, "os", "name");
    return { kind, path: pathParts.join("."), spec, containers, unknownLists, windows: os === "windows" };
}

/** A container's securityContext (UNKNOWN, a record, or undefined). */
export function containerSecurityContext(c: ContainerView): Rec | Unknown | undefined {
    if (c.spec === UNKNOWN) {
        return UNKNOWN;
    }
    const sc = c.spec.securityContext;
    if (sc === UNKNOWN) {
        return UNKNOWN;
    }
    return isRec(sc) ? sc : undefined;
}

/** The pod-level securityContext (UNKNOWN, a record, or undefined). */
export function podSecurityContext(pod: PodView): Rec | Unknown | undefined {
    if (pod.spec === UNKNOWN) {
        return UNKNOWN;
    }
    const sc = pod.spec.securityContext;
    if (sc === UNKNOWN) {
        return UNKNOWN;
    }
    return isRec(sc) ? sc : undefined;
}

/** Reads a field of an optional record, keeping UNKNOWN. */
export function field(r: Rec | Unknown | undefined, key: string): unknown {
    if (r === UNKNOWN) {
        return UNKNOWN;
    }
    return r === undefined ? undefined : r[key];
}
