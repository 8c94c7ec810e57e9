// Opt-in remediations for Kubernetes workloads. They only ever ADD a secure setting that is unset;
// they never override a value the author wrote, so an author who needs the insecure setting says so
// explicitly (and gets an exception), and a remediation can never silently change a reviewed choice.

import { activeSettings, findException } from "./settings";
import { at, isRec, plainProps, UNKNOWN } from "./values";
import { containerSecurityContext, field, podSecurityContext, podSpecPath, readPod, workloadKind } from "./workload";

type Path = (string | number)[];
type Obj = Record<string, unknown>;

/** Own enumerable values without going through the engine's unknown-checking proxy `get` trap. */
function rawValue(o: object, key: string | number): unknown {
    const d = Object.getOwnPropertyDescriptor(o, key);
    return d && "value" in d ? d.value : undefined;
}

function copyObject(o: unknown): Obj {
    const out: Obj = {};
    if (typeof o === "object" && o !== null && !Array.isArray(o)) {
        for (const key of Object.keys(o)) {
            out[key] = rawValue(o, key);
        }
    }
    return out;
}

function copyArray(a: unknown): unknown[] {
    if (!Array.isArray(a)) {
        return [];
    }
    const out: unknown[] = [];
    for (let i = 0; i < a.length; i++) {
        out.push(rawValue(a, i));
    }
    return out;
}

/** Returns a copy of `root` with the value at `path` replaced by `fn(old)`; untouched branches are shared. */
export function updateIn(root: unknown, path: Path, fn: (old: unknown) => unknown): unknown {
    if (path.length === 0) {
        return fn(root);
    }
    const [head, ...rest] = path;
    if (typeof head === "number") {
        const arr = copyArray(root);
        arr[head] = updateIn(arr[head], rest, fn);
        return arr;
    }
    const obj = copyObject(root);
    obj[head] = updateIn(obj[head], rest, fn);
    return obj;
}

/**
 * Best effort: the engine may remediate a resource before `policy-exceptions` has loaded the settings
 * (remediation runs before validation), which is why remediations never override explicit values.
 */
function excepted(type: string, name: string, policy: string): boolean {
    return findException(activeSettings(), type, name, policy) !== undefined;
}

/** The workload kind and pod of a resource a remediation may touch: a known workload, not excepted, fully known, not Windows. */
function remediable(props: Obj, type: string, name: string, policy: string) {
    const kind = workloadKind(type);
    if (!kind || excepted(type, name, policy)) {
        return undefined;
    }
    const pod = readPod(kind, plainProps(props));
    return pod.spec === UNKNOWN || pod.windows ? undefined : { kind, pod };
}

/** Sets allowPrivilegeEscalation: false on containers that leave it unset (skips privileged or SYS_ADMIN containers). */
export function remediateNoPrivilegeEscalation(props: Obj, type: string, name: string, policy: string): Obj | undefined {
    const target = remediable(props, type, name, policy);
    if (!target) {
        return undefined;
    }
    const { kind, pod } = target;
    let result: unknown = props;
    let changed = false;
    for (const c of pod.containers) {
        const sc = containerSecurityContext(c);
        if (sc === UNKNOWN || field(sc, "allowPrivilegeEscalation") !== undefined || field(sc, "privileged") === true) {
            continue;
        }
        const add = at(sc, "capabilities", "add");
        if (add === UNKNOWN || (Array.isArray(add) && add.some((a) => a === UNKNOWN || a === "SYS_ADMIN" || a === "CAP_SYS_ADMIN"))) {
            continue; // Kubernetes rejects allowPrivilegeEscalation: false with CAP_SYS_ADMIN
        }
        result = updateIn(result, [...podSpecPath(kind), c.list, c.index, "securityContext"], (old) => ({
            ...copyObject(old),
            allowPrivilegeEscalation: false,
        }));
        changed = true;
    }
    return changed && isRec(result) ? result : undefined;
}

/** Sets the pod-level seccompProfile to RuntimeDefault when neither the pod nor some container sets one. */
export function remediateSeccomp(props: Obj, type: string, name: string, policy: string): Obj | undefined {
    const target = remediable(props, type, name, policy);
    if (!target) {
        return undefined;
    }
    const { kind, pod } = target;
    const psc = podSecurityContext(pod);
    if (psc === UNKNOWN || field(psc, "seccompProfile") !== undefined) {
        return undefined;
    }
    const needsIt = pod.containers.some((c) => at(containerSecurityContext(c), "seccompProfile") === undefined);
    if (!needsIt) {
        return undefined;
    }
    const result = updateIn(props, [...podSpecPath(kind), "securityContext"], (old) => ({
        ...copyObject(old),
        seccompProfile: { type: "RuntimeDefault" },
    }));
    return isRec(result) ? result : undefined;
}
