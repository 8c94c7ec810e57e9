// Tolerant reading of resource properties.
//
// Policies see resource properties in three shapes:
// - under the Pulumi engine (`pulumi preview --policy-pack`), a proxy that throws @pulumi/policy's
//   `UnknownValueError` when a value that is only known after the update is read;
// - under the offline runner, plain objects where unknown values are the string "[unknown]" and
//   secrets may be the string "[secret]";
// - in tests and the conformance corpus, plain manifests.
// `toPlain` turns all three into plain data where anything not knowable is the `UNKNOWN` symbol, so
// the checks are pure functions over plain data and never crash on a value they cannot see.

/** Marks a value that cannot be known now (an unknown output during preview, or a hidden secret). */
export const UNKNOWN: unique symbol = Symbol.for("dify-aws-policy.unknown");
export type Unknown = typeof UNKNOWN;

/** A plain JSON-like object. */
export type Rec = Record<string, unknown>;

const SENTINEL_STRINGS = new Set(["[unknown]", "[secret]"]);
const MAX_DEPTH = 48;

/** True for the error @pulumi/policy's proxy throws when an unknown value is read. */
export function isUnknownValueError(e: unknown): boolean {
    return e instanceof Error && (e.name === "UnknownValueError" || e.constructor.name === "UnknownValueError");
}

/** Deep copy of `value` where unknown values and secret placeholders become `UNKNOWN`. */
export function toPlain(value: unknown, depth = 0): unknown {
    if (typeof value === "string") {
        return SENTINEL_STRINGS.has(value) ? UNKNOWN : value;
    }
    if (value === null || typeof value !== "object") {
        return value;
    }
    if (depth > MAX_DEPTH) {
        return UNKNOWN;
    }
    if (Array.isArray(value)) {
        const out: unknown[] = [];
        const length = readSafely(() => value.length, depth);
        if (typeof length !== "number") {
            return UNKNOWN;
        }
        for (let i = 0; i < length; i++) {
            out.push(readSafely(() => value[i], depth));
        }
        return out;
    }
    const out: Rec = {};
    for (const key of Object.keys(value)) {
        out[key] = readSafely(() => (value as Rec)[key], depth);
    }
    return out;
}

function readSafely(get: () => unknown, depth: number): unknown {
    try {
        return toPlain(get(), depth + 1);
    } catch (e) {
        if (isUnknownValueError(e)) {
            return UNKNOWN;
        }
        throw e;
    }
}

/** Converts a resource's props to plain data (see `toPlain`). */
export function plainProps(props: unknown): Rec {
    const plain = toPlain(props);
    return isRec(plain) ? plain : {};
}

export function isUnknown(v: unknown): v is Unknown {
    return v === UNKNOWN;
}

export function isRec(v: unknown): v is Rec {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Walks `path` from `root`. Returns UNKNOWN if a step is unknown, undefined if a step is missing. */
export function at(root: unknown, ...path: (string | number)[]): unknown {
    let cur: unknown = root;
    for (const key of path) {
        if (cur === UNKNOWN) {
            return UNKNOWN;
        }
        if (typeof key === "number") {
            if (!Array.isArray(cur)) {
                return undefined;
            }
            cur = cur[key];
        } else {
            if (!isRec(cur)) {
                return undefined;
            }
            cur = cur[key];
        }
    }
    return cur;
}

/** The value as an array (empty when absent or not an array); UNKNOWN stays UNKNOWN. */
export function list(v: unknown): unknown[] | Unknown {
    if (v === UNKNOWN) {
        return UNKNOWN;
    }
    return Array.isArray(v) ? v : [];
}

/** Strings in an array value, plus whether some element is unknown. */
export function stringList(v: unknown): { values: string[]; unknown: boolean } {
    const items = list(v);
    if (items === UNKNOWN) {
        return { values: [], unknown: true };
    }
    const values: string[] = [];
    let unknown = false;
    for (const item of items) {
        if (item === UNKNOWN) {
            unknown = true;
        } else if (typeof item === "string") {
            values.push(item);
        }
    }
    return { values, unknown };
}

/** True if the value is set to something (an unknown value counts as set: it will be computed). */
export function isPresent(v: unknown): boolean {
    return v !== undefined && v !== null && v !== "";
}

/** A readable rendering of a plain value for messages. */
export function show(v: unknown): string {
    if (v === UNKNOWN) {
        return "<unknown>";
    }
    if (typeof v === "string") {
        return JSON.stringify(v);
    }
    try {
        return JSON.stringify(v) ?? String(v);
    } catch {
        return String(v);
    }
}
