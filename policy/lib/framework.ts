// Turns pure checks into CrossGuard policies, awsguard-style, and applies the pack-wide rules the
// same way for every policy: exceptions, the system-namespace downgrade, and unknown values.
//
// Only types are imported from @pulumi/policy (its runtime costs ~0.9 s to load), so the policies
// can run in the offline runner without it.

import type {
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { activeSettings, findException, isSystemNamespace } from "./settings";
import { at, plainProps, Rec } from "./values";

/** One result of a check. `unknown` means "could not decide because a value is not known yet". */
export interface Finding {
    message: string;
    unknown?: boolean;
    /** Stack policies: the resource the finding is about (none = the stack). */
    urn?: string;
}

/** What a policy hands to `reportViolation` in its object form (supported by @pulumi/policy's server). */
export interface ViolationReport {
    message: string;
    description: string;
    /** The finding itself, without the policy description (used by the offline runner). */
    detail: string;
    urn?: string;
    enforcementLevel?: "advisory" | "mandatory";
    /** Set when the violation is waived by an exception; the engine shows it as advisory. */
    exceptionReason?: string;
}

/** The resource a resource policy is checking, with plain props (see values.ts). */
export interface ResourceInput {
    type: string;
    name: string;
    urn: string;
    props: Rec;
    config: Rec;
}

interface PolicyMeta {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    severity: Severity;
    remediationSteps: string;
    configSchema?: PolicyConfigSchema;
}

export interface ResourcePolicySpec extends PolicyMeta {
    /** Which resource types the policy checks. */
    appliesTo: (type: string) => boolean;
    /** Human description of `appliesTo`, for "not applicable" reasons. */
    appliesToLabel: string;
    /** Kubernetes resources: downgrade to advisory in system namespaces. */
    kubernetes?: boolean;
    check: (input: ResourceInput) => Finding[];
    /** Optional remediation: returns new props, or undefined for no change. Must never override explicit values. */
    remediate?: (props: Record<string, unknown>, type: string, name: string) => Record<string, unknown> | undefined;
}

/** A resource as a stack policy sees it, with plain props. */
export interface StackResource {
    type: string;
    name: string;
    urn: string;
    props: Rec;
    parent?: string;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
}

export interface StackPolicySpec extends PolicyMeta {
    /** The resource types the check reads (others are not converted). */
    reads: (type: string) => boolean;
    kubernetes?: boolean;
    check: (resources: StackResource[], config: Rec) => Finding[];
}

function emit(report: ReportViolation, r: ViolationReport): void {
    if (r.enforcementLevel === undefined && r.exceptionReason === undefined) {
        report(r.detail, r.urn);
        return;
    }
    // @pulumi/policy's server accepts an object here (name, message, urn, description, enforcementLevel,
    // severity) and uses its enforcementLevel for this one diagnostic; the typings only declare strings.
    (report as unknown as (info: ViolationReport) => void)(r);
}

interface Subject {
    type: string;
    name: string;
    urn?: string;
    namespace: unknown;
}

/** Applies exceptions, the system-namespace downgrade and unknown handling, then reports. */
export function deliver(meta: PolicyMeta, kubernetes: boolean, subject: Subject, findings: Finding[], report: ReportViolation): void {
    const settings = activeSettings();
    const violations = findings.filter((f) => !f.unknown);
    const unknowns = findings.filter((f) => f.unknown);
    const base = { description: meta.description, urn: subject.urn };
    const exception = findException(settings, subject.type, subject.name, meta.name);
    if (exception) {
        if (violations.length > 0) {
            const detail = `waived by exception for ${subject.type} "${subject.name}" (${exception.reason}): ${violations.map((v) => v.message).join("; ")}`;
            emit(report, { ...base, message: `${meta.description}\n${detail}`, detail, enforcementLevel: "advisory", exceptionReason: exception.reason });
        } else if (unknowns.length === 0) {
            const detail = `the exception for ${subject.type} "${subject.name}" lists "${meta.name}" but the resource complies: remove "${meta.name}" from that exception's policies`;
            emit(report, { ...base, message: `${meta.description}\n${detail}`, detail, enforcementLevel: "advisory" });
        }
        return;
    }
    const downgrade = kubernetes && isSystemNamespace(settings, subject.namespace);
    for (const v of violations) {
        const detail = downgrade
            ? `${v.message} [advisory: namespace "${String(subject.namespace)}" is a system namespace; set policy-exceptions.enforceInSystemNamespaces to enforce]`
            : v.message;
        emit(report, { ...base, message: `${meta.description}\n${detail}`, detail, enforcementLevel: downgrade ? "advisory" : undefined });
    }
    if (violations.length === 0) {
        for (const u of unknowns) {
            const detail = `cannot be checked yet: ${u.message}`;
            emit(report, { ...base, message: `${meta.description}\n${detail}`, detail, enforcementLevel: "advisory" });
        }
    }
}

function metaOf(spec: PolicyMeta): PolicyMeta {
    const meta: PolicyMeta = {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.enforcementLevel,
        severity: spec.severity,
        remediationSteps: spec.remediationSteps,
    };
    if (spec.configSchema) {
        meta.configSchema = spec.configSchema;
    }
    return meta;
}

/** Builds a ResourceValidationPolicy from a pure check. */
export function resourcePolicy(spec: ResourcePolicySpec): ResourceValidationPolicy {
    const meta = metaOf(spec);
    const policy: ResourceValidationPolicy = {
        ...meta,
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            if (!spec.appliesTo(args.type)) {
                args.notApplicable(`Policy only applies to ${spec.appliesToLabel}`);
            }
            const props = plainProps(args.props);
            const findings = spec.check({ type: args.type, name: args.name, urn: args.urn, props, config: args.getConfig<Rec>() });
            const subject = { type: args.type, name: args.name, namespace: at(props, "metadata", "namespace") };
            deliver(meta, spec.kubernetes === true, subject, findings, reportViolation);
        },
    };
    const remediate = spec.remediate;
    if (remediate) {
        policy.remediateResource = (args: ResourceValidationArgs) => {
            if (!spec.appliesTo(args.type)) {
                args.notApplicable(`Policy only applies to ${spec.appliesToLabel}`);
            }
            return remediate(args.props, args.type, args.name);
        };
    }
    return policy;
}

