// AWS managed data stores: RDS/Aurora and ElastiCache must be encrypted, private, backed up and (in
// prod) protected from deletion.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Finding, resourcePolicy, typeIn } from "../lib/framework";
import { at, isPresent, Rec, show, UNKNOWN } from "../lib/values";

const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";

function label(type: string, name: string): string {
    return `${type === RDS_CLUSTER ? "RDS cluster" : type === REPLICATION_GROUP ? "ElastiCache replication group" : "RDS instance"} "${name}"`;
}

/** Requires `key` to be exactly `expected`; `fix` says what to set. */
function requireValue(props: Rec, key: string, expected: unknown, what: string, fix: string): Finding[] {
    const v = at(props, key);
    if (v === UNKNOWN) {
        return [{ message: `${what}: ${key} is not known yet`, unknown: true }];
    }
    return v === expected ? [] : [{ message: `${what}: ${key} is ${v === undefined ? "unset" : show(v)}; ${fix}` }];
}

function isReadReplica(props: Rec): boolean {
    return isPresent(at(props, "replicateSourceDb"));
}

export function checkRdsEncrypted(type: string, name: string, props: Rec): Finding[] {
    if (type === RDS_CLUSTER && at(props, "engineMode") === "serverless") {
        return []; // Aurora Serverless v1 is always encrypted
    }
    if (type === RDS_INSTANCE && isReadReplica(props)) {
        return []; // a same-region replica inherits the source's encryption
    }
    return requireValue(props, "storageEncrypted", true, label(type, name), "set storageEncrypted: true (and kmsKeyId to a customer-managed KMS key); an existing database must be restored from an encrypted snapshot");
}

export function checkRdsPrivate(type: string, name: string, props: Rec): Finding[] {
    const v = at(props, "publiclyAccessible");
    if (v === UNKNOWN) {
        return [{ message: `${label(type, name)}: publiclyAccessible is not known yet`, unknown: true }];
    }
    return v === true ? [{ message: `${label(type, name)}: set publiclyAccessible: false and reach it from inside the VPC (its security group open only to the application)` }] : [];
}

export function checkRdsBackupRetention(type: string, name: string, props: Rec, minimumDays: number): Finding[] {
    if (type === RDS_INSTANCE && isReadReplica(props)) {
        return [];
    }
    const v = at(props, "backupRetentionPeriod");
    if (v === UNKNOWN) {
        return [{ message: `${label(type, name)}: backupRetentionPeriod is not known yet`, unknown: true }];
    }
    if (typeof v === "number" && v >= minimumDays) {
        return [];
    }
    const current = v === undefined ? "unset (AWS default: 1 day, or none for some engines)" : show(v);
    return [{ message: `${label(type, name)}: backupRetentionPeriod is ${current}; set backupRetentionPeriod: ${minimumDays} or more (days)` }];
}

export function checkRdsDeletionProtection(type: string, name: string, props: Rec): Finding[] {
    return requireValue(props, "deletionProtection", true, label(type, name),
        "set deletionProtection: true (plus the protect resource option and a final snapshot: skipFinalSnapshot: false, finalSnapshotIdentifier)");
}

/** A DB instance survives an AZ loss only with a synchronous standby in another AZ (read replicas are not promoted automatically). */
export function checkRdsInstanceMultiAz(name: string, props: Rec): Finding[] {
    if (isReadReplica(props)) {
        return [];
    }
    return requireValue(props, "multiAz", true, label(RDS_INSTANCE, name),
        "set multiAz: true (a synchronous standby in another AZ that RDS fails over to), or run an Aurora cluster with a reader in another AZ");
}

export function checkElastiCacheEncryption(name: string, props: Rec): Finding[] {
    const what = label(REPLICATION_GROUP, name);
    const out = [
        ...requireValue(props, "atRestEncryptionEnabled", true, what, "set atRestEncryptionEnabled: true (with kmsKeyId for a customer-managed key); it can only be set at creation"),
        ...requireValue(props, "transitEncryptionEnabled", true, what, "set transitEncryptionEnabled: true and connect with TLS (rediss://)"),
    ];
    const mode = at(props, "transitEncryptionMode");
    if (mode === UNKNOWN) {
        out.push({ message: `${what}: transitEncryptionMode is not known yet`, unknown: true });
    } else if (mode !== undefined && mode !== "required") {
        out.push({ message: `${what}: transitEncryptionMode is ${show(mode)}, which still accepts plaintext clients; set transitEncryptionMode: "required"` });
    }
    return out;
}

