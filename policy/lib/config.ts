// The policy config file (`pulumi preview --policy-pack-config <file>`): validation and the effective
// per-policy config, computed the way the Pulumi CLI does (schema defaults, then "all", then the
// policy's own entry), so the offline runner sees exactly what the engine would pass to getConfig().

import type { EnforcementLevel, PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { EXCEPTIONS_POLICY, parseSettings } from "./settings";
import { isRec, Rec } from "./values";

/** One entry of the config file: an enforcement level, or an object with one and/or properties. */
export type PolicyConfigValue = EnforcementLevel | { enforcementLevel?: EnforcementLevel; [property: string]: unknown };

/** The config file: policy name (or "all") to its config. */
export type PolicyConfigFile = Record<string, PolicyConfigValue>;

export interface PolicyMetadata {
    name: string;
    enforcementLevel?: EnforcementLevel;
    configSchema?: PolicyConfigSchema;
}

export interface EffectiveConfig {
    enforcementLevel: EnforcementLevel;
    properties: Rec;
}

const LEVELS: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];

function isLevel(v: unknown): v is EnforcementLevel {
    return typeof v === "string" && LEVELS.includes(v);
}

function typeMatches(type: string, v: unknown): boolean {
    switch (type) {
        case "string": return typeof v === "string";
        case "boolean": return typeof v === "boolean";
        case "number": return typeof v === "number";
        case "integer": return typeof v === "number" && Number.isInteger(v);
        case "array": return Array.isArray(v);
        case "object": return isRec(v);
        case "null": return v === null;
        default: return false;
    }
}

/** Validates a value against the subset of JSON schema the pack's config schemas use. */
export function schemaProblems(schema: PolicyConfigJSONSchema | boolean, v: unknown, path: string): string[] {
    if (typeof schema === "boolean") {
        return schema ? [] : [`${path} is not allowed`];
    }
    const out: string[] = [];
    if (schema.type !== undefined) {
        const types = Array.isArray(schema.type) ? schema.type : [schema.type];
        if (!types.some((t) => typeMatches(t, v))) {
            return [`${path} must be of type ${types.join(" or ")}`];
        }
    }
    if (schema.enum && !schema.enum.some((e) => e === v)) {
        out.push(`${path} must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")} (got ${JSON.stringify(v)})`);
    }
    if (typeof v === "string") {
        if (schema.minLength !== undefined && v.length < schema.minLength) out.push(`${path} must be at least ${schema.minLength} characters`);
        if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(v)) out.push(`${path} must match ${schema.pattern}`);
    }
    if (typeof v === "number") {
        if (schema.minimum !== undefined && v < schema.minimum) out.push(`${path} must be >= ${schema.minimum}`);
        if (schema.maximum !== undefined && v > schema.maximum) out.push(`${path} must be <= ${schema.maximum}`);
    }
    if (Array.isArray(v)) {
        if (schema.minItems !== undefined && v.length < schema.minItems) out.push(`${path} must have at least ${schema.minItems} item(s)`);
        if (schema.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) out.push(`${path} must not repeat items`);
        if (schema.items !== undefined && !Array.isArray(schema.items)) {
            const items = schema.items;
            v.forEach((x, i) => out.push(...schemaProblems(items, x, `${path}[${i}]`)));
        }
    }
    if (isRec(v)) {
        for (const key of schema.required ?? []) {
            if (!(key in v)) out.push(`${path}.${key} is required`);
        }
        for (const [key, value] of Object.entries(v)) {
            const sub = schema.properties?.[key];
            if (sub !== undefined) {
                out.push(...schemaProblems(sub, value, `${path}.${key}`));
            } else if (schema.additionalProperties !== undefined) {
                out.push(...schemaProblems(schema.additionalProperties, value, `${path}.${key}`));
            }
        }
    }
    return out;
}

/**
 * Validates a config file against the pack. Stricter than the CLI: unknown policy names and unknown
 * properties are errors (a typo must not silently leave a policy at its default).
 */
export function configFileProblems(config: unknown, policies: readonly PolicyMetadata[]): string[] {
    if (!isRec(config)) {
        return ["the policy config must be a JSON object mapping policy names to an enforcement level or an object"];
    }
    const names = policies.map((p) => p.name);
    const out: string[] = [];
    for (const [key, value] of Object.entries(config)) {
        const policy = policies.find((p) => p.name === key);
        if (key !== "all" && !policy) {
            out.push(`"${key}" is not a policy of this pack (known: all, ${names.join(", ")})`);
            continue;
        }
        if (typeof value === "string") {
            if (!isLevel(value)) out.push(`"${key}": "${value}" is not an enforcement level (${LEVELS.join(", ")})`);
            continue;
        }
        if (!isRec(value)) {
            out.push(`"${key}" must be an enforcement level string or an object`);
            continue;
        }
        if (value.enforcementLevel !== undefined && !isLevel(value.enforcementLevel)) {
            out.push(`"${key}".enforcementLevel: ${JSON.stringify(value.enforcementLevel)} is not an enforcement level (${LEVELS.join(", ")})`);
        }
        const properties = Object.keys(value).filter((k) => k !== "enforcementLevel");
        if (key === "all") {
            if (properties.length) out.push(`"all" only takes an enforcementLevel (got ${properties.join(", ")})`);
            continue;
        }
        const schemaProps = policy?.configSchema?.properties ?? {};
        for (const prop of properties) {
            const sub = schemaProps[prop];
            if (sub === undefined) {
                const known = Object.keys(schemaProps);
                out.push(`"${key}".${prop} is not a setting of this policy (${known.length ? `known: ${known.join(", ")}` : "it has no settings"})`);
            } else if (key !== EXCEPTIONS_POLICY) {
                out.push(...schemaProblems(sub, value[prop], `"${key}".${prop}`));
            }
        }
        if (key === EXCEPTIONS_POLICY) {
            // The same validation the pack applies at preview time (wildcards, unknown policies, reasons, duplicates).
            const others = names.filter((n) => n !== EXCEPTIONS_POLICY);
            out.push(...parseSettings(value, others).problems.map((p) => `"${key}".${p}`));
        }
    }
    return out;
}

/** The enforcement level and properties the engine would give each policy. */
export function effectiveConfig(config: PolicyConfigFile, policies: readonly PolicyMetadata[], packLevel: EnforcementLevel): Map<string, EffectiveConfig> {
    const all = config.all;
    const allLevel = typeof all === "string" ? all : isRec(all) && isLevel(all.enforcementLevel) ? all.enforcementLevel : undefined;
    const result = new Map<string, EffectiveConfig>();
    for (const p of policies) {
        const properties: Rec = {};
        for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
            if (typeof s !== "boolean" && s.default !== undefined) {
                properties[k] = JSON.parse(JSON.stringify(s.default)) as unknown;
            }
        }
        let level: EnforcementLevel = allLevel ?? p.enforcementLevel ?? packLevel;
        const own = config[p.name];
        if (typeof own === "string") {
            level = own;
        } else if (isRec(own)) {
            for (const [k, v] of Object.entries(own)) {
                if (k === "enforcementLevel") {
                    if (isLevel(v)) level = v;
                } else {
                    properties[k] = v;
                }
            }
        }
        result.set(p.name, { enforcementLevel: level, properties });
    }
    return result;
}