function stackResource(r: PolicyResource): StackResource {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [k, deps] of Object.entries(r.propertyDependencies ?? {})) {
        propertyDependencies[k] = deps.map((d) => d.urn);
    }
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: plainProps(r.props),
        parent: r.parent?.urn ?? r.opts?.parent,
        dependencies: (r.dependencies ?? []).map((d) => d.urn),
        propertyDependencies,
    };
}

/** Builds a StackValidationPolicy from a pure check over the stack's resources. */
export function stackPolicy(spec: StackPolicySpec): StackValidationPolicy {
    const meta = metaOf(spec);
    return {
        ...meta,
        validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
            const resources = args.resources.filter((r) => spec.reads(r.type)).map(stackResource);
            const byUrn = new Map(resources.map((r) => [r.urn, r]));
            const findings = spec.check(resources, args.getConfig<Rec>());
            // Group by resource so exceptions and downgrades apply per resource.
            const groups = new Map<string, Finding[]>();
            for (const f of findings) {
                const key = f.urn ?? "";
                groups.set(key, [...(groups.get(key) ?? []), f]);
            }
            for (const [urn, group] of groups) {
                const r = byUrn.get(urn);
                const subject: Subject = r
                    ? { type: r.type, name: r.name, urn, namespace: at(r.props, "metadata", "namespace") }
                    : { type: "pulumi:pulumi:Stack", name: "", urn: urn || undefined, namespace: undefined };
                deliver(meta, spec.kubernetes === true, subject, group, reportViolation);
            }
        },
    };
}

/** Short "type token" helpers shared by the policy modules. */
export function typeIn(types: readonly string[]): (type: string) => boolean {
    const set = new Set(types);
    return (type: string) => set.has(type);
}

/** Reads a policy config value with a fallback, checking its type. */
export function configValue<T>(config: Rec, key: string, fallback: T, valid: (v: unknown) => v is T): T {
    const v = config[key];
    return v !== undefined && valid(v) ? v : fallback;
}
