/**
 * The offline plan of the real stacks: what a user sees before `pulumi up`. These tests run the
 * whole program (all components) for dev and prod once each and share the result.
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { assertKnownEnv } from "./app-fixture";
import { Plan, planStack } from "../program/plan/plan";
import { adoptCommands } from "../program/plan/adopt";
import { PROJECT_ROOT } from "../program/plan/stack";

const plans: Record<string, Plan> = {};
async function plan(stack: "dev" | "prod"): Promise<Plan> {
  plans[stack] ??= await planStack(stack);
  return plans[stack];
}

const CREDENTIAL_KEY = /(PASSWORD|PASS|TOKEN|SECRET|_KEY|KEY$|URL|AUTH|result)/i;

/** [key, string] for every string leaf of `v` (key = the nearest property name). */
function leaves(v: unknown, key: string, out: [string, string][] = []): [string, string][] {
  if (typeof v === "string") out.push([key, v]);
  else if (Array.isArray(v)) v.forEach((x) => leaves(x, key, out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) leaves(x, k, out);
  return out;
}

/** The value at a dotted path such as "stringData.DB_PASSWORD" or "spec[0].x". */
function at(obj: unknown, p: string): unknown {
  return p.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

describe("offline plan", function () {
  this.timeout(120000);

  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: DifyBackups' restore Jobs log in as DifyDatabaseHA's dedicated restore role, never the master login`, async () => {
      const rs = (await plan(stack)).recorded;
      const named = (type: string, suffix: string) => {
        const found = rs.filter((r) => r.type === type && r.name.endsWith(suffix));
        assert.equal(found.length, 1, `${type} *${suffix}`);
        return found[0];
      };
      const login = named("kubernetes:core/v1:Secret", "-backup-restore-db").rawInputs.stringData as Record<string, string>;
      assert.equal(login.PGUSER, "dify_restore");
      const restorePw = named("random:index/randomPassword:RandomPassword", "-pg-restore");
      const masterPw = named("random:index/randomPassword:RandomPassword", "-pg-master");
      assert.ok(login.PGPASSWORD.startsWith(`mock-${restorePw.name}-`), "the restore role's own generated password");
      assert.ok(!login.PGPASSWORD.startsWith(`mock-${masterPw.name}-`), "not the master password");
      const bootstrap = rs.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name.endsWith("-db-bootstrap"))!;
      assert.match((bootstrap.rawInputs.stringData as Record<string, string>).DIFY_RESTORE_PASSWORD_VERIFIER, /^SCRAM-SHA-256\$4096:/, "the bootstrap Job creates the role with that password");
      assert.ok(!JSON.stringify(rs.map((r) => r.inputs)).includes(login.PGPASSWORD), "the password is secret in every input");
    });

    // Dev runs one RDS DB instance (dify:dbEngine rds-instance): its log group is checked below.
    if (stack === "prod") it(`${stack}: the program owns Aurora's postgresql log group (retention, the data key) and the cluster keeps its URN and every input`, async () => {
      const rs = (await plan(stack)).recorded;
      const cluster = rs.find((r) => r.type === "aws:rds/cluster:Cluster")!;
      // Recorded from the code before this change: an existing stack's cluster is not touched.
      const before = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "test", "fixtures", "aurora-cluster-before-log-group.json"), "utf8"))[stack] as { urn: string; inputs: unknown }[];
      assert.deepEqual([{ urn: cluster.urn, inputs: cluster.rawInputs }], before);
      const group = rs.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.name === "dify-pg-postgresql")!;
      assert.ok(group, "the log group RDS would create without retention or a key");
      // The mock echoes the auto-name; RDS writes to /aws/rds/cluster/<identifier>/postgresql.
      assert.equal(group.rawInputs.name, `/aws/rds/cluster/${String(cluster.rawInputs.clusterIdentifier ?? "dify-pg-0000000")}/postgresql`);
      assert.equal(group.rawInputs.retentionInDays, stack === "prod" ? 90 : 7, "dify:logRetentionDays");
      const key = rs.find((r) => r.type === "aws:kms/key:Key" && r.name === "dify-data")!;
      assert.equal(group.rawInputs.kmsKeyId, "arn:aws:kms:us-east-1:123456789012:key/dify-data");
      const statements = (JSON.parse(String(key.rawInputs.policy)) as { Statement: { Sid: string; Principal: Record<string, string>; Condition?: Record<string, Record<string, string>> }[] }).Statement;
      assert.deepEqual(statements.map((x) => x.Sid), ["AccountAdmin", "CloudWatchLogsPostgresLog"]);
      assert.equal(statements[1].Condition!.ArnLike["kms:EncryptionContext:aws:logs:arn"], "arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/cluster/*");
      // Created before any instance (the writer of the log) exists, so RDS never creates it first.
      for (const inst of rs.filter((r) => r.type === "aws:rds/clusterInstance:ClusterInstance")) assert.ok(inst.options.dependsOn.includes(group.urn), inst.name);
      assert.equal(group.options.retainOnDelete, stack === "prod", "prod keeps it on delete; the next cluster's random identifier gives a new name");
    });
  }

  it("dev: PostgreSQL is one RDS DB instance (no Aurora): gp3, encrypted with the data key, TLS forced, private, its log exported to a group the program owns first", async () => {
    const rs = (await plan("dev")).recorded;
    assert.equal(rs.filter((r) => r.type === "aws:rds/cluster:Cluster" || r.type === "aws:rds/clusterInstance:ClusterInstance").length, 0, "no Aurora cluster in dev");
    const dbs = rs.filter((r) => r.type === "aws:rds/instance:Instance");
    assert.equal(dbs.length, 1);
    const db = dbs[0].rawInputs;
    assert.equal(db.engine, "postgres");
    assert.equal(db.engineVersion, "16", "the major Aurora runs in prod, minors from RDS");
    assert.equal(db.instanceClass, "db.t4g.small");
    assert.equal(db.storageType, "gp3");
    assert.equal(db.allocatedStorage, 20);
    assert.equal(db.storageEncrypted, true);
    assert.equal(db.kmsKeyId, "arn:aws:kms:us-east-1:123456789012:key/dify-data");
    assert.equal(db.publiclyAccessible, false);
    assert.equal(db.multiAz, false);
    assert.equal(db.backupRetentionPeriod, 7);
    assert.equal(db.deletionProtection, false, "dev: disposable");
    assert.equal(db.skipFinalSnapshot, true);
    const params = rs.find((r) => r.type === "aws:rds/parameterGroup:ParameterGroup")!;
    assert.equal(params.rawInputs.family, "postgres16");
    const p = Object.fromEntries((params.rawInputs.parameters as { name: string; value: string }[]).map((x) => [x.name, x.value]));
    assert.equal(p["rds.force_ssl"], "1", "non-TLS connections are refused");
    assert.equal(p.ssl_min_protocol_version, "TLSv1.2");
    assert.equal(p.log_min_duration_statement, "1000");
    assert.equal(p.idle_in_transaction_session_timeout, "3600000");
    assert.deepEqual(db.enabledCloudwatchLogsExports, ["postgresql"]);
    const group = rs.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.name === "dify-pg-postgresql")!;
    assert.equal(group.rawInputs.name, `/aws/rds/instance/${String(db.identifier)}/postgresql`, "where RDS writes a DB instance's postgresql log");
    assert.equal(group.rawInputs.retentionInDays, 7, "dify:logRetentionDays");
    assert.equal(group.rawInputs.kmsKeyId, "arn:aws:kms:us-east-1:123456789012:key/dify-data");
    assert.ok(dbs[0].options.dependsOn.includes(group.urn), "the group exists before the instance can write to it");
    const key = rs.find((r) => r.type === "aws:kms/key:Key" && r.name === "dify-data")!;
    const statements = (JSON.parse(String(key.rawInputs.policy)) as { Statement: { Sid: string; Condition?: Record<string, Record<string, string>> }[] }).Statement;
    assert.equal(statements[1].Condition!.ArnLike["kms:EncryptionContext:aws:logs:arn"], "arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/instance/*");
    // The master login's Secrets Manager copy names the instance; the bootstrap Job connects to its address.
    const bootstrap = rs.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name.endsWith("-db-bootstrap"))!;
    assert.equal((bootstrap.rawInputs.stringData as Record<string, string>).PGHOST, `${String(db.identifier)}.mock.us-east-1.rds.amazonaws.com`, "the instance's address, not host:port");
  });

  it("dev: AWS Backup selects the DB instance, and the dashboard charts it by DBInstanceIdentifier (CPU, connections, free storage, freeable memory)", async () => {
    const rs = (await plan("dev")).recorded;
    const db = rs.find((r) => r.type === "aws:rds/instance:Instance")!;
    const arn = `arn:aws:rds:us-east-1:123456789012:db:${String(db.rawInputs.identifier)}`;
    const selection = rs.find((r) => r.type === "aws:backup/selection:Selection")!;
    assert.deepEqual(selection.rawInputs.resources, [arn]);
    const dash = rs.find((r) => r.type === "aws:cloudwatch/dashboard:Dashboard")!;
    const rows = (JSON.parse(String(dash.rawInputs.dashboardBody)) as { widgets: { properties: { metrics?: unknown[][] } }[] }).widgets
      .flatMap((w) => w.properties.metrics ?? []).filter((m) => m[0] === "AWS/RDS");
    assert.deepEqual(rows.map((m) => m[1]).sort(), ["CPUUtilization", "DatabaseConnections", "FreeStorageSpace", "FreeableMemory"]);
    for (const m of rows) assert.deepEqual(m.slice(2, 4), ["DBInstanceIdentifier", db.rawInputs.identifier]);
  });

  it("prod: the documented adoption of existing log groups imports exactly the groups, names and parents the program registers", async () => {
    const p = await plan("prod");
    const commands = adoptCommands(p, "prod");
    const retained = p.recorded.filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.options.retainOnDelete && !r.name.endsWith("-pg-postgresql"));
    assert.ok(retained.length >= 5, "the Container Insights and OTLP groups");
    const re = /^pulumi import --stack prod --yes --generate-code=false --parent 'parent=(\S+)' (\S+) (\S+) (.+)$/;
    const parsed = commands.map((c) => ({ when: c.when, m: re.exec(c.command)! }));
    assert.ok(parsed.every((x) => x.m), commands.map((c) => c.command).join("\n"));
    for (const r of retained) {
      const c = parsed.find((x) => x.m[3] === r.name);
      assert.ok(c, `an import for ${r.name}`);
      assert.equal(c!.when, "after-destroy");
      assert.equal(c!.m[1], r.parent);
      assert.equal(c!.m[2], r.type);
      assert.equal(c!.m[4], `'${String(r.rawInputs.name)}'`);
      // The URN the import creates is the one the program registers: the next `up` finds it in state.
      const parentChain = c!.m[1].split("::")[2];
      assert.equal(`urn:pulumi:prod::dify::${parentChain.split("$").pop()}$${c!.m[2]}::${c!.m[3]}`, r.urn);
    }
    const aurora = parsed.filter((x) => x.when === "existing-aurora");
    assert.equal(aurora.length, 1);
    assert.equal(aurora[0].m[3], "dify-pg-postgresql");
    assert.match(aurora[0].m[4], /^"\/aws\/rds\/cluster\/\$\(aws rds describe-db-clusters .*Value=='prod'.*\)\/postgresql"$/);
    assert.ok(fs.readFileSync(path.join(PROJECT_ROOT, "docs", "log-groups.md"), "utf8").includes("npm run -s adopt-log-groups -- prod"));
  });

  it("prod: each Dify version's migration waits for a dump of both databases taken for that version", async () => {
    const rs = (await plan("prod")).recorded;
    const job = (name: string) => rs.find((r) => r.type === "kubernetes:batch/v1:Job" && (r.rawInputs as { metadata: { name: string } }).metadata.name === name);
    const backup = job("dify-backup-pre-migrate-1-16-1");
    const migration = job("dify-migrate-1-16-1");
    assert.ok(backup && migration);
    assert.ok(migration!.options.dependsOn.includes(backup!.urn));
  });

  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: shows no secret value in clear anywhere in the plan document`, async () => {
      const p = await plan(stack);
      // Secret values whose key says they are credentials (a Secret's stringData also holds host
      // names and user names, which may legitimately appear elsewhere).
      const secrets = new Set<string>();
      for (const r of p.recorded) {
        for (const sp of r.secretPaths) {
          for (const [key, value] of leaves(at(r.rawInputs, sp), sp)) {
            if (CREDENTIAL_KEY.test(key) && value.length >= 8) secrets.add(value);
          }
        }
      }
      assert.ok(secrets.size > 5, "the program has secret credentials (generated passwords and keys)");
      const doc = JSON.stringify(p.document);
      for (const v of secrets) assert.ok(!doc.includes(v), `a secret value leaks into the plan document (${v.slice(0, 4)}…)`);
      // Every generated credential is a secret wherever it is used, also inside a URL or a file.
      // (The mocks make a RandomPassword's value "mock-<name>-xxx…", so a leak is recognisable.)
      const generated = p.recorded.filter((r) => r.type.startsWith("random:")).map((r) => `mock-${r.name}-`);
      assert.ok(generated.length > 0);
      for (const g of generated) assert.ok(!doc.includes(g), `the value of ${g.slice(5, -1)} appears in clear in the plan`);
    });

    it(`${stack}: every env var a Dify container sets is one its image reads (full plan, pool and telemetry settings included)`, async () => {
      assertKnownEnv((await plan(stack)).recorded);
    });

    it(`${stack}: exports Dify's first-install password as a secret stack output (pulumi stack output initPassword --show-secrets)`, async () => {
      const p = await plan(stack);
      assert.equal(p.document.outputs.initPassword, "[secret]");
      assert.equal(String(p.rawOutputs.initPassword).length, 30);
    });

    it(`${stack}: is deterministic (two runs give identical JSON)`, async () => {
      const a = JSON.stringify((await plan(stack)).document);
      const b = JSON.stringify((await planStack(stack)).document);
      assert.equal(a, b);
    });

    it(`${stack}: passes the policy pack with zero mandatory violations and lists every exception with a reason`, async () => {
      const p = await plan(stack);
      const mandatory = p.document.policy.violations.filter((v) => v.level === "mandatory");
      assert.deepEqual(mandatory, []);
      for (const e of p.document.policy.exceptions) assert.ok(e.reason.length > 20, `exception ${e.policy} on ${e.urn} has a real reason`);
    });
  }

  it("prod: the EKS cluster and the databases never wait for each other, so a first deploy creates them in parallel", async () => {
    const p = await plan("prod");
    const deps = new Map(p.recorded.map((r) => [r.urn, r.dependencies]));
    const reaches = (from: string, to: string): boolean => {
      const seen = new Set<string>();
      const todo = [from];
      while (todo.length) {
        const u = todo.pop()!;
        if (u === to) return true;
        if (seen.has(u)) continue;
        seen.add(u);
        todo.push(...(deps.get(u) ?? []));
      }
      return false;
    };
    const eks = p.recorded.filter((r) => r.type === "eks:index:Cluster");
    const stores = p.recorded.filter((r) => ["aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance", "aws:elasticache/replicationGroup:ReplicationGroup"].includes(r.type));
    assert.equal(eks.length, 1);
    assert.ok(stores.length >= 4, "Aurora writer + reader + cluster + Redis");
    for (const s of stores) {
      assert.ok(!reaches(s.urn, eks[0].urn), `${s.name} waits for the EKS cluster`);
      assert.ok(!reaches(eks[0].urn, s.urn), `the EKS cluster waits for ${s.name}`);
      assert.ok(s.dependencies.some((d) => /aws:ec2\/(subnet|securityGroup|vpc)/.test(d)) || reaches(s.urn, p.recorded.find((r) => r.type === "aws:ec2/vpc:Vpc")!.urn), `${s.name} is in the VPC`);
    }
  });

  it("prod: the data tier survives a zone loss (Aurora writer and reader, Redis primary and replica in different AZs, failover on)", async () => {
    const p = await plan("prod");
    const instances = p.recorded.filter((r) => r.type === "aws:rds/clusterInstance:ClusterInstance");
    assert.ok(instances.length >= 2);
    assert.equal(new Set(instances.map((r) => r.inputs.availabilityZone)).size, instances.length, "one Aurora instance per AZ");
    const redis = p.recorded.find((r) => r.type === "aws:elasticache/replicationGroup:ReplicationGroup")!;
    const azs = redis.inputs.preferredCacheClusterAzs as string[];
    assert.ok(azs.length >= 2 && new Set(azs).size === azs.length, "Redis nodes in distinct AZs");
    assert.equal(redis.inputs.automaticFailoverEnabled, true);
    assert.equal(redis.inputs.multiAzEnabled, true);
  });

  it("prod with an internal ALB: the NetworkPolicies admit the ALB's own subnets, not the pod subnets", async () => {
    const p = await planStack("prod", { overrides: { "dify:internalLoadBalancer": true } });
    const subnets = p.recorded.filter((r) => r.type === "aws:ec2/subnet:Subnet");
    const cidrOf = (pred: (tags: Record<string, string>) => boolean) =>
      subnets.filter((r) => pred((r.rawInputs.tags ?? {}) as Record<string, string>)).map((r) => r.rawInputs.cidrBlock as string).sort();
    const albSubnets = cidrOf((t) => t["kubernetes.io/role/internal-elb"] === "1");
    assert.equal(albSubnets.length, 3);
    const podSubnets = p.recorded.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup")
      .flatMap((r) => r.rawInputs.subnetIds as string[])
      .map((id) => subnets.find((s) => `${s.name}-id` === id)!.rawInputs.cidrBlock as string);
    const apiFlows = p.recorded.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.name === "dify-api-flows")!;
    const cidrs = JSON.stringify((apiFlows.rawInputs.spec as { ingress?: unknown }).ingress);
    for (const c of albSubnets) assert.ok(cidrs.includes(`"${c}"`), `api admits the ALB subnet ${c}`);
    for (const c of new Set(podSubnets)) assert.ok(!cidrs.includes(`"cidr":"${c}"`), `api does not admit the pod subnet ${c}`);
  });

  it("dev runs without a NAT gateway: spot nodes in public node subnets, a public IPv4 each, nothing admitted from the internet, pods not mistaken for the ALB", async () => {
    const p = await plan("dev");
    const rs = p.recorded;
    const of = (type: string) => rs.filter((r) => r.type === type);
    assert.equal(of("aws:ec2/natGateway:NatGateway").length, 0, "no NAT gateway");
    assert.equal(of("aws:ec2/eip:Eip").length, 0, "no Elastic IP");
    const subnets = of("aws:ec2/subnet:Subnet");
    const subnet = (id: string) => subnets.find((s) => `${s.name}-id` === id)!;
    const groups = of("aws:eks/nodeGroup:NodeGroup");
    const nodeSubnets = new Set(groups.flatMap((g) => g.rawInputs.subnetIds as string[]).map(subnet));
    assert.equal(nodeSubnets.size, 2, "one node subnet per AZ");
    for (const s of nodeSubnets) assert.equal(s.rawInputs.mapPublicIpOnLaunch, true, `${s.name} gives nodes a public IPv4`);
    assert.deepEqual(groups.map((g) => [g.name, g.rawInputs.capacityType]).sort(),
      [["dify-app-0", "SPOT"], ["dify-app-1", "SPOT"], ["dify-system", "SPOT"], ["dify-workers-0", "SPOT"], ["dify-workers-1", "SPOT"]]);
    for (const g of groups) assert.ok((g.rawInputs.instanceTypes as string[]).length >= 3, `${g.name}: several spot pools`);
    // The data services stay in the private subnets.
    const dbSubnets = of("aws:rds/subnetGroup:SubnetGroup").flatMap((g) => g.rawInputs.subnetIds as string[]).map((id) => subnet(id).name);
    assert.ok(dbSubnets.length > 0 && dbSubnets.every((n) => /-private-\d$/.test(n)), dbSubnets.join(","));
    // No security group rule in the stack admits the internet (nodes carry the EKS cluster group and the workloads group).
    const open = rs.filter((r) => /SecurityGroupIngressRule|securityGroupRule:SecurityGroupRule/.test(r.type) && r.rawInputs.type !== "egress")
      .filter((r) => JSON.stringify([r.rawInputs.cidrIpv4, r.rawInputs.cidrBlocks]).includes("0.0.0.0/0"));
    const inline = rs.filter((r) => /securityGroup:SecurityGroup$|defaultSecurityGroup/.test(r.type)).filter((r) => JSON.stringify(r.rawInputs.ingress ?? []).includes("0.0.0.0/0"));
    assert.deepEqual([...open, ...inline].map((r) => r.name), []);
    // The internet-facing ALB's subnets are not where pods take their addresses.
    const albCidrs = subnets.filter((s) => (s.rawInputs.tags as Record<string, string>)["kubernetes.io/role/elb"] === "1").map((s) => s.rawInputs.cidrBlock as string);
    const apiFlows = rs.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.name === "dify-api-flows")!;
    const ingress = JSON.stringify((apiFlows.rawInputs.spec as { ingress?: unknown }).ingress);
    for (const c of albCidrs) assert.ok(ingress.includes(`"${c}"`), `api admits the ALB subnet ${c}`);
    for (const s of nodeSubnets) assert.ok(!ingress.includes(`"cidr":"${s.rawInputs.cidrBlock}"`), `api does not admit the pod subnet ${s.rawInputs.cidrBlock}`);
    // Priced: no NAT line, a public IPv4 per node, spot nodes.
    const items = p.document.cost.lines.map((l) => l.item);
    assert.ok(!items.some((i) => /NAT/.test(i)), items.join("; "));
    assert.deepEqual(p.document.cost.lines.filter((l) => / node public IPv4$/.test(l.item)).map((l) => [l.item, l.floor]), [["app node public IPv4", 3.65], ["system node public IPv4", 3.65], ["workers node public IPv4", 0]]);
    assert.ok(p.document.cost.nodes.every((n) => n.spot));
  });

  it("prod keeps a NAT gateway per AZ, on-demand app and system nodes in the private subnets", async () => {
    const rs = (await plan("prod")).recorded;
    assert.equal(rs.filter((r) => r.type === "aws:ec2/natGateway:NatGateway").length, 3);
    assert.ok(!rs.some((r) => r.type === "aws:ec2/subnet:Subnet" && r.rawInputs.mapPublicIpOnLaunch === true), "no subnet hands out public addresses");
    const groups = rs.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
    for (const g of groups) {
      assert.ok((g.rawInputs.subnetIds as string[]).every((id) => /^dify-private-\d-id$/.test(id)), g.name);
      assert.equal(g.rawInputs.capacityType, g.name.startsWith("dify-workers") ? "SPOT" : "ON_DEMAND", g.name);
    }
  });

  it("mail from stack config: an encrypted dify:mailSecret reaches only the mail Secret, as a secret", async () => {
    const p = await planStack("prod", { overrides: {
      "dify:mailType": "smtp", "dify:mailFrom": "Dify <no-reply@example.com>", "dify:smtpServer": "email-smtp.us-east-1.amazonaws.com",
      "dify:smtpUsername": "AKIAEXAMPLE", "dify:mailSecret": "ses-smtp-password-123",
    } });
    const secret = p.recorded.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "dify-mail")!;
    assert.equal((secret.rawInputs.stringData as Record<string, string>).SMTP_PASSWORD, "ses-smtp-password-123");
    assert.equal(secret.inputs.stringData, "[secret]");
    assert.ok(!JSON.stringify(p.document).includes("ses-smtp-password-123"), "not in the plan document");
    const others = p.recorded.filter((r) => r !== secret).map((r) => r.rawInputs);
    assert.ok(!JSON.stringify(others).includes("ses-smtp-password-123"), "nowhere else");
    assertKnownEnv(p.recorded);
  });

  it("the CLI prints a summary, writes JSON and exits 0 for a valid stack", async () => {
    const out = path.join(require("os").tmpdir(), `plan-${process.pid}.json`);
    const stdout = execFileSync(process.execPath, ["scripts/plan.js", "--stack", "dev", "--json", out], { cwd: PROJECT_ROOT, encoding: "utf8" });
    assert.match(stdout, /Plan for stack "dev"/);
    assert.match(stdout, /^Policy dify-aws-policy: 0 mandatory/m);
    const doc = JSON.parse(require("fs").readFileSync(out, "utf8"));
    assert.equal(doc.stack, "dev");
    // The CLI's start-up shortcuts (scripts/plan.js) change nothing: same document as in-process.
    assert.deepEqual(doc, JSON.parse(JSON.stringify((await plan("dev")).document)));
    assert.ok(doc.resources.length > 50);
    for (const r of doc.resources) {
      assert.deepEqual(Object.keys(r).sort(), ["custom", "dependencies", "inputs", "name", "options", "parent", "type", "urn"]);
      assert.deepEqual(Object.keys(r.options).filter((k) => k !== "aliases").sort(), ["deleteBeforeReplace", "dependsOn", "ignoreChanges", "protect", "retainOnDelete"]);
      if ("aliases" in r.options) assert.ok(r.options.aliases!.length > 0 && r.options.aliases!.every((a: string) => a.startsWith("urn:pulumi:")), "aliases only when there are some, as URNs");
    }
  });

  it("the CLI refuses bad config with exit 2 and one line per problem naming the key", () => {
    const r = spawnSync(process.execPath, ["scripts/plan.js", "--stack", "prod", "--config", "dify:azCount=7", "--config", "dify:dbReaderCount=99"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^\s+dify:azCount: got 7, allowed an integer from 2 to 3$/m);
    assert.match(r.stderr, /^\s+dify:dbReaderCount: got 99, allowed an integer from 0 to 15$/m);
    assert.ok(!/\n\s+at /.test(r.stderr), "no stack trace");
    assert.equal(r.stdout, "", "nothing was planned");
  });

  /** The real CLI entry (scripts/plan.js) with `--config` overrides. */
  const cli = (stack: string, ...config: string[]) =>
    spawnSync(process.execPath, ["scripts/plan.js", "--stack", stack, ...config.flatMap((c) => ["--config", c])], { cwd: PROJECT_ROOT, encoding: "utf8" });

  it("prod without NAT gateways exits 2 naming dify:natGateways and why prod keeps them", () => {
    const r = cli("prod", "dify:natGateways=none");
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^\s+dify:natGateways: got "none", allowed per-az in prod \(prod keeps a NAT gateway per AZ: zone-loss tolerance and nodes without public addresses; use profile dev for a cheaper network\)$/m);
    assert.equal(r.stdout, "", "nothing was planned");
  });

  it("a database class whose max_connections cannot hold honest pools exits 2 naming the class and the ceilings", () => {
    // db.t4g.micro (~70 connections): dev's 8 api-image processes cannot each get 16 sessions.
    const r = cli("dev", "dify:dbInstanceClass=db.t4g.micro");
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^\s+dify:dbInstanceClass: got "db\.t4g\.micro", allowed a class whose max_connections holds every Dify pool at the replica ceilings in dify:services \(api and worker maxReplicas\), or lower ceilings: .*at least 16 SQLAlchemy connections .*~70 max_connections/m);
    assert.ok(!/\n\s+at /.test(r.stderr), "no stack trace");
    assert.ok(!/\bargs[.[]/.test(r.stderr), "no internal argument path");
    const prod = cli("prod", "dify:dbEngine=rds-instance");
    assert.equal(prod.status, 2, prod.stderr);
    assert.match(prod.stderr, /^\s+dify:dbEngine: got "rds-instance", allowed "aurora" in prod/m);
  });

  it("a service override that conflicts with the preset exits 2 naming the config key and the preset's value", () => {
    const r = cli("dev", 'dify:services={"api":{"replicas":5}}');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^\s+dify:services\.api\.replicas: got 5, allowed from minReplicas 1 \(the dev preset's value; set minReplicas too\) to maxReplicas 2 \(the dev preset's value; set maxReplicas too\)$/m);
    assert.ok(!r.stderr.includes("args."), "no component argument the user never wrote");
    assert.ok(!/\n\s+at /.test(r.stderr), "no stack trace");
  });

  it("a CPU request above its limit, or memory given as CPU, exits 2 naming the config key", () => {
    const r = cli("prod", 'dify:services={"api":{"cpuRequest":"3","cpuLimit":"2"},"worker":{"cpuLimit":"1Gi"}}');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^\s+dify:services\.api\.cpuRequest: got "3", allowed at most cpuLimit "2"$/m);
    assert.match(r.stderr, /^\s+dify:services\.worker\.cpuLimit: got "1Gi", allowed a CPU quantity such as "500m" or "2"/m);
  });

  it("a value the config table accepts but a component refuses exits 2 naming the config key, not the argument", () => {
    // dify:namespace passes the table's DNS-label check (63), but DifyApp keeps room for "<ns>-sandbox" (55).
    const ns = `d${"x".repeat(58)}`;
    const r = cli("dev", `dify:namespace=${ns}`);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^\\s+dify:namespace: got "${ns}", allowed a DNS-1123 label.*at most 55 characters$`, "m"));
    assert.ok(!/\n\s+at /.test(r.stderr), "no stack trace");
  });
});

describe("restoring: one config change points Dify at a restored database", function () {
  this.timeout(60000);
  it("dify:dbName / dify:pluginDbName become every workload's DB_DATABASE and no workload keeps the old one", async () => {
    const p = await planStack("prod", { overrides: { "dify:dbName": "dify_r20261128", "dify:pluginDbName": "dify_plugin_r20261128" } });
    const all = JSON.stringify(p.recorded.map((r) => r.rawInputs));
    const configMaps = p.recorded.filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.rawInputs.data as Record<string, string> | undefined)?.DB_DATABASE);
    assert.ok(configMaps.length >= 2, "api-image and plugin-daemon settings carry DB_DATABASE");
    const values = configMaps.map((r) => (r.rawInputs.data as Record<string, string>).DB_DATABASE).sort();
    assert.deepEqual([...new Set(values)], ["dify_plugin_r20261128", "dify_r20261128"]);
    assert.ok(!/"DB_DATABASE":"dify"/.test(all), "no workload still uses the old database");
    assert.ok(all.includes("dify_r20261128") && all.includes("dify_plugin_r20261128"));
  });
});
