// S3 data safety: every bucket encrypted, its public access blocked and versioned. aws v7 configures
// these with separate resources, so these are stack policies that correlate them by bucket; the
// deprecated inline arguments of aws:s3/bucket:Bucket and aws:s3/bucketV2:BucketV2 are accepted too.

import type { StackValidationPolicy } from "@pulumi/policy";
import { Finding, StackResource, stackPolicy } from "../lib/framework";
import {
    ACCOUNT_PUBLIC_ACCESS_BLOCK_TYPE,
    BUCKET_TYPES,
    correlate,
    PUBLIC_ACCESS_BLOCK_TYPES,
    SSE_TYPES,
    VERSIONING_TYPES,
} from "../lib/s3-correlation";
import { at, list, Rec, show, UNKNOWN } from "../lib/values";

type Verdict = "ok" | "bad" | "unknown";

const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];
const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

function combine(verdicts: Verdict[]): Verdict {
    if (verdicts.includes("ok")) {
        return "ok";
    }
    return verdicts.includes("unknown") ? "unknown" : "bad";
}

function sseAlgorithmVerdict(algorithm: unknown, requireKms: boolean): Verdict {
    if (algorithm === UNKNOWN) {
        return "unknown";
    }
    if (typeof algorithm !== "string" || !SSE_ALGORITHMS.includes(algorithm)) {
        return "bad";
    }
    return requireKms && !algorithm.startsWith("aws:kms") ? "bad" : "ok";
}

/** Default-encryption rules of a SSE resource or an inline configuration. */
function sseRulesVerdict(rules: unknown, requireKms: boolean): Verdict {
    const items = list(rules);
    if (items === UNKNOWN) {
        return "unknown";
    }
    return combine(items.map((rule) => {
        const byDefault = at(rule, "applyServerSideEncryptionByDefault");
        if (byDefault === UNKNOWN) {
            return "unknown";
        }
        const plural = list(at(rule, "applyServerSideEncryptionByDefaults")); // BucketV2 inline shape
        if (byDefault === undefined && plural !== UNKNOWN && plural.length > 0) {
            return combine(plural.map((d) => sseAlgorithmVerdict(at(d, "sseAlgorithm"), requireKms)));
        }
        return sseAlgorithmVerdict(at(byDefault, "sseAlgorithm"), requireKms);
    }));
}

function inlineEncryption(bucket: StackResource, requireKms: boolean): Verdict {
    const single = at(bucket.props, "serverSideEncryptionConfiguration");
    const plural = list(at(bucket.props, "serverSideEncryptionConfigurations"));
    const verdicts: Verdict[] = [];
    if (single !== undefined) {
        verdicts.push(single === UNKNOWN ? "unknown" : sseRulesVerdict([at(single, "rule")], requireKms));
    }
    if (plural === UNKNOWN) {
        verdicts.push("unknown");
    } else {
        verdicts.push(...plural.map((c) => sseRulesVerdict(at(c, "rules"), requireKms)));
    }
    return combine(verdicts);
}

function pabVerdict(props: Rec): { verdict: Verdict; missing: string[] } {
    const missing: string[] = [];
    let unknown = false;
    for (const flag of PAB_FLAGS) {
        const v = at(props, flag);
        if (v === UNKNOWN) {
            unknown = true;
        } else if (v !== true) {
            missing.push(flag);
        }
    }
    return { verdict: missing.length ? "bad" : unknown ? "unknown" : "ok", missing };
}

function versioningVerdict(sub: StackResource): Verdict {
    const status = at(sub.props, "versioningConfiguration", "status");
    return status === UNKNOWN ? "unknown" : status === "Enabled" ? "ok" : "bad";
}

function inlineVersioning(bucket: StackResource): Verdict {
    const single = at(bucket.props, "versioning", "enabled");
    const plural = list(at(bucket.props, "versionings"));
    const verdicts: Verdict[] = [single === UNKNOWN ? "unknown" : single === true ? "ok" : "bad"];
    if (plural === UNKNOWN) {
        verdicts.push("unknown");
    } else {
        verdicts.push(...plural.map((v): Verdict => (at(v, "enabled") === UNKNOWN ? "unknown" : at(v, "enabled") === true ? "ok" : "bad")));
    }
    return combine(verdicts);
}

/** Shared shape of the three bucket checks. */
function checkBuckets(
    resources: StackResource[],
    subTypes: readonly string[],
    verdictFor: (bucket: StackResource, subs: StackResource[]) => Verdict,
    fix: (bucket: StackResource, subs: StackResource[]) => string,
    what: string,
): Finding[] {
    const { byBucket, unresolved } = correlate(resources, subTypes);
    const out: Finding[] = [];
    for (const bucket of resources.filter((r) => BUCKET_TYPES.includes(r.type))) {
        const subs = byBucket.get(bucket.urn) ?? [];
        const verdict = verdictFor(bucket, subs);
        if (verdict === "ok") {
            continue;
        }
        if (verdict === "unknown") {
            out.push({ urn: bucket.urn, unknown: true, message: `the ${what} of bucket "${bucket.name}" is not known yet` });
        } else if (unresolved.length > 0) {
            const names = unresolved.map((u) => `"${u.name}"`).join(", ");
            out.push({ urn: bucket.urn, unknown: true, message: `which bucket ${names} configures is not known yet (needed to check the ${what} of bucket "${bucket.name}")` });
        } else {
            out.push({ urn: bucket.urn, message: fix(bucket, subs) });
        }
    }
    return out;
}

