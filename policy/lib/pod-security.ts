// Pure checks of a workload's pod spec, one per control, following the Pod Security Standards
// (restricted/baseline) where they define the control. Every container, initContainer and
// ephemeralContainer is checked; pod-level settings apply where the container does not set its own.

import type { Finding } from "./framework";
import { at, isRec, list, Rec, show, stringList, UNKNOWN } from "./values";
import { ContainerList, ContainerView, containerSecurityContext, field, PodView, podSecurityContext } from "./workload";

export type PodCheck = (pod: PodView, config: Rec) => Finding[];

const ALL_LISTS: readonly ContainerList[] = ["containers", "initContainers", "ephemeralContainers"];
const RESOURCE_LISTS: readonly ContainerList[] = ["containers", "initContainers"];
export const SECCOMP_ALLOWED: readonly string[] = ["RuntimeDefault", "Localhost"];
export const DEFAULT_ALLOWED_ADDED_CAPABILITIES: readonly string[] = ["NET_BIND_SERVICE"];

function unknown(message: string): Finding {
    return { message: `${message} is not known yet`, unknown: true };
}

function where(pod: PodView, c: ContainerView): string {
    return `container ${pod.path}.${c.label}`;
}

/** Unknown findings for a pod spec or container lists that are unknown as a whole. */
function unknownParts(pod: PodView, lists: readonly ContainerList[]): Finding[] {
    if (pod.spec === UNKNOWN) {
        return [unknown(pod.path)];
    }
    return pod.unknownLists.filter((l) => lists.includes(l)).map((l) => unknown(`${pod.path}.${l}`));
}

function containersIn(pod: PodView, lists: readonly ContainerList[]): ContainerView[] {
    return pod.containers.filter((c) => lists.includes(c.list));
}

/** Checks a boolean securityContext field every container must set to `expected`. */
function requireContainerFlag(pod: PodView, key: string, expected: boolean, fix: (w: string) => string): Finding[] {
    const out = unknownParts(pod, ALL_LISTS);
    for (const c of containersIn(pod, ALL_LISTS)) {
        const sc = containerSecurityContext(c);
        const v = field(sc, key);
        if (v === UNKNOWN) {
            out.push(unknown(`${where(pod, c)} securityContext.${key}`));
        } else if (v !== expected) {
            out.push({ message: fix(where(pod, c)) });
        }
    }
    return out;
}

/** runAsNonRoot effectively true for every container, and no runAsUser 0 at pod or container level. */
export const checkRunAsNonRoot: PodCheck = (pod) => {
    const out = unknownParts(pod, ALL_LISTS);
    if (pod.spec === UNKNOWN) {
        return out;
    }
    const scPath = `${pod.path}.securityContext`;
    const psc = podSecurityContext(pod);
    const podNonRoot = field(psc, "runAsNonRoot");
    const podUser = field(psc, "runAsUser");
    if (psc === UNKNOWN) {
        out.push(unknown(scPath));
    }
    if (podNonRoot === false) {
        out.push({ message: `${scPath}.runAsNonRoot is false: set it to true, with an image whose USER is non-root or a non-zero runAsUser` });
    }
    if (podUser === 0) {
        out.push({ message: `${scPath}.runAsUser is 0 (root): set a non-zero UID (e.g. 1001) or remove it and use the image's non-root USER` });
    } else if (podUser === UNKNOWN && psc !== UNKNOWN) {
        out.push(unknown(`${scPath}.runAsUser`));
    }
    for (const c of pod.containers) {
        const w = where(pod, c);
        const sc = containerSecurityContext(c);
        if (sc === UNKNOWN) {
            out.push(unknown(`${w} securityContext`));
            continue;
        }
        const user = field(sc, "runAsUser");
        if (user === 0) {
            out.push({ message: `${w} sets securityContext.runAsUser: 0 (root): set a non-zero UID (e.g. 1001)` });
        } else if (user === UNKNOWN) {
            out.push(unknown(`${w} securityContext.runAsUser`));
        }
        const nonRoot = field(sc, "runAsNonRoot");
        if (nonRoot === true || podNonRoot === false) {
            continue; // compliant, or already reported at pod level
        }
        if (nonRoot === false) {
            out.push({ message: `${w} sets securityContext.runAsNonRoot: false: set it to true` });
        } else if (nonRoot === UNKNOWN) {
            out.push(unknown(`${w} securityContext.runAsNonRoot`));
        } else if (podNonRoot === UNKNOWN) {
            out.push(unknown(`${scPath}.runAsNonRoot`));
        } else if (podNonRoot !== true && psc !== UNKNOWN) {
            out.push({ message: `${w} may run as root: set securityContext.runAsNonRoot: true on the container or on the pod (${scPath}.runAsNonRoot)` });
        }
    }
    return out;
};

/** readOnlyRootFilesystem: true on every container (not applicable to Windows pods). */
export const checkReadOnlyRootFilesystem: PodCheck = (pod) =>
    pod.windows
        ? []
        : requireContainerFlag(pod, "readOnlyRootFilesystem", true, (w) =>
              `${w}: set securityContext.readOnlyRootFilesystem: true and mount an emptyDir on every path the process writes (e.g. /tmp)`);

