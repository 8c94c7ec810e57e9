// Offline runner: evaluates the pack's own policy objects over a planned set of resources, the way the
// Pulumi engine's analyzer does (remediate, then validate each resource in pack order, then the stack
// policies), without the CLI, a gRPC server or a cloud. Used by the offline plan and the tests.
//
// Only types come from @pulumi/policy; loading its runtime would cost ~0.9 s.

import * as fs from "fs";
import * as path from "path";
import type {
    EnforcementLevel,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { configFileProblems, effectiveConfig, EffectiveConfig, PolicyConfigFile } from "./lib/config";
import { resetSettings } from "./lib/settings";
import { isRec, isUnknownValueError, Rec } from "./lib/values";
import { PACK_NAME, PackPolicy, policies } from "./policies";

export type { PolicyConfigFile, PolicyConfigValue } from "./lib/config";

/** A resource of the plan. `props` are its inputs; "[secret]" and "[unknown]" placeholders are fine. */
export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    props: Record<string, unknown>;
    parent?: string | null;
    /** Optional: URNs this resource depends on (helps correlate S3 bucket configuration). */
    dependencies?: string[];
    /** Optional: per-property dependencies, as the engine reports them. */
    propertyDependencies?: Record<string, string[]>;
    /** Optional: the `protect` resource option. */
    protect?: boolean;
}

export interface PolicyViolation {
    policy: string;
    level: "mandatory" | "advisory";
    urn: string;
    message: string;
}

export interface PolicyExceptionApplied {
    policy: string;
    urn: string;
    reason: string;
}

/** A remediation that changed a resource's inputs (only with enforcementLevel "remediate"). */
export interface PolicyRemediationApplied {
    policy: string;
    urn: string;
}

export interface PolicyReport {
    pack: string;
    violations: PolicyViolation[];
    exceptions: PolicyExceptionApplied[];
    remediations?: PolicyRemediationApplied[];
}

export interface EvaluateOptions {
    /** The policy config; defaults to policy/config/<stack>.json when `stack` is given, else the pack defaults. */
    config?: PolicyConfigFile;
    /** Stack name; used to pick the config file when `config` is not given. */
    stack?: string;
}

const PACK_LEVEL: EnforcementLevel = "mandatory";

function configDir(): string {
    const candidates = [path.join(__dirname, "config"), path.resolve(__dirname, "..", "..", "policy", "config")];
    return candidates.find((d) => fs.existsSync(d)) ?? candidates[0];
}

/** Validates a policy config object against the pack; throws an Error listing every problem. */
export function validatePolicyConfig(config: unknown, source = "policy config"): PolicyConfigFile {
    const problems = configFileProblems(config, policies);
    if (problems.length > 0) {
        throw new Error(`Invalid ${source}:\n  - ${problems.join("\n  - ")}`);
    }
    return config as PolicyConfigFile;
}

/** Reads and validates policy/config/<env>.json (the file given to `pulumi preview --policy-pack-config`). */
export function loadPolicyConfig(env: string): PolicyConfigFile {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(env)) {
        throw new Error(`Invalid policy environment name "${env}": use letters, digits, ".", "_" or "-"`);
    }
    const file = path.join(configDir(), `${env}.json`);
    if (!fs.existsSync(file)) {
        const known = fs.existsSync(configDir()) ? fs.readdirSync(configDir()).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)) : [];
        throw new Error(`No policy config for environment "${env}": expected ${file} (existing: ${known.join(", ") || "none"}). Copy policy/config/dev.json and adjust it.`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`Policy config ${file} is not valid JSON: ${(e as Error).message}`);
    }
    return validatePolicyConfig(parsed, `policy config ${file}`);
}

class NotApplicable extends Error {}

interface Reported {
    policy: string;
    level: "mandatory" | "advisory";
    urn: string;
    message: string;
    exceptionReason?: string;
}

function isResourcePolicy(p: PackPolicy): p is ResourceValidationPolicy {
    const v = (p as ResourceValidationPolicy).validateResource;
    return typeof v === "function" || Array.isArray(v) || typeof (p as ResourceValidationPolicy).remediateResource === "function";
}

function isStackPolicy(p: PackPolicy): p is StackValidationPolicy {
    return typeof (p as StackValidationPolicy).validateStack === "function";
}

function reportLevel(level: EnforcementLevel): "mandatory" | "advisory" {
    return level === "advisory" ? "advisory" : "mandatory";
}

/** A `reportViolation` that accepts the string form and the object form, like @pulumi/policy's server. */
function collector(out: Reported[], policy: string, level: EnforcementLevel, defaultUrn: string) {
    return (message: string | Rec, urn?: string): void => {
        if (isRec(message)) {
            const requested = message.enforcementLevel;
            const detail = typeof message.detail === "string" ? message.detail : String(message.message ?? "");
            out.push({
                policy,
                level: requested === "advisory" || requested === "mandatory" ? requested : reportLevel(level),
                urn: typeof message.urn === "string" && message.urn ? message.urn : defaultUrn,
                message: detail,
                exceptionReason: typeof message.exceptionReason === "string" ? message.exceptionReason : undefined,
            });
        } else {
            out.push({ policy, level: reportLevel(level), urn: urn || defaultUrn, message });
        }
    };
}

function isTypeOf(type: string) {
    return (resourceClass: unknown): boolean => {
        const token = (resourceClass as { __pulumiType?: unknown } | undefined)?.__pulumiType;
        return typeof token === "string" && token === type;
    };
}

function options(r: PlannedResource): PolicyResourceOptions {
    const opts: PolicyResourceOptions = {
        protect: r.protect === true,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
    };
    if (r.parent) {
        opts.parent = r.parent;
    }
    return opts;
}

const throwNotApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

/** Runs one callback the way the engine does: not-applicable is silent, unknown values are advisory. */
function guarded(out: Reported[], policy: string, urn: string, fn: () => unknown): unknown {
    try {
        return fn();
    } catch (e) {
        if (e instanceof NotApplicable) {
            return undefined;
        }
        if (isUnknownValueError(e)) {
            out.push({ policy, level: "advisory", urn, message: `can't run policy during preview: ${(e as Error).message}` });
            return undefined;
        }
        throw new Error(`policy ${policy} failed on ${urn}: ${(e as Error).stack ?? String(e)}`);
    }
}

function stackUrn(resources: PlannedResource[]): string {
    const m = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(resources[0]?.urn ?? "");
    return m ? `urn:pulumi:${m[1]}::${m[2]}::pulumi:pulumi:Stack::${m[2]}-${m[1]}` : "";
}

/** Evaluates every policy of the pack over `resources` and returns a deterministic report. */
export function evaluatePolicies(resources: PlannedResource[], options_: EvaluateOptions = {}): PolicyReport {
    const config = options_.config !== undefined
        ? validatePolicyConfig(options_.config)
        : options_.stack !== undefined
            ? loadPolicyConfig(options_.stack)
            : {};
    const effective = effectiveConfig(config, policies, PACK_LEVEL);
    const levelOf = (p: PackPolicy): EnforcementLevel => (effective.get(p.name) as EffectiveConfig).enforcementLevel;
    const getConfigOf = (p: PackPolicy) => <T extends object>(): T => JSON.parse(JSON.stringify((effective.get(p.name) as EffectiveConfig).properties)) as T;
    const reported: Reported[] = [];
    const remediations: PolicyRemediationApplied[] = [];
    const finalProps = new Map<string, Record<string, unknown>>();
    resetSettings();

    for (const r of resources) {
        let props = r.props;
        const argsFor = (p: PackPolicy): ResourceValidationArgs => ({
            type: r.type, props, urn: r.urn, name: r.name, opts: options(r), stackTags: new Map<string, string>(),
            isType: isTypeOf(r.type) as ResourceValidationArgs["isType"],
            asType: ((cls: unknown) => (isTypeOf(r.type)(cls) ? props : undefined)) as ResourceValidationArgs["asType"],
            getConfig: getConfigOf(p),
            notApplicable: throwNotApplicable,
        });
        for (const p of policies) {
            if (!isResourcePolicy(p) || levelOf(p) !== "remediate" || !p.remediateResource) continue;
            const remediate = p.remediateResource;
            const result = guarded(reported, p.name, r.urn, () => remediate(argsFor(p)));
            if (isRec(result)) {
                props = result;
                remediations.push({ policy: p.name, urn: r.urn });
            }
        }
        finalProps.set(r.urn, props);
        for (const p of policies) {
            const level = levelOf(p);
            if (!isResourcePolicy(p) || level === "disabled" || !p.validateResource) continue;
            const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            const report = collector(reported, p.name, level, r.urn);
            for (const validate of validations) {
                guarded(reported, p.name, r.urn, () => validate(argsFor(p), report as (message: string, urn?: string) => void));
            }
        }
    }

    const stack = stackUrn(resources);
    const policyResources: PolicyResource[] = resources.map((r) => ({
        type: r.type, props: finalProps.get(r.urn) ?? r.props, urn: r.urn, name: r.name, opts: options(r),
        dependencies: [], propertyDependencies: {},
        isType: isTypeOf(r.type) as PolicyResource["isType"],
        asType: ((cls: unknown) => (isTypeOf(r.type)(cls) ? r.props : undefined)) as PolicyResource["asType"],
    }));
    const byUrn = new Map(policyResources.map((r) => [r.urn, r]));
    resources.forEach((r, i) => {
        const pr = policyResources[i];
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) pr.parent = parent;
        pr.dependencies = (r.dependencies ?? []).map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
        for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
            pr.propertyDependencies[k] = urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
        }
    });
    for (const p of policies) {
        const level = levelOf(p);
        if (!isStackPolicy(p) || level === "disabled") continue;
        const args: StackValidationArgs = { resources: policyResources, stackTags: new Map<string, string>(), getConfig: getConfigOf(p), notApplicable: throwNotApplicable };
        const report = collector(reported, p.name, level, stack);
        guarded(reported, p.name, stack, () => p.validateStack(args, report as (message: string, urn?: string) => void));
    }
    return buildReport(reported, remediations);
}

function byUrnThenPolicy<T extends { urn: string; policy: string }>(a: T, b: T): number {
    return a.urn.localeCompare(b.urn) || a.policy.localeCompare(b.policy);
}

function buildReport(reported: Reported[], remediations: PolicyRemediationApplied[]): PolicyReport {
    const violations: PolicyViolation[] = [];
    const exceptions = new Map<string, PolicyExceptionApplied>();
    for (const r of reported) {
        if (r.exceptionReason !== undefined) {
            exceptions.set(`${r.urn}\u0000${r.policy}`, { policy: r.policy, urn: r.urn, reason: r.exceptionReason });
        } else {
            violations.push({ policy: r.policy, level: r.level, urn: r.urn, message: r.message });
        }
    }
    violations.sort((a, b) => byUrnThenPolicy(a, b) || a.message.localeCompare(b.message));
    return {
        pack: PACK_NAME,
        violations,
        exceptions: [...exceptions.values()].sort(byUrnThenPolicy),
        remediations: remediations.sort(byUrnThenPolicy),
    };
}
