// Correlates S3 bucket sub-resources (encryption, public access block, versioning) with their bucket.
// aws v7 configures a bucket through separate resources whose `bucket` input is the bucket's name or
// id; during a preview that value is unknown, so the engine's property dependencies come first.

import type { StackResource } from "./framework";
import { at } from "./values";

export const BUCKET_TYPES: readonly string[] = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const SSE_TYPES: readonly string[] = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
export const PUBLIC_ACCESS_BLOCK_TYPES: readonly string[] = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"];
export const ACCOUNT_PUBLIC_ACCESS_BLOCK_TYPE = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
export const VERSIONING_TYPES: readonly string[] = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];

export interface Correlation {
    /** Sub-resources per bucket URN. */
    byBucket: Map<string, StackResource[]>;
    /** Sub-resources whose bucket could not be determined. */
    unresolved: StackResource[];
}

function bucketKeys(b: StackResource): string[] {
    const keys = [b.name, `${b.name}_id`, `${b.name}-id`];
    for (const k of ["bucket", "id", "arn"]) {
        const v = at(b.props, k);
        if (typeof v === "string" && v !== "") {
            keys.push(v);
        }
    }
    return keys;
}

function bucketPrefix(b: StackResource): string | undefined {
    const p = at(b.props, "bucketPrefix");
    return typeof p === "string" && p !== "" ? p : undefined;
}

function only<T>(items: T[]): T | undefined {
    return items.length === 1 ? items[0] : undefined;
}

/** Finds the bucket one sub-resource configures; "external" for a bucket outside this stack; undefined if unsure. */
export function bucketOf(sub: StackResource, buckets: StackResource[]): StackResource | "external" | undefined {
    const byUrn = new Map(buckets.map((b) => [b.urn, b]));
    // 1. The engine's property dependencies: `bucket` was computed from that bucket's outputs.
    const viaProperty = only([...new Set(sub.propertyDependencies.bucket ?? [])].filter((u) => byUrn.has(u)));
    if (viaProperty) {
        return byUrn.get(viaProperty);
    }
    // 2. The `bucket` value: the bucket's name, id or ARN (known at update time and under mocks).
    const ref = at(sub.props, "bucket");
    if (typeof ref === "string" && ref !== "") {
        const exact = only(buckets.filter((b) => bucketKeys(b).includes(ref)));
        if (exact) {
            return exact;
        }
        const prefixed = only(buckets.filter((b) => {
            const p = bucketPrefix(b);
            return p !== undefined && ref.startsWith(p);
        }));
        if (prefixed) {
            return prefixed;
        }
        if (buckets.every((b) => typeof at(b.props, "bucket") === "string")) {
            return "external"; // every bucket here has a known name and none is this one
        }
    }
    // 3. Resource dependencies.
    const viaDeps = only([...new Set(sub.dependencies)].filter((u) => byUrn.has(u)));
    if (viaDeps) {
        return byUrn.get(viaDeps);
    }
    // 4. The same parent component with a single bucket, then the longest bucket name that prefixes the sub-resource's name.
    const siblings = buckets.filter((b) => b.parent !== undefined && b.parent === sub.parent);
    if (siblings.length === 1) {
        return siblings[0];
    }
    const pool = siblings.length > 1 ? siblings : buckets;
    const named = pool.filter((b) => sub.name.startsWith(b.name)).sort((a, b) => b.name.length - a.name.length);
    if (named.length > 0 && (named.length === 1 || named[0].name.length > named[1].name.length)) {
        return named[0];
    }
    return undefined;
}

/** Groups sub-resources of the given types by bucket. */
export function correlate(resources: StackResource[], subTypes: readonly string[]): Correlation {
    const buckets = resources.filter((r) => BUCKET_TYPES.includes(r.type));
    const byBucket = new Map<string, StackResource[]>();
    const unresolved: StackResource[] = [];
    for (const sub of resources.filter((r) => subTypes.includes(r.type))) {
        const bucket = bucketOf(sub, buckets);
        if (bucket === undefined) {
            unresolved.push(sub);
        } else if (bucket !== "external") {
            byBucket.set(bucket.urn, [...(byBucket.get(bucket.urn) ?? []), sub]);
        }
    }
    return { byBucket, unresolved };
}