const RESOURCE_FIELDS: readonly [string, string][] = [
    ["requests", "cpu"],
    ["requests", "memory"],
    ["limits", "cpu"],
    ["limits", "memory"],
];

function isQuantity(v: unknown): boolean {
    return (typeof v === "string" && v.trim() !== "") || typeof v === "number";
}

/** cpu and memory requests and limits on every container and initContainer (ephemeral containers cannot have resources). */
export const checkResources: PodCheck = (pod) => {
    const out = unknownParts(pod, RESOURCE_LISTS);
    for (const c of containersIn(pod, RESOURCE_LISTS)) {
        const w = where(pod, c);
        const resources = c.spec === UNKNOWN ? UNKNOWN : c.spec.resources;
        const missing: string[] = [];
        let unknownField = false;
        for (const [section, key] of RESOURCE_FIELDS) {
            const v = at(resources, section, key);
            if (v === UNKNOWN) {
                unknownField = true;
            } else if (!isQuantity(v)) {
                missing.push(`resources.${section}.${key}`);
            }
        }
        if (missing.length > 0) {
            out.push({ message: `${w}: set ${missing.join(", ")} (requests are what the scheduler reserves, limits cap what it may use)` });
        } else if (unknownField) {
            out.push(unknown(`${w} resources`));
        }
    }
    return out;
};

/** allowPrivilegeEscalation: false on every container (not applicable to Windows pods). */
export const checkNoPrivilegeEscalation: PodCheck = (pod) =>
    pod.windows
        ? []
        : requireContainerFlag(pod, "allowPrivilegeEscalation", false, (w) => `${w}: set securityContext.allowPrivilegeEscalation: false`);

/** capabilities.drop contains "ALL" on every container (not applicable to Windows pods). */
export const checkDropAllCapabilities: PodCheck = (pod) => {
    if (pod.windows) {
        return [];
    }
    const out = unknownParts(pod, ALL_LISTS);
    for (const c of containersIn(pod, ALL_LISTS)) {
        const w = where(pod, c);
        const caps = field(containerSecurityContext(c), "capabilities");
        const drop = stringList(at(caps, "drop"));
        if (drop.values.includes("ALL")) {
            continue;
        }
        if (caps === UNKNOWN || drop.unknown) {
            out.push(unknown(`${w} securityContext.capabilities.drop`));
        } else {
            out.push({ message: `${w}: set securityContext.capabilities.drop: ["ALL"] (currently ${drop.values.length ? show(drop.values) : "unset"})` });
        }
    }
    return out;
};

/** capabilities.add holds only allowed capabilities (NET_BIND_SERVICE by default; not applicable to Windows pods). */
export const checkAddedCapabilities: PodCheck = (pod, config) => {
    if (pod.windows) {
        return [];
    }
    const configured = config.allowedAddedCapabilities;
    const allowed = Array.isArray(configured) ? configured.filter((x): x is string => typeof x === "string") : [...DEFAULT_ALLOWED_ADDED_CAPABILITIES];
    const out = unknownParts(pod, ALL_LISTS);
    for (const c of containersIn(pod, ALL_LISTS)) {
        const w = where(pod, c);
        const caps = field(containerSecurityContext(c), "capabilities");
        const add = stringList(at(caps, "add"));
        const extra = add.values.filter((a) => !allowed.includes(a));
        if (extra.length > 0) {
            const back = allowed.length ? `only ${allowed.join(", ")} may be added back` : "no capability may be added back";
            out.push({ message: `${w}: remove ${extra.join(", ")} from securityContext.capabilities.add; ${back} after dropping ALL` });
        } else if (caps === UNKNOWN || add.unknown) {
            out.push(unknown(`${w} securityContext.capabilities.add`));
        }
    }
    return out;
};

/** Effective seccompProfile.type RuntimeDefault or Localhost for every container (not applicable to Windows pods). */
export const checkSeccomp: PodCheck = (pod) => {
    if (pod.windows) {
        return [];
    }
    const out = unknownParts(pod, ALL_LISTS);
    if (pod.spec === UNKNOWN) {
        return out;
    }
    const scPath = `${pod.path}.securityContext`;
    const podType = at(podSecurityContext(pod), "seccompProfile", "type");
    if (podType !== undefined && podType !== UNKNOWN && !SECCOMP_ALLOWED.includes(String(podType))) {
        out.push({ message: `${scPath}.seccompProfile.type is ${show(podType)}: set it to RuntimeDefault (or Localhost with a reviewed profile)` });
    }
    for (const c of pod.containers) {
        const w = where(pod, c);
        const own = at(containerSecurityContext(c), "seccompProfile", "type");
        if (own === UNKNOWN) {
            out.push(unknown(`${w} securityContext.seccompProfile`));
        } else if (own !== undefined) {
            if (!SECCOMP_ALLOWED.includes(String(own))) {
                out.push({ message: `${w} sets securityContext.seccompProfile.type ${show(own)}: set it to RuntimeDefault (or Localhost)` });
            }
        } else if (podType === UNKNOWN) {
            out.push(unknown(`${scPath}.seccompProfile`));
        } else if (podType === undefined) {
            out.push({ message: `${w} has no seccomp profile: set ${scPath}.seccompProfile.type: RuntimeDefault (or set it on the container)` });
        }
    }
    return out;
};

