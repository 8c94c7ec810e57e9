// Pack-wide settings: exceptions and the system-namespace rule.
//
// CrossGuard gives each policy only its own config (`args.getConfig()`), but an exception names a
// resource and several policies. So the settings live in the config of one policy,
// `policy-exceptions`, which is registered FIRST in the pack: the engine runs policies in pack order
// for every resource and for the stack, so `policy-exceptions` loads the settings into this module
// before any other policy asks `activeSettings()`. If `policy-exceptions` is disabled, nothing is
// loaded and the defaults apply: no exceptions at all (fail closed) and the default system
// namespaces.

import type { PolicyConfigSchema } from "@pulumi/policy";
import { isRec, Rec } from "./values";

export const EXCEPTIONS_POLICY = "policy-exceptions";

/** Namespaces whose workloads are third-party system components by default. */
export const DEFAULT_SYSTEM_NAMESPACES: readonly string[] = ["kube-system", "kube-public", "kube-node-lease"];

/** Shortest accepted exception reason, in characters (a sentence, not "n/a" or "temp"). */
export const MIN_REASON_LENGTH = 20;

/** One exception: one named resource, the policies it may fail, and why. */
export interface PolicyException {
    /** Pulumi type token, e.g. "kubernetes:apps/v1:Deployment". */
    resourceType: string;
    /** Pulumi logical name (the `name` in the URN), e.g. "dify-sandbox". */
    resourceName: string;
    /** Policy names that are waived for that resource. */
    policies: string[];
    /** Why the resource cannot comply and what compensates. */
    reason: string;
}

export interface PackSettings {
    exceptions: PolicyException[];
    systemNamespaces: string[];
    enforceInSystemNamespaces: boolean;
    /** Problems found in the configured settings; invalid exception entries are dropped. */
    problems: string[];
}

const TYPE_TOKEN = /^[A-Za-z0-9_.-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_]+$/;
const WILDCARD = /[*?\s]/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const EXCEPTION_KEYS = ["resourceType", "resourceName", "policies", "reason"];

/** The JSON schema of `policy-exceptions`' config, enforced by the Pulumi CLI before a preview. */
export function settingsSchema(policyNames: readonly string[]): PolicyConfigSchema {
    return {
        properties: {
            exceptions: {
                type: "array",
                default: [],
                items: {
                    type: "object",
                    additionalProperties: false,
                    required: EXCEPTION_KEYS,
                    properties: {
                        resourceType: { type: "string", pattern: TYPE_TOKEN.source },
                        resourceName: { type: "string", minLength: 1, pattern: "^[^*?\\s]+$" },
                        policies: {
                            type: "array",
                            minItems: 1,
                            uniqueItems: true,
                            items: { type: "string", enum: [...policyNames] },
                        },
                        reason: { type: "string", minLength: MIN_REASON_LENGTH, pattern: "\\S" },
                    },
                },
            },
            systemNamespaces: {
                type: "array",
                default: [...DEFAULT_SYSTEM_NAMESPACES],
                uniqueItems: true,
                items: { type: "string", pattern: NAMESPACE.source },
            },
            enforceInSystemNamespaces: { type: "boolean", default: false },
        },
    };
}

/** Checks one exception entry; returns the problems (empty when valid). */
export function exceptionProblems(entry: unknown, index: number, policyNames: readonly string[]): string[] {
    const where = `exceptions[${index}]`;
    if (!isRec(entry)) {
        return [`${where} must be an object with resourceType, resourceName, policies and reason`];
    }
    const problems: string[] = [];
    for (const key of Object.keys(entry)) {
        if (!EXCEPTION_KEYS.includes(key)) {
            problems.push(`${where} has unknown field "${key}" (allowed: ${EXCEPTION_KEYS.join(", ")})`);
        }
    }
    const { resourceType, resourceName, policies, reason } = entry;
    if (typeof resourceType !== "string" || resourceType.trim() === "") {
        problems.push(`${where}.resourceType is required: the Pulumi type token of one resource, e.g. "kubernetes:apps/v1:Deployment"`);
    } else if (WILDCARD.test(resourceType) || !TYPE_TOKEN.test(resourceType)) {
        problems.push(`${where}.resourceType "${resourceType}" must be one exact Pulumi type token like "kubernetes:apps/v1:Deployment" (no wildcards)`);
    }
    if (typeof resourceName !== "string" || resourceName.trim() === "") {
        problems.push(`${where}.resourceName is required: the Pulumi logical name of one resource (the name in its URN)`);
    } else if (WILDCARD.test(resourceName)) {
        problems.push(`${where}.resourceName "${resourceName}" must be one exact logical name (no wildcards or spaces)`);
    }
    if (!Array.isArray(policies) || policies.length === 0) {
        problems.push(`${where}.policies must list at least one policy name`);
    } else {
        const seen = new Set<string>();
        for (const p of policies) {
            if (typeof p !== "string") {
                problems.push(`${where}.policies must contain policy names (strings)`);
            } else if (p === "all" || WILDCARD.test(p)) {
                problems.push(`${where}.policies cannot contain "${p}": name each waived policy explicitly`);
            } else if (p === EXCEPTIONS_POLICY) {
                problems.push(`${where}.policies cannot contain "${EXCEPTIONS_POLICY}" itself`);
            } else if (!policyNames.includes(p)) {
                problems.push(`${where}.policies names unknown policy "${p}" (known: ${policyNames.join(", ")})`);
            } else if (seen.has(p)) {
                problems.push(`${where}.policies lists "${p}" twice`);
            }
            if (typeof p === "string") {
                seen.add(p);
            }
        }
    }
    if (typeof reason !== "string" || reason.trim().length < MIN_REASON_LENGTH) {
        problems.push(`${where}.reason must explain in at least ${MIN_REASON_LENGTH} characters why the resource cannot comply and what compensates`);
    }
    return problems;
}

