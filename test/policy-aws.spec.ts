// AWS data-store and network policies on good and bad fixtures, including the S3 stack correlation.

import * as assert from "assert/strict";
import { evaluatePolicies, PlannedResource, PolicyConfigFile } from "../policy/runner";
import { byPolicy, failingPolicies, mandatory, Obj, resource } from "./fixtures/policy/builders";

const run = (resources: PlannedResource[], config: PolicyConfigFile = {}) => evaluatePolicies(resources, { config });
const only = (resources: PlannedResource[], policy: string, config: PolicyConfigFile = {}) => byPolicy(run(resources, config), policy);

const BUCKET = "aws:s3/bucket:Bucket";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const VERSIONING = "aws:s3/bucketVersioning:BucketVersioning";

/** A bucket and its three configuration resources, referencing it the way the mocks resolve `bucket.id`. */
function hardenedBucket(name: string, ref: string = `${name}-id`, extra: Partial<PlannedResource> = {}): PlannedResource[] {
    return [
        resource(BUCKET, name, { forceDestroy: false }, extra),
        resource(SSE, `${name}-encryption`, { bucket: ref, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:us-east-1:1:key/k" }, bucketKeyEnabled: true }] }, extra),
        resource(PAB, `${name}-public-access`, { bucket: ref, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, extra),
        resource(VERSIONING, `${name}-versioning`, { bucket: ref, versioningConfiguration: { status: "Enabled" } }, extra),
    ];
}

const S3_POLICIES = ["s3-bucket-encryption", "s3-bucket-public-access-block", "s3-bucket-versioning"];
const s3Failures = (resources: PlannedResource[], config: PolicyConfigFile = {}) =>
    run(resources, { "s3-bucket-versioning": "mandatory", ...config }).violations.filter((v) => S3_POLICIES.includes(v.policy));

describe("policy: AWS data stores and network", () => {
    describe("S3 (stack policies correlating bucket sub-resources)", () => {
        it("a bucket with encryption, public access block and versioning passes (correlated by the bucket id)", () => {
            assert.deepEqual(s3Failures([...hardenedBucket("uploads"), ...hardenedBucket("plugins")]), []);
        });
        it("correlates by explicit bucket name, property dependencies, parent component and name prefix", () => {
            const named = hardenedBucket("a", "dify-a-bucket");
            named[0].props.bucket = "dify-a-bucket";
            const viaDeps = hardenedBucket("b", "[unknown]").map((r, i) => (i === 0 ? r : { ...r, propertyDependencies: { bucket: [named[0].urn.replace("::a", "::b")] } }));
            const parent = "urn:pulumi:test::dify-aws::dify-aws:index:DifyStorage::storage";
            const viaParent = hardenedBucket("c", "[unknown]", { parent }).map((r, i) => (i === 0 ? r : { ...r, name: `other-${i}`, urn: `${r.urn}-${i}` }));
            const viaPrefix = hardenedBucket("dumps", "[unknown]");
            assert.deepEqual(s3Failures([...named, ...viaDeps, ...viaParent, ...viaPrefix]), []);
        });
        it("a bare bucket fails all three, each message saying which resource to add", () => {
            const v = s3Failures([resource(BUCKET, "logs", {})]);
            assert.deepEqual(v.map((x) => x.policy).sort(), S3_POLICIES);
            assert.match(v.find((x) => x.policy === "s3-bucket-encryption")!.message, /bucket "logs" has no default encryption: add an aws\.s3\.BucketServerSideEncryptionConfiguration/);
            assert.match(v.find((x) => x.policy === "s3-bucket-public-access-block")!.message, /blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true/);
            assert.match(v.find((x) => x.policy === "s3-bucket-versioning")!.message, /versioningConfiguration: \{ status: "Enabled" \}/);
            assert.ok(v.every((x) => x.urn.endsWith("::logs")));
        });
        it("weak configuration is named precisely", () => {
            const r = hardenedBucket("b");
            r[1].props.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }];
            r[2].props.restrictPublicBuckets = false;
            r[3].props.versioningConfiguration = { status: "Suspended" };
            const v = s3Failures(r, { "s3-bucket-encryption": { requireKms: true } });
            assert.match(v.find((x) => x.policy === "s3-bucket-encryption")!.message, /"b-encryption" does not apply aws:kms by default/);
            assert.match(v.find((x) => x.policy === "s3-bucket-public-access-block")!.message, /"b-public-access" must set restrictPublicBuckets: true$/);
            assert.match(v.find((x) => x.policy === "s3-bucket-versioning")!.message, /has status "Suspended": set versioningConfiguration\.status: "Enabled"/);
            assert.deepEqual(s3Failures(r.slice(0, 2), { "s3-bucket-encryption": { requireKms: false } }).filter((x) => x.policy === "s3-bucket-encryption"), []);
        });
        it("accepts the deprecated inline arguments and an account-level public access block", () => {
            const inline = resource(BUCKET, "legacy", {
                serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } },
                versioning: { enabled: true },
            });
            const v2 = resource("aws:s3/bucketV2:BucketV2", "v2", {
                serverSideEncryptionConfigurations: [{ rules: [{ applyServerSideEncryptionByDefaults: [{ sseAlgorithm: "aws:kms" }] }] }],
                versionings: [{ enabled: true }],
            });
            const account = resource("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "account", { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
            assert.deepEqual(s3Failures([inline, v2, account]), []);
        });
        it("configuration of a bucket outside the stack is ignored; an unresolvable one makes the check advisory", () => {
            const named = hardenedBucket("a", "dify-a");
            named[0].props.bucket = "dify-a";
            const external = resource(PAB, "external-pab", { bucket: "someone-elses-bucket", blockPublicAcls: false });
            assert.deepEqual(s3Failures([...named, external]), []);

            const bare = resource(BUCKET, "x", {});
            const mystery = resource(SSE, "mystery", { bucket: "[unknown]", rules: [] });
            const other = resource(BUCKET, "y", {});
            const report = run([bare, other, mystery]);
            const enc = byPolicy(report, "s3-bucket-encryption");
            assert.ok(enc.every((v) => v.level === "advisory" && /which bucket "mystery" configures is not known yet/.test(v.message)), JSON.stringify(enc));
        });
    });

    describe("RDS / Aurora", () => {
        const cluster = (props: Obj) => resource("aws:rds/cluster:Cluster", "db", { engine: "aurora-postgresql", ...props });
        const good = { storageEncrypted: true, backupRetentionPeriod: 7, deletionProtection: true };
        it("an encrypted, backed-up, protected cluster passes", () => {
            assert.deepEqual(run([cluster(good)], { "rds-deletion-protection": "mandatory", "rds-backup-retention": "mandatory" }).violations, []);
        });
        it("flags each missing setting with the value to set", () => {
            const report = run([cluster({})], { "rds-deletion-protection": "mandatory", "rds-backup-retention": "mandatory" });
            assert.deepEqual(failingPolicies(report), ["rds-backup-retention", "rds-deletion-protection", "rds-storage-encrypted"]);
            assert.match(byPolicy(report, "rds-storage-encrypted")[0].message, /RDS cluster "db": storageEncrypted is unset; set storageEncrypted: true/);
            assert.match(byPolicy(report, "rds-backup-retention")[0].message, /backupRetentionPeriod is unset .*; set backupRetentionPeriod: 7 or more/);
            assert.match(byPolicy(report, "rds-deletion-protection")[0].message, /set deletionProtection: true/);
        });
        it("backup retention minimum is configurable; deletion protection is advisory unless the env config raises it", () => {
            assert.equal(only([cluster({ ...good, backupRetentionPeriod: 7 })], "rds-backup-retention", { "rds-backup-retention": { minimumRetentionDays: 14 } }).length, 1);
            assert.equal(only([cluster({ ...good, deletionProtection: false })], "rds-deletion-protection")[0].level, "advisory");
        });
        it("a single-AZ DB instance is flagged (advisory; mandatory in prod's pack config); Multi-AZ, read replicas and Aurora clusters pass", () => {
            const inst = (props: Obj) => resource("aws:rds/instance:Instance", "pg", { ...good, ...props });
            const single = only([inst({})], "rds-instance-multi-az");
            assert.equal(single.length, 1);
            assert.equal(single[0].level, "advisory");
            assert.match(single[0].message, /RDS instance "pg": multiAz is unset; set multiAz: true/);
            assert.equal(only([inst({ multiAz: false })], "rds-instance-multi-az", { "rds-instance-multi-az": "mandatory" })[0].level, "mandatory");
            assert.deepEqual(only([inst({ multiAz: true })], "rds-instance-multi-az"), []);
            assert.deepEqual(only([inst({ replicateSourceDb: "pg-primary" })], "rds-instance-multi-az"), []);
            assert.deepEqual(only([cluster(good)], "rds-instance-multi-az"), [], "Aurora fails over to a reader");
        });
        it("instances: public access is mandatory-blocked; read replicas inherit encryption and skip backups", () => {
            const inst = resource("aws:rds/instance:Instance", "pg", { ...good, publiclyAccessible: true });
            assert.match(only([inst], "rds-not-publicly-accessible")[0].message, /RDS instance "pg": set publiclyAccessible: false/);
            const ci = resource("aws:rds/clusterInstance:ClusterInstance", "db-1", { publiclyAccessible: true });
            assert.equal(only([ci], "rds-not-publicly-accessible").length, 1);
            const replica = resource("aws:rds/instance:Instance", "replica", { replicateSourceDb: "pg", deletionProtection: true });
            assert.deepEqual(mandatory(run([replica])), []);
        });
        it("Aurora Serverless v1 is always encrypted; unknown values are advisory", () => {
            assert.deepEqual(only([cluster({ ...good, storageEncrypted: undefined, engineMode: "serverless" })], "rds-storage-encrypted"), []);
            const [v] = only([cluster({ ...good, storageEncrypted: "[unknown]" })], "rds-storage-encrypted");
            assert.equal(v.level, "advisory");
        });
    });

    describe("ElastiCache", () => {
        const rg = (props: Obj) => resource("aws:elasticache/replicationGroup:ReplicationGroup", "redis", { engine: "valkey", authToken: "[secret]", ...props });
        it("passes with both encryptions (transit required)", () => {
            assert.deepEqual(run([rg({ atRestEncryptionEnabled: true, transitEncryptionEnabled: true, transitEncryptionMode: "required" })]).violations, []);
        });
        it("fails without them, and with transitEncryptionMode preferred", () => {
            const msgs = only([rg({ transitEncryptionMode: "preferred" })], "elasticache-encryption").map((v) => v.message);
            assert.equal(msgs.length, 3);
            assert.ok(msgs.some((m) => /atRestEncryptionEnabled is unset; set atRestEncryptionEnabled: true/.test(m)));
            assert.ok(msgs.some((m) => /transitEncryptionEnabled is unset; set transitEncryptionEnabled: true/.test(m)));
            assert.ok(msgs.some((m) => /transitEncryptionMode is "preferred", which still accepts plaintext/.test(m)));
        });
    });

    describe("EKS", () => {
        const awsCluster = (vpcConfig: Obj, extra: Obj = {}) => resource("aws:eks/cluster:Cluster", "eks", { roleArn: "arn", vpcConfig: { subnetIds: ["s"], ...vpcConfig }, ...extra });
        const component = (props: Obj) => resource("eks:index:Cluster", "cluster", props);
        const key = { encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:k" } } };
        it("aws.eks.Cluster: defaults are a public endpoint open to 0.0.0.0/0 and no secrets encryption", () => {
            const report = run([awsCluster({})]);
            assert.deepEqual(failingPolicies(report), ["eks-public-endpoint-restricted", "eks-secrets-encryption"]);
            assert.match(byPolicy(report, "eks-public-endpoint-restricted")[0].message, /open to 0\.0\.0\.0\/0 \(the default\): set endpointPublicAccess: false/);
            assert.match(byPolicy(report, "eks-secrets-encryption")[0].message, /encryptionConfig: \{ resources: \["secrets"\], provider: \{ keyArn/);
        });
        it("aws.eks.Cluster: private endpoint, or public limited to specific CIDRs, with KMS, passes", () => {
            assert.deepEqual(run([awsCluster({ endpointPublicAccess: false, endpointPrivateAccess: true }, key)]).violations, []);
            assert.deepEqual(run([awsCluster({ publicAccessCidrs: ["203.0.113.0/24"] }, key)]).violations, []);
            assert.equal(only([awsCluster({ publicAccessCidrs: ["203.0.113.0/24", "::/0"] }, key)], "eks-public-endpoint-restricted").length, 1);
        });
        it("eks.Cluster (the @pulumi/eks v4 component, opaque under mocks): checks its inputs", () => {
            assert.deepEqual(failingPolicies(run([component({})])), ["eks-public-endpoint-restricted", "eks-secrets-encryption"]);
            assert.deepEqual(run([component({ endpointPublicAccess: false, endpointPrivateAccess: true, encryptionConfigKeyArn: "[unknown]" })]).violations, []);
            assert.deepEqual(run([component({ publicAccessCidrs: ["198.51.100.7/32"], encryptionConfigKeyArn: "arn:aws:kms:k" })]).violations, []);
            assert.match(only([component({ publicAccessCidrs: ["0.0.0.0/0"], encryptionConfigKeyArn: "arn" })], "eks-public-endpoint-restricted")[0].message, /eks\.Cluster "cluster": the public API endpoint is open to 0\.0\.0\.0\/0/);
        });
    });

    describe("security groups", () => {
        const sg = (ingress: Obj[]) => resource("aws:ec2/securityGroup:SecurityGroup", "db-sg", { vpcId: "vpc", ingress });
        const cases: [string, PlannedResource, boolean][] = [
            ["inline 5432 from 0.0.0.0/0", sg([{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] }]), true],
            ["inline 6379 from ::/0", sg([{ protocol: "tcp", fromPort: 6379, toPort: 6379, ipv6CidrBlocks: ["::/0"] }]), true],
            ["inline all traffic from 0.0.0.0/0", sg([{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]), true],
            ["inline 0-65535 tcp from 0.0.0.0/0", sg([{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }]), true],
            ["inline 5432 from the VPC", sg([{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }]), false],
            ["inline 443 from 0.0.0.0/0", sg([{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]), false],
            ["inline 5432 udp from 0.0.0.0/0", sg([{ protocol: "udp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] }]), false],
            ["rule ingress 3306 from 0.0.0.0/0", resource("aws:ec2/securityGroupRule:SecurityGroupRule", "r", { type: "ingress", protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg" }), true],
            ["rule egress to 0.0.0.0/0", resource("aws:ec2/securityGroupRule:SecurityGroupRule", "e", { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg" }), false],
            ["vpc ingress rule 27017 from 0.0.0.0/0", resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "m", { ipProtocol: "tcp", fromPort: 27017, toPort: 27017, cidrIpv4: "0.0.0.0/0", securityGroupId: "sg" }), true],
            ["vpc ingress rule -1 from ::/0", resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "a", { ipProtocol: "-1", cidrIpv6: "::/0", securityGroupId: "sg" }), true],
            ["vpc ingress rule 9200 from a security group", resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "o", { ipProtocol: "tcp", fromPort: 9200, toPort: 9200, referencedSecurityGroupId: "sg-app", securityGroupId: "sg" }), false],
        ];
        for (const [what, r, fails] of cases) {
            it(`${what}: ${fails ? "fails" : "passes"}`, () => {
                const v = only([r], "security-group-no-public-database-ports");
                assert.equal(v.length > 0, fails, JSON.stringify(v));
                if (fails) assert.match(v[0].message, /exposing database port\(s\) .*: allow only the application's security group/);
            });
        }
        it("the database port list is configurable", () => {
            const r = sg([{ protocol: "tcp", fromPort: 8123, toPort: 8123, cidrBlocks: ["0.0.0.0/0"] }]);
            assert.equal(only([r], "security-group-no-public-database-ports").length, 0);
            assert.equal(only([r], "security-group-no-public-database-ports", { "security-group-no-public-database-ports": { databasePorts: [8123] } }).length, 1);
        });
    });
});
