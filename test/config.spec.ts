import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, CONFIG_KEYS, parseStackConfig, Profile } from "../program/config";
import { renderProjectFile, renderReadme } from "../scripts/config-docs";
import { loadStackConfig, PROJECT_ROOT } from "../program/plan/stack";
import { evaluatePolicies, loadPolicyConfig } from "../policy/runner";

/** The problem lines for `stack` with `overrides`, or [] when valid. */
function problems(stack: string, overrides: Record<string, unknown>): string[] {
  try {
    parseStackConfig(loadStackConfig(stack, overrides));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

/** Exactly one problem, naming `key`, and matching `re`. */
function refused(stack: string, overrides: Record<string, unknown>, key: string, re: RegExp): void {
  const p = problems(stack, overrides);
  assert.equal(p.length, 1, `expected one problem, got:\n${p.join("\n")}`);
  assert.ok(p[0].startsWith(`${key}:`), `problem should name ${key}: ${p[0]}`);
  assert.match(p[0], re);
  assert.ok(!p[0].includes("\n"), "one line per problem");
}

describe("stack config: dify:natGateways and node capacity types", () => {
  it("defaults: dev none and spot everywhere, prod per-az and on-demand app and system", () => {
    const dev = parseStackConfig(loadStackConfig("dev"));
    const prod = parseStackConfig(loadStackConfig("prod"));
    assert.equal(dev.cluster.natGateways, "none");
    assert.equal(prod.cluster.natGateways, "per-az");
    assert.deepEqual([dev.cluster.system, dev.cluster.app, dev.cluster.workers].map((g) => g.capacityType), ["SPOT", "SPOT", "SPOT"]);
    assert.deepEqual([prod.cluster.system, prod.cluster.app, prod.cluster.workers].map((g) => g.capacityType), ["ON_DEMAND", "ON_DEMAND", "SPOT"]);
  });

  it("refuses anything but per-az in prod, and a NAT mode where no NAT gateway is created", () => {
    refused("prod", { "dify:natGateways": "one" }, "dify:natGateways", /got "one", allowed per-az in prod \(prod keeps a NAT gateway per AZ: zone-loss tolerance and nodes without public addresses/);
    refused("dev", { "dify:natGateways": "none", "dify:closedNetwork": true, "dify:imageRegistry": "123456789012.dkr.ecr.us-east-1.amazonaws.com", "dify:egressAllowedDomains": ["api.openai.com"] },
      "dify:natGateways", /with dify:closedNetwork; allowed unset \(a closed network has no NAT gateway/);
    refused("dev", { "dify:natGateways": "one", "dify:existingVpcId": "vpc-0123456789abcdef0", "dify:existingPrivateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], "dify:existingPublicSubnetIds": ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"] },
      "dify:natGateways", /with dify:existingVpcId; allowed unset/);
    refused("dev", { "dify:vpcCidr": "10.40.0.0/20" }, "dify:natGateways", /got "none" \(the dev preset's value\) with dify:vpcCidr 10\.40\.0\.0\/20; allowed per-az or one, or a \/16 to \/18 VPC/);
    refused("dev", { "dify:appNodeCapacityType": "spot" }, "dify:appNodeCapacityType", /got "spot", allowed one of ON_DEMAND, SPOT/);
    refused("dev", { "dify:appNodeInstanceTypes": ["t4g.large", "m7g.xlarge"] }, "dify:appNodeInstanceTypes",
      /got t4g\.large \(2 vCPU\/8 GiB\), m7g\.xlarge \(4 vCPU\/16 GiB\), allowed types of one vCPU and memory size/);
  });

  it("the dev default does not apply where no NAT gateway is created (closed network, existing VPC)", () => {
    const closed = parseStackConfig(loadStackConfig("dev", { "dify:closedNetwork": true, "dify:imageRegistry": "123456789012.dkr.ecr.us-east-1.amazonaws.com", "dify:egressAllowedDomains": ["api.openai.com"] }));
    assert.equal(closed.cluster.natGateways, undefined);
    assert.deepEqual(problems("dev", { "dify:natGateways": "one" }), [], "dev may keep one NAT gateway");
  });
});

describe("stack config", () => {
  it("dev and prod stack files are valid and pick their presets", () => {
    const dev = parseStackConfig(loadStackConfig("dev"));
    const prod = parseStackConfig(loadStackConfig("prod"));
    assert.equal(dev.profile, Profile.Dev);
    assert.equal(prod.profile, Profile.Prod);
    assert.equal(dev.cluster.azCount, 2);
    assert.equal(prod.cluster.azCount, 3);
    assert.equal(prod.database.readerCount, 1);
    assert.equal(dev.database.readerCount, 0);
    assert.equal(prod.database.backupRetentionDays, 30);
    assert.equal(dev.database.backupRetentionDays, 7);
    assert.equal(prod.deletionProtection, true);
    assert.equal(dev.deletionProtection, false);
    assert.equal(dev.services.api.replicas, 1, "dev runs one api replica");
    assert.deepEqual(prod.services, {}, "prod uses DifyApp's HA defaults");
  });

  it("dify:dbEngine: dev runs one RDS DB instance (db.t4g.small), prod Aurora; every combination that cannot work is refused naming the key", () => {
    const dev = parseStackConfig(loadStackConfig("dev"));
    const prod = parseStackConfig(loadStackConfig("prod"));
    assert.deepEqual([dev.database.engine, dev.database.instanceClass, dev.database.serverless, dev.database.allocatedStorageGb], ["rds-instance", "db.t4g.small", undefined, 20]);
    assert.deepEqual([prod.database.engine, prod.database.instanceClass, prod.database.serverless], ["aurora", "db.serverless", { minCapacity: 0.5, maxCapacity: 8 }]);
    // Dev may go back to Aurora: the class defaults to Serverless v2 with dev's range.
    const aurora = parseStackConfig(loadStackConfig("dev", { "dify:dbEngine": "aurora" }));
    assert.deepEqual([aurora.database.instanceClass, aurora.database.serverless, aurora.database.allocatedStorageGb], ["db.serverless", { minCapacity: 0.5, maxCapacity: 4 }, undefined]);
    assert.equal(parseStackConfig(loadStackConfig("dev", { "dify:dbInstanceClass": "db.t4g.medium", "dify:dbAllocatedStorage": 50 })).database.allocatedStorageGb, 50);
    // Refused in prod whatever else is set (its reader count is refused too: both lines name their key).
    assert.ok(problems("prod", { "dify:dbEngine": "rds-instance" }).some((l) => /^dify:dbEngine: got "rds-instance", allowed "aurora" in prod .*survives the loss of an AZ/.test(l)));
    refused("dev", { "dify:dbInstanceClass": "db.serverless" }, "dify:dbInstanceClass", /db\.serverless" with dify:dbEngine rds-instance \(the dev preset's value\), allowed an RDS for PostgreSQL instance class/);
    refused("dev", { "dify:dbCapacityRange": "0.5-2" }, "dify:dbCapacityRange", /allowed only with dify:dbEngine aurora/);
    refused("dev", { "dify:dbReaderCount": 1 }, "dify:dbReaderCount", /allowed 0/);
    refused("dev", { "dify:dbAllocatedStorage": 10 }, "dify:dbAllocatedStorage", /from 20 to 65536/);
    refused("dev", { "dify:dbEngine": "aurora", "dify:dbAllocatedStorage": 50 }, "dify:dbAllocatedStorage", /Aurora storage grows by itself/);
    refused("dev", { "dify:dbEngine": "aurora", "dify:dbInstanceClass": "db.t4g.small" }, "dify:dbInstanceClass", /micro and small classes need dify:dbEngine rds-instance/);
    refused("dev", { "dify:dbEngine": "mysql" }, "dify:dbEngine", /allowed one of aurora, rds-instance/);
  });

  it("a stack file overrides a preset key by key", () => {
    const c = parseStackConfig(loadStackConfig("dev", { "dify:azCount": 3, "dify:services": { api: { replicas: 2 } } }));
    assert.equal(c.cluster.azCount, 3);
    assert.equal(c.services.api.replicas, 2);
    assert.equal(c.services.api.maxReplicas, 2, "the rest of the dev preset for api stays");
    assert.equal(c.cluster.workers.maxSize, 3, "other keys keep the dev preset");
  });

  it("accepts CLI-style string values (pulumi config set stores strings)", () => {
    const c = parseStackConfig(loadStackConfig("prod", { "dify:dbReaderCount": "2", "dify:internalLoadBalancer": "true", "dify:adminRoleArns": "[]" }));
    assert.equal(c.database.readerCount, 2);
    assert.equal(c.internalLoadBalancer, true);
  });

  it("config and policy pack agree: a value the config accepts passes the stack's pack config; below its threshold the config refuses it with the pack's reason", () => {
    // Issue: dify:dbBackupRetentionDays=3 was accepted, then the plan failed on rds-backup-retention.
    for (const stack of ["dev", "prod"] as const) {
      for (let days = 1; days <= 35; days++) {
        const accepted = problems(stack, { "dify:dbBackupRetentionDays": days }).length === 0;
        const report = evaluatePolicies([{ urn: `urn:pulumi:${stack}::dify::aws:rds/cluster:Cluster::pg`, type: "aws:rds/cluster:Cluster", name: "pg",
          props: { storageEncrypted: true, kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/k", backupRetentionPeriod: days, deletionProtection: true } }],
        { config: loadPolicyConfig(stack) });
        const packPasses = !report.violations.some((v) => v.level === "mandatory");
        assert.equal(accepted, packPasses, `${stack} dbBackupRetentionDays=${days}: config ${accepted ? "accepts" : "refuses"}, pack ${packPasses ? "passes" : "fails"}`);
      }
      refused(stack, { "dify:dbBackupRetentionDays": 3 }, "dify:dbBackupRetentionDays", /got 3, allowed 7 to 35 in (dev|prod): the dify-aws-policy policy rds-backup-retention \(mandatory, minimumRetentionDays 7 in policy\/config\/(dev|prod)\.json\)/);
    }
    // Removing the PDB of a replicated prod service fails k8s-pdb-for-replicated-deployments (mandatory in prod).
    refused("prod", { "dify:services": { api: { pdbMinAvailable: 0 } } }, "dify:services.api.pdbMinAvailable", /allowed 1 to 2 while the service runs 3 or more replicas: the dify-aws-policy policy k8s-pdb-for-replicated-deployments \(mandatory, minReplicas 2/);
    assert.deepEqual(problems("dev", { "dify:services": { api: { replicas: 2, pdbMinAvailable: 0 } } }), [], "advisory in dev: the plan does not fail");
    assert.deepEqual(problems("prod", { "dify:services": { "worker-beat": { pdbMinAvailable: 0 } } }), [], "a singleton never has a PDB");
  });

  it("refuses a wrong type", () => {
    refused("prod", { "dify:azCount": "three" }, "dify:azCount", /got "three", allowed an integer/);
    refused("prod", { "dify:internalLoadBalancer": "yes" }, "dify:internalLoadBalancer", /allowed a boolean/);
  });

  it("refuses an out-of-range number", () => {
    refused("prod", { "dify:azCount": 5 }, "dify:azCount", /got 5, allowed an integer from 2 to 3/);
    refused("prod", { "dify:dbBackupRetentionDays": 0 }, "dify:dbBackupRetentionDays", /from 1 to 35/);
  });

  it("refuses an unknown key and suggests the intended one", () => {
    refused("prod", { "dify:dbReaderCont": 2 }, "dify:dbReaderCont", /unknown key; did you mean dify:dbReaderCount\?/);
  });

  it("refuses a missing required key in prod but not in dev", () => {
    // A certificate, or the hosted zone the program issues one from (components/edge).
    refused("prod", { "dify:hostedZoneId": undefined, "dify:hostedZoneName": undefined }, "dify:certificateArn", /required in prod unless dify:hostedZoneId/);
    assert.deepEqual(problems("prod", { "dify:hostedZoneId": undefined, "dify:hostedZoneName": undefined, "dify:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000" }), []);
    assert.deepEqual(problems("dev", { "dify:certificateArn": undefined }), []);
    refused("dev", { "dify:profile": undefined }, "dify:profile", /required, allowed one of dev, prod/);
  });

  it("refuses values that do not parse (hostname, CIDR, ARN, cron)", () => {
    refused("prod", { "dify:domain": "https://dify.example.com/" }, "dify:domain", /DNS host name/);
    refused("prod", { "dify:apiPublicAccessCidrs": ["10.0.0.1/16"] }, "dify:apiPublicAccessCidrs", /no host bits/);
    refused("prod", { "dify:certificateArn": "arn:aws:iam::123:role/x" }, "dify:certificateArn", /ACM certificate ARN/);
    refused("prod", { "dify:backupSchedule": "61 3 * * *" }, "dify:backupSchedule", /5-field cron/);
    refused("prod", { "dify:dbInstanceClass": "r7g.large" }, "dify:dbInstanceClass", /must start with db\./);
  });

  it("refuses inconsistent values", () => {
    refused("prod", { "dify:services": { api: { minReplicas: 5, maxReplicas: 2 } } }, "dify:services.api.minReplicas", /got 5, allowed at most maxReplicas 2/);
    refused("prod", { "dify:services": { web: { replicas: 2, pdbMinAvailable: 2 } } }, "dify:services.web.pdbMinAvailable", /allowed 0 to 1/);
    refused("prod", { "dify:workerNodeMinSize": 5, "dify:workerNodeMaxSize": 4 }, "dify:workerNodeMinSize", /allowed min <= max/);
    refused("prod", { "dify:services": { "worker-beat": { replicas: 2 } } }, "dify:services.worker-beat.replicas", /singleton/);
    refused("prod", { "dify:apiPublicAccessCidrs": ["0.0.0.0/0"] }, "dify:apiPublicAccessCidrs", /must not be open to the whole internet/);
    refused("dev", { "dify:apiPublicAccessCidrs": ["0.0.0.0/0"] }, "dify:apiPublicAccessCidrs", /in dev either/);
    refused("prod", { "dify:pluginDbName": "dify" }, "dify:pluginDbName", /same as dify:dbName/);
    refused("prod", { "dify:dbName": "Dify-Restored" }, "dify:dbName", /PostgreSQL identifier/);
    refused("prod", { "dify:backupCopyRegion": "us-east-1" }, "dify:backupCopyRegion", /different region/);
    const vpc = problems("prod", { "dify:existingVpcId": "vpc-0123456789abcdef0" });
    assert.deepEqual(vpc.map((p) => p.split(":").slice(0, 2).join(":")), ["dify:existingPrivateSubnetIds", "dify:existingPublicSubnetIds"]);
    assert.match(vpc[0], /one per AZ \(3\)/);
  });

  it("refuses to quietly drop prod's zone-loss tolerance, which dev allows", () => {
    refused("prod", { "dify:dbReaderCount": 0 }, "dify:dbReaderCount", /1 or more in prod/);
    refused("prod", { "dify:redisReplicaCount": 0 }, "dify:redisReplicaCount", /1 or more in prod/);
    refused("prod", { "dify:services": { api: { replicas: 1 } } }, "dify:services.api.replicas", /2 or more in prod/);
    refused("prod", { "dify:services": { worker: { minReplicas: 1 } } }, "dify:services.worker.minReplicas", /2 or more in prod/);
    // Optional services too: the websocket api, once enabled, serves users like the api.
    refused("prod", { "dify:services": { "api-websocket": { replicas: 1 } } }, "dify:services.api-websocket.replicas", /2 or more in prod/);
    assert.deepEqual(problems("dev", { "dify:dbReaderCount": 0, "dify:services": { api: { replicas: 1 } } }), []);
  });

  it("mail: needs its sender, secret and (for SMTP) server together, and nothing without a type", () => {
    refused("prod", { "dify:mailType": "resend", "dify:mailFrom": "no-reply@example.com" }, "dify:mailSecret", /required with dify:mailType/);
    refused("prod", { "dify:mailType": "smtp", "dify:mailFrom": "a@example.com", "dify:mailSecret": "x" }, "dify:smtpServer", /required with dify:mailType smtp/);
    refused("prod", { "dify:smtpServer": "smtp.example.com" }, "dify:smtpServer", /only together with dify:mailType/);
    refused("prod", { "dify:mailType": "pigeon" }, "dify:mailType", /one of smtp, resend, sendgrid/);
    const c = parseStackConfig(loadStackConfig("prod", { "dify:mailType": "smtp", "dify:mailFrom": "Dify <a@example.com>", "dify:smtpServer": "email-smtp.us-east-1.amazonaws.com", "dify:mailSecret": "pw" }));
    assert.equal(c.mail?.smtpTls, "starttls");
  });

  it("refuses unknown services and fields inside dify:services", () => {
    refused("prod", { "dify:services": { apix: { replicas: 2 } } }, "dify:services.apix", /allowed a service of api, worker/);
    refused("prod", { "dify:services": { api: { cpu: "1" } } }, "dify:services.api.cpu", /got "1", allowed only the settings replicas, minReplicas/);
    refused("prod", { "dify:services": { api: { memoryLimit: "2GB" } } }, "dify:services.api.memoryLimit", /memory quantity/);
    refused("prod", { "dify:services": { api: { cpuLimit: "1Gi" } } }, "dify:services.api.cpuLimit", /got "1Gi", allowed a CPU quantity/);
  });

  it("checks dify:services with DifyApp's own rules, and says when the conflicting value came from the preset", () => {
    // dev's preset caps api at maxReplicas 2: 5 replicas conflict with a value the user never wrote.
    refused("dev", { "dify:services": { api: { replicas: 5 } } }, "dify:services.api.replicas",
      /got 5, allowed from minReplicas 1 \(the dev preset's value; set minReplicas too\) to maxReplicas 2 \(the dev preset's value; set maxReplicas too\)/);
    // A request above the catalog's limit names the default it conflicts with.
    refused("prod", { "dify:services": { api: { cpuRequest: "64" } } }, "dify:services.api.cpuRequest", /got "64", allowed at most cpuLimit "[^"]+" \(DifyApp's default for this service; set cpuLimit too\)/);
    // The user's own limit below the dev preset's request: the user's key is named, the preset's value cited.
    refused("dev", { "dify:services": { api: { cpuLimit: "100m" } } }, "dify:services.api.cpuLimit", /got "100m", allowed at least cpuRequest "250m" \(the dev preset's value; set cpuRequest too\)/);
  });

  it("refuses bad observability settings (retention CloudWatch rejects, unknown or out-of-range thresholds, bad e-mail, alarms without observability)", () => {
    refused("prod", { "dify:logRetentionDays": 10 }, "dify:logRetentionDays", /got 10, allowed one of 1, 3, 5, 7, 14, 30/);
    refused("prod", { "dify:alarmThresholds": { alb5xx: 2 } }, "dify:alarmThresholds", /unknown threshold "alb5xx", allowed alb5xxPercent/);
    refused("prod", { "dify:alarmThresholds": { dbCpuPercent: 0 } }, "dify:alarmThresholds.dbCpuPercent", /got 0, allowed a number from 1 to 100 \(%\)/);
    refused("prod", { "dify:alarmEmails": ["oncall"] }, "dify:alarmEmails", /e-mail/);
    refused("prod", { "dify:observability": false, "dify:alarms": true }, "dify:alarms", /only with observability on/);
    const dev = parseStackConfig(loadStackConfig("dev"));
    const prod = parseStackConfig(loadStackConfig("prod"));
    assert.deepEqual([dev.observability.alarms, prod.observability.alarms], [false, true]);
    // Observability off in prod: the preset's alarms go with it (only alarms the stack set are refused).
    const quiet = parseStackConfig(loadStackConfig("prod", { "dify:observability": false }));
    assert.deepEqual([quiet.observability.enabled, quiet.observability.alarms], [false, false]);
    assert.deepEqual([dev.observability.logRetentionDays, prod.observability.logRetentionDays], [7, 90]);
  });

  it("says when a conflicting value came from the preset rather than the stack file", () => {
    refused("prod", { "dify:appNodeMinSize": 5 }, "dify:appNodeDesiredSize", /got 3 \(the prod preset's value; set it too\), allowed a value from dify:appNodeMinSize \(5\)/);
  });

  it("reports every problem at once", () => {
    assert.equal(problems("prod", { "dify:azCount": 9, "dify:foo": 1, "dify:redisReplicaCount": -1 }).length, 3);
  });

  it("Pulumi.yaml and the README config table are generated from the key table", () => {
    const pj = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8");
    assert.equal(renderProjectFile(pj), pj, "Pulumi.yaml is stale: run `npm run docs`");
    const rd = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    assert.equal(renderReadme(rd), rd, "README.md config table is stale: run `npm run docs`");
    for (const s of CONFIG_KEYS) assert.ok(rd.includes(`\`dify:${s.key}\``), `README documents dify:${s.key}`);
  });
});