/** No container with privileged: true. */
export const checkNotPrivileged: PodCheck = (pod) => {
    const out = unknownParts(pod, ALL_LISTS);
    for (const c of containersIn(pod, ALL_LISTS)) {
        const v = field(containerSecurityContext(c), "privileged");
        if (v === UNKNOWN) {
            out.push(unknown(`${where(pod, c)} securityContext.privileged`));
        } else if (v === true) {
            out.push({ message: `${where(pod, c)}: remove securityContext.privileged: true; grant only the specific capability it needs` });
        }
    }
    return out;
};

/** No hostNetwork, hostPID or hostIPC. */
export const checkHostNamespaces: PodCheck = (pod) => {
    if (pod.spec === UNKNOWN) {
        return [unknown(pod.path)];
    }
    const out: Finding[] = [];
    for (const key of ["hostNetwork", "hostPID", "hostIPC"]) {
        const v = pod.spec[key];
        if (v === UNKNOWN) {
            out.push(unknown(`${pod.path}.${key}`));
        } else if (v === true) {
            out.push({ message: `${pod.path}.${key} is true: remove it so the pod does not share the node's namespace (use a Service or hostPort-free design instead)` });
        }
    }
    return out;
};

/** No hostPath volumes. */
export const checkNoHostPath: PodCheck = (pod) => {
    if (pod.spec === UNKNOWN) {
        return [unknown(pod.path)];
    }
    const volumes = list(pod.spec.volumes);
    if (volumes === UNKNOWN) {
        return [unknown(`${pod.path}.volumes`)];
    }
    const out: Finding[] = [];
    volumes.forEach((v, i) => {
        if (v === UNKNOWN) {
            out.push(unknown(`${pod.path}.volumes[${i}]`));
        } else if (isRec(v) && v.hostPath !== undefined && v.hostPath !== null) {
            const name = typeof v.name === "string" ? ` "${v.name}"` : "";
            out.push({ message: `${pod.path}.volumes[${i}]${name} mounts a hostPath (${show(at(v, "hostPath", "path"))}): use an emptyDir, PersistentVolumeClaim, ConfigMap, Secret or CSI volume instead` });
        }
    });
    return out;
};

/** No container port with a non-zero hostPort. */
export const checkNoHostPorts: PodCheck = (pod) => {
    const out = unknownParts(pod, ALL_LISTS);
    for (const c of containersIn(pod, ALL_LISTS)) {
        const ports = c.spec === UNKNOWN ? UNKNOWN : list(c.spec.ports);
        if (ports === UNKNOWN) {
            out.push(unknown(`${where(pod, c)} ports`));
            continue;
        }
        ports.forEach((p, j) => {
            const hostPort = at(p, "hostPort");
            if (hostPort === UNKNOWN) {
                out.push(unknown(`${where(pod, c)} ports[${j}].hostPort`));
            } else if (typeof hostPort === "number" && hostPort !== 0) {
                out.push({ message: `${where(pod, c)}: remove ports[${j}].hostPort ${hostPort}; expose the port through a Service` });
            }
        });
    }
    return out;
};

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

/** Why an image reference is not pinned, or undefined when it is. */
export function imagePinProblem(image: string, requireDigest: boolean): string | undefined {
    const atSign = image.indexOf("@");
    if (atSign >= 0) {
        return DIGEST.test(image.slice(atSign + 1)) ? undefined : `has a malformed digest: use name@sha256:<64 hex digits>`;
    }
    if (requireDigest) {
        return `is not pinned by digest: append @sha256:<digest> of the tested image`;
    }
    const lastPart = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastPart.lastIndexOf(":");
    if (colon < 0 || colon === lastPart.length - 1) {
        return `has no tag, so it pulls "latest": pin a version tag (e.g. ${image}:1.2.3) or a digest (@sha256:...)`;
    }
    if (lastPart.slice(colon + 1).toLowerCase() === "latest") {
        return `uses the moving tag "latest": pin a version tag or a digest (@sha256:...)`;
    }
    return undefined;
}

/** Every container image pinned to a non-"latest" tag or a digest. */
export const checkImagePinned: PodCheck = (pod, config) => {
    const requireDigest = config.requireDigest === true;
    const out = unknownParts(pod, ALL_LISTS);
    for (const c of containersIn(pod, ALL_LISTS)) {
        const image = c.spec === UNKNOWN ? UNKNOWN : c.spec.image;
        if (image === UNKNOWN) {
            out.push(unknown(`${where(pod, c)} image`));
        } else if (typeof image !== "string" || image.trim() === "") {
            out.push({ message: `${where(pod, c)} has no image: set image to name:version or name@sha256:digest` });
        } else {
            const problem = imagePinProblem(image, requireDigest);
            if (problem) {
                out.push({ message: `${where(pod, c)} image "${image}" ${problem}` });
            }
        }
    }
    return out;
};