/** Parses and validates `policy-exceptions`' config properties. Never throws. */
export function parseSettings(raw: Rec, policyNames: readonly string[]): PackSettings {
    const problems: string[] = [];
    const exceptions: PolicyException[] = [];
    const rawExceptions = raw.exceptions ?? [];
    if (!Array.isArray(rawExceptions)) {
        problems.push("exceptions must be an array of {resourceType, resourceName, policies, reason}");
    } else {
        const keys = new Set<string>();
        rawExceptions.forEach((entry: unknown, i: number) => {
            const entryProblems = exceptionProblems(entry, i, policyNames);
            if (entryProblems.length > 0 || !isRec(entry)) {
                problems.push(...entryProblems);
                return;
            }
            const e: PolicyException = {
                resourceType: String(entry.resourceType),
                resourceName: String(entry.resourceName),
                policies: (entry.policies as string[]).slice(),
                reason: String(entry.reason).trim(),
            };
            const key = `${e.resourceType}::${e.resourceName}`;
            if (keys.has(key)) {
                problems.push(`exceptions[${i}] repeats ${e.resourceType} "${e.resourceName}": merge its policies into the earlier entry`);
                return;
            }
            keys.add(key);
            exceptions.push(e);
        });
    }
    let systemNamespaces = [...DEFAULT_SYSTEM_NAMESPACES];
    if (raw.systemNamespaces !== undefined) {
        const ns = raw.systemNamespaces;
        if (!Array.isArray(ns) || !ns.every((n) => typeof n === "string" && NAMESPACE.test(n))) {
            problems.push("systemNamespaces must be an array of Kubernetes namespace names");
        } else {
            systemNamespaces = ns as string[];
        }
    }
    let enforceInSystemNamespaces = false;
    if (raw.enforceInSystemNamespaces !== undefined) {
        if (typeof raw.enforceInSystemNamespaces !== "boolean") {
            problems.push("enforceInSystemNamespaces must be true or false");
        } else {
            enforceInSystemNamespaces = raw.enforceInSystemNamespaces;
        }
    }
    return { exceptions, systemNamespaces, enforceInSystemNamespaces, problems };
}

export function defaultSettings(): PackSettings {
    return { exceptions: [], systemNamespaces: [...DEFAULT_SYSTEM_NAMESPACES], enforceInSystemNamespaces: false, problems: [] };
}

let active: PackSettings = defaultSettings();
let activeKey = "";

/** Loads settings from `policy-exceptions`' config (cached: the engine passes the same config every time). */
export function activateSettings(raw: Rec, policyNames: readonly string[]): PackSettings {
    const key = JSON.stringify(raw);
    if (key !== activeKey) {
        active = parseSettings(raw, policyNames);
        activeKey = key;
    }
    return active;
}

/** The settings loaded by `policy-exceptions` (defaults if it has not run). */
export function activeSettings(): PackSettings {
    return active;
}

/** Back to defaults; the offline runner calls this before every evaluation. */
export function resetSettings(): void {
    active = defaultSettings();
    activeKey = "";
}

export function findException(settings: PackSettings, type: string, name: string, policy: string): PolicyException | undefined {
    return settings.exceptions.find((e) => e.resourceType === type && e.resourceName === name && e.policies.includes(policy));
}

export function isSystemNamespace(settings: PackSettings, namespace: unknown): namespace is string {
    return !settings.enforceInSystemNamespaces && typeof namespace === "string" && settings.systemNamespaces.includes(namespace);
}