const minimumDaysOf = (config: Rec): number => (typeof config.minimumRetentionDays === "number" ? config.minimumRetentionDays : 7);

export const dataStorePolicies: ResourceValidationPolicy[] = [
    resourcePolicy({
        name: "rds-storage-encrypted",
        description: "RDS/Aurora storage must be encrypted at rest: set storageEncrypted: true (with a KMS key) on aws.rds.Cluster and aws.rds.Instance.",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps: "Set storageEncrypted: true and kmsKeyId: <KMS key ARN>. Encryption can only be chosen at creation; migrate existing data through an encrypted snapshot.",
        appliesTo: typeIn([RDS_CLUSTER, RDS_INSTANCE]),
        appliesToLabel: `${RDS_CLUSTER} and ${RDS_INSTANCE}`,
        check: (r) => checkRdsEncrypted(r.type, r.name, r.props),
    }),
    resourcePolicy({
        name: "rds-not-publicly-accessible",
        description: "RDS/Aurora databases must not be publicly accessible: set publiclyAccessible: false (or leave it unset).",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps: "Remove publiclyAccessible: true; put the database in private subnets and open its security group only to the application's security group.",
        appliesTo: typeIn([RDS_INSTANCE, RDS_CLUSTER_INSTANCE]),
        appliesToLabel: `${RDS_INSTANCE} and ${RDS_CLUSTER_INSTANCE}`,
        check: (r) => checkRdsPrivate(r.type, r.name, r.props),
    }),
    resourcePolicy({
        name: "rds-backup-retention",
        description: "RDS/Aurora automated backups must be kept at least 7 days (configurable): set backupRetentionPeriod: 7 or more.",
        enforcementLevel: "advisory",
        severity: "high",
        remediationSteps: "Set backupRetentionPeriod to at least the configured minimum (default 7 days) on aws.rds.Cluster and aws.rds.Instance.",
        configSchema: {
            properties: {
                minimumRetentionDays: { type: "integer", minimum: 1, maximum: 35, default: 7, description: "Minimum backupRetentionPeriod in days." },
            },
        },
        appliesTo: typeIn([RDS_CLUSTER, RDS_INSTANCE]),
        appliesToLabel: `${RDS_CLUSTER} and ${RDS_INSTANCE}`,
        check: (r) => checkRdsBackupRetention(r.type, r.name, r.props, minimumDaysOf(r.config)),
    }),
    resourcePolicy({
        name: "rds-deletion-protection",
        description: "RDS/Aurora databases must have deletion protection in production: set deletionProtection: true.",
        enforcementLevel: "advisory",
        severity: "high",
        remediationSteps: "Set deletionProtection: true, skipFinalSnapshot: false with a finalSnapshotIdentifier, and the protect resource option.",
        appliesTo: typeIn([RDS_CLUSTER, RDS_INSTANCE]),
        appliesToLabel: `${RDS_CLUSTER} and ${RDS_INSTANCE}`,
        check: (r) => checkRdsDeletionProtection(r.type, r.name, r.props),
    }),
    resourcePolicy({
        name: "rds-instance-multi-az",
        description: "RDS DB instances must be Multi-AZ in production: set multiAz: true (Aurora clusters fail over to a reader instead).",
        enforcementLevel: "advisory",
        severity: "high",
        remediationSteps: "Set multiAz: true on aws.rds.Instance (the standby doubles the instance and storage price), or move the database to an Aurora cluster with a reader in another AZ.",
        appliesTo: typeIn([RDS_INSTANCE]),
        appliesToLabel: RDS_INSTANCE,
        check: (r) => checkRdsInstanceMultiAz(r.name, r.props),
    }),
    resourcePolicy({
        name: "elasticache-encryption",
        description: "ElastiCache replication groups must encrypt data in transit and at rest: set transitEncryptionEnabled: true and atRestEncryptionEnabled: true.",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps: "Set atRestEncryptionEnabled: true, transitEncryptionEnabled: true (transitEncryptionMode \"required\") and an authToken or RBAC user group; clients use rediss://.",
        appliesTo: typeIn([REPLICATION_GROUP]),
        appliesToLabel: REPLICATION_GROUP,
        check: (r) => checkElastiCacheEncryption(r.name, r.props),
    }),
];