export function checkBucketEncryption(resources: StackResource[], config: Rec): Finding[] {
    const requireKms = config.requireKms === true;
    const algorithms = requireKms ? "aws:kms" : "AES256 or aws:kms";
    return checkBuckets(
        resources,
        SSE_TYPES,
        (bucket, subs) => combine([inlineEncryption(bucket, requireKms), ...subs.map((s) => sseRulesVerdict(at(s.props, "rules"), requireKms))]),
        (bucket, subs) =>
            subs.length > 0
                ? `bucket "${bucket.name}": its BucketServerSideEncryptionConfiguration "${subs[0].name}" does not apply ${algorithms} by default: set rules[0].applyServerSideEncryptionByDefault.sseAlgorithm to ${requireKms ? "\"aws:kms\" with kmsMasterKeyId" : "\"aws:kms\" (with kmsMasterKeyId) or \"AES256\""}`
                : `bucket "${bucket.name}" has no default encryption: add an aws.s3.BucketServerSideEncryptionConfiguration with bucket: <bucket>.id and rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: <key arn> }, bucketKeyEnabled: true }]`,
        "default encryption",
    );
}

export function checkBucketPublicAccessBlock(resources: StackResource[]): Finding[] {
    const account = resources.filter((r) => r.type === ACCOUNT_PUBLIC_ACCESS_BLOCK_TYPE).map((r) => pabVerdict(r.props).verdict);
    return checkBuckets(
        resources,
        PUBLIC_ACCESS_BLOCK_TYPES,
        (_bucket, subs) => combine([...account, ...subs.map((s) => pabVerdict(s.props).verdict)]),
        (bucket, subs) => {
            if (subs.length > 0) {
                const missing = pabVerdict(subs[0].props).missing;
                return `bucket "${bucket.name}": its BucketPublicAccessBlock "${subs[0].name}" must set ${missing.map((m) => `${m}: true`).join(", ")}`;
            }
            return `bucket "${bucket.name}" has no public access block: add an aws.s3.BucketPublicAccessBlock with bucket: <bucket>.id and ${PAB_FLAGS.map((f) => `${f}: true`).join(", ")}`;
        },
        "public access block",
    );
}

export function checkBucketVersioning(resources: StackResource[]): Finding[] {
    return checkBuckets(
        resources,
        VERSIONING_TYPES,
        (bucket, subs) => combine([inlineVersioning(bucket), ...subs.map(versioningVerdict)]),
        (bucket, subs) =>
            subs.length > 0
                ? `bucket "${bucket.name}": its BucketVersioning "${subs[0].name}" has status ${show(at(subs[0].props, "versioningConfiguration", "status"))}: set versioningConfiguration.status: "Enabled"`
                : `bucket "${bucket.name}" is not versioned: add an aws.s3.BucketVersioning with bucket: <bucket>.id and versioningConfiguration: { status: "Enabled" } (and a lifecycle rule expiring noncurrent versions)`,
        "versioning",
    );
}

const s3Types = [...BUCKET_TYPES, ...SSE_TYPES, ...PUBLIC_ACCESS_BLOCK_TYPES, ACCOUNT_PUBLIC_ACCESS_BLOCK_TYPE, ...VERSIONING_TYPES];
const readsS3 = (type: string): boolean => s3Types.includes(type);

export const s3Policies: StackValidationPolicy[] = [
    stackPolicy({
        name: "s3-bucket-encryption",
        description:
            "S3 buckets must have default server-side encryption: add an aws.s3.BucketServerSideEncryptionConfiguration (sseAlgorithm aws:kms or AES256) for each bucket.",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps:
            "new aws.s3.BucketServerSideEncryptionConfiguration(name, { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: \"aws:kms\", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }] })",
        configSchema: {
            properties: {
                requireKms: { type: "boolean", default: false, description: "Require aws:kms (customer-managed key) instead of accepting AES256." },
            },
        },
        reads: readsS3,
        check: checkBucketEncryption,
    }),
    stackPolicy({
        name: "s3-bucket-public-access-block",
        description:
            "S3 buckets must block public access: add an aws.s3.BucketPublicAccessBlock with all four flags true for each bucket (or an account-level block).",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "new aws.s3.BucketPublicAccessBlock(name, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true })",
        reads: readsS3,
        check: (resources) => checkBucketPublicAccessBlock(resources),
    }),
    stackPolicy({
        name: "s3-bucket-versioning",
        description: "S3 buckets must be versioned so deleted or overwritten objects can be recovered: add an aws.s3.BucketVersioning with status Enabled.",
        enforcementLevel: "advisory",
        severity: "medium",
        remediationSteps:
            "new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: \"Enabled\" } }), plus a lifecycle rule that expires noncurrent versions.",
        reads: readsS3,
        check: (resources) => checkBucketVersioning(resources),
    }),
];
