// `policy-exceptions`: carries the pack-wide settings (exceptions, system namespaces) in its config,
// loads them before any other policy runs (it is registered first), and reports at stack level any
// invalid or unused exception. Applied exceptions are reported by the waived policies themselves.

import type {
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { activateSettings, EXCEPTIONS_POLICY, settingsSchema } from "../lib/settings";
import { Rec } from "../lib/values";

const DESCRIPTION =
    "Exceptions must be narrow and valid: each names one resource (resourceType + resourceName), the policies it may fail and a reason of at least 20 characters.";

function report(reportViolation: ReportViolation, detail: string, level: "advisory" | "mandatory"): void {
    (reportViolation as unknown as (info: Rec) => void)({
        message: `${DESCRIPTION}\n${detail}`,
        description: DESCRIPTION,
        detail,
        enforcementLevel: level,
    });
}

/** Builds the exceptions policy; `policyNames` are the pack's other policies (the only names an exception may list). */
export function exceptionsPolicy(policyNames: readonly string[]): ResourceValidationPolicy & StackValidationPolicy {
    const names = [...policyNames];
    return {
        name: EXCEPTIONS_POLICY,
        description: DESCRIPTION,
        // Invalid settings are reported as mandatory and unused exceptions as advisory, per diagnostic.
        enforcementLevel: "advisory",
        severity: "high",
        remediationSteps:
            "Fix or remove the reported entry in policy-exceptions.exceptions of the policy config file (policy/config/<env>.json). Never list \"all\" or wildcards.",
        configSchema: settingsSchema(names),
        validateResource: (args: ResourceValidationArgs) => {
            // Runs first for every resource: makes the settings visible to the policies that follow.
            activateSettings(args.getConfig<Rec>(), names);
        },
        validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
            const settings = activateSettings(args.getConfig<Rec>(), names);
            for (const problem of settings.problems) {
                report(reportViolation, `invalid policy-exceptions config (entry ignored): ${problem}`, "mandatory");
            }
            const present = new Set(args.resources.map((r) => `${r.type}::${r.name}`));
            for (const e of settings.exceptions) {
                if (!present.has(`${e.resourceType}::${e.resourceName}`)) {
                    report(
                        reportViolation,
                        `exception for ${e.resourceType} "${e.resourceName}" (${e.policies.join(", ")}) matches no resource in this stack: remove it or fix the type/name`,
                        "advisory",
                    );
                }
            }
        },
    };
}
