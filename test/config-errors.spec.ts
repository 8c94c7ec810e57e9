/**
 * Every config-origin error is in the user's words (issue 17, item 10): a stack config the
 * program cannot run is refused before anything is planned (ConfigError: `npm run plan` exits 2),
 * every problem line starts with the dify: key (or aws:region) to change, names no internal
 * component argument (`args.services["api"]...`) and carries no stack trace, and a conflicting
 * value the user never wrote is cited as the preset's.
 *
 * The bad values are generated from the key table (program/config/table.ts): a key added there is
 * covered here without editing this file. Cross-key conflicts (parse.ts, services.ts,
 * policyLimits.ts, the capacity model and the components' own checks reached through
 * program/settings.ts) are listed by hand. Cases run in-process through the same calls as
 * `npm run plan` (loadStackConfig, parseStackConfig, stackSettings), where a ConfigError is exit 2
 * (test/plan.spec.ts runs the CLI on the too-small DB class and checks the exit code).
 */
import { strict as assert } from "assert";
import { ConfigError, parseStackConfig } from "../program/config";
import { KeySpec } from "../program/config/keys";
import { CONFIG_KEYS } from "../program/config/table";
import { loadStackConfig } from "../program/plan/stack";
import { configKeyOf, stackSettings } from "../program/settings";

type Stack = "dev" | "prod";

interface Case {
  /** What the case is, for the test title. */
  name: string;
  stack: Stack;
  overrides: Record<string, unknown>;
  /** Config keys (with namespace) at least one problem line must name. */
  keys: string[];
  /** The conflicting value came from the profile's preset: the message must say so. */
  preset?: boolean;
}

/** The problems `npm run plan -- --stack <stack> --config ...` reports (exit 2), or undefined when it plans. */
function refusal(stack: Stack, overrides: Record<string, unknown>): string[] | undefined {
  try {
    stackSettings(parseStackConfig(loadStackConfig(stack, overrides)), stack);
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    // Anything else is exit 3 (a defect) in the CLI.
    throw new Error(`not a config error (the CLI would exit 3): ${(e as Error).stack ?? String(e)}`);
  }
}

/** What is wrong with one problem line, or undefined. */
function badLine(line: string): string | undefined {
  if (!/^(dify:[A-Za-z]|aws:region\b)/.test(line)) return "does not start with the config key to change";
  if (/\bargs(\.|\[)/.test(line)) return "names an internal component argument (args.*)";
  if (/\n\s+at |\bat [\w.<>]+ \(.*:\d+:\d+\)/.test(line)) return "carries a stack trace";
  if (/\[object Object\]|\bNaN\b/.test(line)) return "shows an unformatted value";
  if (/derived from the stack config/.test(line)) return "blames a value the program derived instead of the key";
  return undefined;
}

const BAD_STRING = "!! not valid !!";

/** Bad values of one key, from its row: wrong type, out of range, not in the enum, refused by its check. */
function generated(spec: KeySpec): Case[] {
  const key = `dify:${spec.key}`;
  const out: Case[] = [];
  const add = (what: string, v: unknown, stacks: Stack[] = ["dev", "prod"]) => {
    for (const stack of stacks) out.push({ name: `${key} ${what} (${stack})`, stack, overrides: { [key]: v }, keys: [key] });
  };
  switch (spec.type) {
    case "integer":
      add("wrong type", "ten");
      add("not an integer", 1.5);
      if (spec.min !== undefined) add("below the minimum", spec.min - 1);
      if (spec.max !== undefined) add("above the maximum", spec.max + 1);
      break;
    case "boolean":
      add("wrong type", "yes");
      add("wrong type (number)", 1);
      break;
    case "string":
      add("wrong type", 42);
      if (spec.enum) add("not one of the allowed values", "not-an-option");
      if (spec.check && spec.check(BAD_STRING) !== undefined) add("refused by its check", BAD_STRING);
      break;
    case "array":
      add("wrong type", "not-a-list");
      add("items not strings", [1, 2]);
      if (spec.check && spec.check(BAD_STRING) !== undefined) add("an item refused by its check", [BAD_STRING]);
      break;
    case "object":
      add("wrong type", "[1, 2]");
      add("wrong type (list)", ["a"]);
      break;
  }
  if (spec.requiredIn) for (const stack of spec.requiredIn) add("missing", undefined, [stack as Stack]);
  return out;
}

const svc = (o: Record<string, unknown>) => ({ "dify:services": o });

/** Conflicts between keys, and values a key accepts that a component or a limit refuses. */
const CROSS: Case[] = [
  // dify:services: DifyApp's own rules, on the preset merged with the user's overrides.
  { name: "replicas above the dev preset's maxReplicas", stack: "dev", overrides: svc({ api: { replicas: 5 } }), keys: ["dify:services.api.replicas"], preset: true },
  { name: "cpuRequest above cpuLimit", stack: "dev", overrides: svc({ api: { cpuRequest: "4", cpuLimit: "1" } }), keys: ["dify:services.api.cpuRequest"] },
  { name: "cpuLimit below the dev preset's cpuRequest", stack: "dev", overrides: svc({ api: { cpuLimit: "100m" } }), keys: ["dify:services.api.cpuLimit"], preset: true },
  { name: "memoryLimit below memoryRequest", stack: "prod", overrides: svc({ worker: { memoryRequest: "4Gi", memoryLimit: "1Gi" } }), keys: ["dify:services.worker"] },
  { name: "minReplicas above maxReplicas", stack: "prod", overrides: svc({ web: { minReplicas: 6, maxReplicas: 3 } }), keys: ["dify:services.web"] },
  { name: "pdbMinAvailable at or above the replicas", stack: "prod", overrides: svc({ api: { replicas: 2, minReplicas: 2, pdbMinAvailable: 3 } }), keys: ["dify:services.api"] },
  { name: "replicas below the pack's PDB threshold with no PDB", stack: "prod", overrides: svc({ web: { pdbMinAvailable: 0 } }), keys: ["dify:services.web.pdbMinAvailable"] },
  { name: "one replica in prod", stack: "prod", overrides: svc({ api: { replicas: 1, minReplicas: 1 } }), keys: ["dify:services.api"] },
  { name: "unknown service", stack: "prod", overrides: svc({ apix: { replicas: 2 } }), keys: ["dify:services.apix"] },
  { name: "unknown field", stack: "prod", overrides: svc({ api: { cpu: "1" } }), keys: ["dify:services.api.cpu"] },
  { name: "a service that is not a map", stack: "prod", overrides: svc({ api: 3 }), keys: ["dify:services.api"] },
  { name: "bad CPU quantity", stack: "dev", overrides: svc({ worker: { cpuLimit: "1Gi" } }), keys: ["dify:services.worker.cpuLimit"] },
  { name: "target utilization out of range", stack: "prod", overrides: svc({ api: { targetCpuUtilization: 150 } }), keys: ["dify:services.api.targetCpuUtilization"] },
  { name: "singleton beat scaled out", stack: "prod", overrides: svc({ "worker-beat": { replicas: 2 } }), keys: ["dify:services.worker-beat"] },
  // The database engine and the keys that depend on it.
  { name: "dbEngine rds-instance in prod", stack: "prod", overrides: { "dify:dbEngine": "rds-instance" }, keys: ["dify:dbEngine"] },
  { name: "db.serverless with the dev preset's rds-instance", stack: "dev", overrides: { "dify:dbInstanceClass": "db.serverless" }, keys: ["dify:dbInstanceClass"], preset: true },
  { name: "dbCapacityRange with the dev preset's rds-instance", stack: "dev", overrides: { "dify:dbCapacityRange": "0.5-2" }, keys: ["dify:dbCapacityRange"], preset: true },
  { name: "readers with the dev preset's rds-instance", stack: "dev", overrides: { "dify:dbReaderCount": 1 }, keys: ["dify:dbReaderCount"], preset: true },
  { name: "dbAllocatedStorage with the prod preset's aurora", stack: "prod", overrides: { "dify:dbAllocatedStorage": 100 }, keys: ["dify:dbAllocatedStorage"], preset: true },
  { name: "a micro class with the prod preset's aurora", stack: "prod", overrides: { "dify:dbInstanceClass": "db.t4g.small" }, keys: ["dify:dbInstanceClass"], preset: true },
  { name: "a DB class too small for the dev pools", stack: "dev", overrides: { "dify:dbInstanceClass": "db.t4g.micro" }, keys: ["dify:dbInstanceClass"] },
  { name: "the dev preset's DB class too small for raised ceilings", stack: "dev", overrides: svc({ api: { maxReplicas: 12 }, worker: { maxReplicas: 12 } }), keys: ["dify:dbInstanceClass"], preset: true },
  { name: "an Aurora capacity too small for the prod pools", stack: "prod", overrides: { "dify:dbCapacityRange": "0.5-1" }, keys: ["dify:dbCapacityRange"] },
  { name: "dbBackupRetentionDays below the pack minimum", stack: "prod", overrides: { "dify:dbBackupRetentionDays": 3 }, keys: ["dify:dbBackupRetentionDays"] },
  { name: "deletion protection off in prod (the pack's rds-deletion-protection is mandatory there)", stack: "prod", overrides: { "dify:deletionProtection": false }, keys: ["dify:deletionProtection"] },
  { name: "no reader in prod", stack: "prod", overrides: { "dify:dbReaderCount": 0 }, keys: ["dify:dbReaderCount"] },
  { name: "no Redis replica in prod", stack: "prod", overrides: { "dify:redisReplicaCount": 0 }, keys: ["dify:redisReplicaCount"] },
  { name: "pluginDbName equal to dbName", stack: "dev", overrides: { "dify:pluginDbName": "dify" }, keys: ["dify:pluginDbName"] },
  // Network.
  { name: "natGateways none in prod", stack: "prod", overrides: { "dify:natGateways": "none" }, keys: ["dify:natGateways"] },
  { name: "natGateways one in prod", stack: "prod", overrides: { "dify:natGateways": "one" }, keys: ["dify:natGateways"] },
  { name: "the dev preset's natGateways none in a small VPC", stack: "dev", overrides: { "dify:vpcCidr": "10.40.0.0/20" }, keys: ["dify:natGateways"], preset: true },
  { name: "natGateways with an existing VPC", stack: "dev", overrides: { "dify:natGateways": "one", "dify:existingVpcId": "vpc-0123456789abcdef0", "dify:existingPrivateSubnetIds": ["subnet-01234567", "subnet-89abcdef"], "dify:existingPublicSubnetIds": ["subnet-11234567", "subnet-19abcdef"] }, keys: ["dify:natGateways"] },
  { name: "existing VPC without subnets", stack: "dev", overrides: { "dify:existingVpcId": "vpc-0123456789abcdef0" }, keys: ["dify:existingPrivateSubnetIds"] },
  { name: "subnets without an existing VPC", stack: "dev", overrides: { "dify:existingPublicSubnetIds": ["subnet-01234567", "subnet-89abcdef"] }, keys: ["dify:existingPublicSubnetIds"] },
  { name: "EKS API open to the internet", stack: "dev", overrides: { "dify:apiPublicAccessCidrs": ["0.0.0.0/0"] }, keys: ["dify:apiPublicAccessCidrs"] },
  // Node groups.
  { name: "node min above max", stack: "prod", overrides: { "dify:workerNodeMinSize": 20, "dify:workerNodeMaxSize": 10 }, keys: ["dify:workerNodeMinSize"] },
  { name: "the prod preset's desired size below a raised minimum", stack: "prod", overrides: { "dify:appNodeMinSize": 5 }, keys: ["dify:appNodeDesiredSize"], preset: true },
  { name: "instance types of different sizes", stack: "dev", overrides: { "dify:appNodeInstanceTypes": ["t4g.large", "m7g.xlarge"] }, keys: ["dify:appNodeInstanceTypes"] },
  { name: "instance types of the other architecture", stack: "prod", overrides: { "dify:appNodeInstanceTypes": ["m7i.large"] }, keys: ["dify:appNodeInstanceTypes"] },
  { name: "replica ceilings above the app node group maximum", stack: "prod", overrides: svc({ api: { maxReplicas: 60 } }), keys: ["dify:appNodeMaxSize"] },
  { name: "a node group maximum below the floor pods", stack: "prod", overrides: { "dify:appNodeMaxSize": 1, "dify:appNodeMinSize": 1, "dify:appNodeDesiredSize": 1 }, keys: ["dify:appNodeMaxSize"] },
  // Edge, mail, images, observability, backups.
  { name: "hostedZoneId without hostedZoneName", stack: "dev", overrides: { "dify:hostedZoneId": "Z0123456789ABCDEFGHIJ" }, keys: ["dify:hostedZoneName"] },
  { name: "domain outside the hosted zone", stack: "dev", overrides: { "dify:hostedZoneId": "Z0123456789ABCDEFGHIJ", "dify:hostedZoneName": "example.org" }, keys: ["dify:domain"] },
  { name: "prod without a certificate or hosted zone", stack: "prod", overrides: { "dify:certificateArn": undefined, "dify:hostedZoneId": undefined, "dify:hostedZoneName": undefined }, keys: ["dify:certificateArn"] },
  { name: "WAF on a closed network", stack: "dev", overrides: { "dify:waf": true, "dify:closedNetwork": true, "dify:imageRegistry": "harbor.example.com/dify", "dify:egressAllowedDomains": ["api.openai.com"] }, keys: ["dify:waf"] },
  { name: "wafRateLimit with the WAF off by default in dev", stack: "dev", overrides: { "dify:wafRateLimit": 2000 }, keys: ["dify:wafRateLimit"], preset: true },
  { name: "mail type without sender, secret and server", stack: "dev", overrides: { "dify:mailType": "smtp" }, keys: ["dify:mailFrom", "dify:mailSecret", "dify:smtpServer"] },
  { name: "mail settings without a type", stack: "dev", overrides: { "dify:smtpPort": 587 }, keys: ["dify:smtpPort"] },
  { name: "closed network without a registry", stack: "dev", overrides: { "dify:closedNetwork": true, "dify:egressAllowedDomains": ["api.openai.com"] }, keys: ["dify:closedNetwork"] },
  { name: "closed network without egress domains", stack: "dev", overrides: { "dify:closedNetwork": true, "dify:imageRegistry": "harbor.example.com/dify" }, keys: ["dify:egressAllowedDomains"] },
  { name: "pull-through cache without credentials", stack: "dev", overrides: { "dify:ecrPullThroughCache": true }, keys: ["dify:imageRegistry", "dify:ecrGithubCredentialArn", "dify:ecrDockerHubCredentialArn"] },
  { name: "extra endpoints on an open network", stack: "dev", overrides: { "dify:extraVpcEndpoints": ["ssm"] }, keys: ["dify:extraVpcEndpoints"] },
  { name: "Bedrock on a closed network without its endpoint", stack: "dev", overrides: { "dify:closedNetwork": true, "dify:imageRegistry": "harbor.example.com/dify", "dify:egressAllowedDomains": ["api.openai.com"], "dify:bedrockModels": ["anthropic.claude-3-5-sonnet-20240620-v1:0"] }, keys: ["dify:bedrockModels"] },
  { name: "bad image digest", stack: "dev", overrides: { "dify:imageDigests": { "langgenius/dify-api:1.16.1": "sha1:abc" } }, keys: ["dify:imageDigests"] },
  { name: "log retention CloudWatch refuses", stack: "prod", overrides: { "dify:logRetentionDays": 10 }, keys: ["dify:logRetentionDays"] },
  { name: "unknown alarm threshold", stack: "prod", overrides: { "dify:alarmThresholds": { alb5xx: 2 } }, keys: ["dify:alarmThresholds"] },
  { name: "alarm threshold out of range", stack: "prod", overrides: { "dify:alarmThresholds": { dbCpuPercent: 0 } }, keys: ["dify:alarmThresholds.dbCpuPercent"] },
  { name: "alarms without observability", stack: "prod", overrides: { "dify:observability": false, "dify:alarms": true }, keys: ["dify:alarms"] },
  { name: "backup copy region equal to aws:region", stack: "dev", overrides: { "dify:backupCopyRegion": "us-east-1" }, keys: ["dify:backupCopyRegion"] },
  { name: "unknown key", stack: "dev", overrides: { "dify:azCuont": 2 }, keys: ["dify:azCuont"] },
  { name: "bad region", stack: "dev", overrides: { "aws:region": "us-esat-1" }, keys: ["aws:region"] },
];

const GENERATED = CONFIG_KEYS.flatMap(generated);

describe("config errors in the user's words (every key of the key table, and the cross-key conflicts)", () => {
  it("the stack files and the base of every case plan (a refusal below is the case's own)", () => {
    for (const stack of ["dev", "prod"] as const) assert.equal(refusal(stack, {}), undefined, stack);
  });

  it("every key of program/config/table.ts has generated bad values in both profiles", () => {
    for (const spec of CONFIG_KEYS) {
      for (const stack of ["dev", "prod"]) {
        assert.ok(GENERATED.some((c) => c.stack === stack && c.keys.includes(`dify:${spec.key}`)), `dify:${spec.key} (${stack})`);
      }
    }
  });

  for (const c of [...GENERATED, ...CROSS]) {
    it(`${c.name}: exit 2 naming ${c.keys.join(", ")}`, () => {
      const problems = refusal(c.stack, c.overrides);
      assert.ok(problems, `accepted: ${JSON.stringify(c.overrides)}`);
      const text = problems.join("\n");
      for (const line of problems) {
        const bad = badLine(line);
        assert.equal(bad, undefined, `${bad}:\n  ${line}`);
      }
      for (const key of c.keys) assert.ok(problems.some((l) => l.includes(key)), `no problem names ${key}:\n${text}`);
      if (c.preset) assert.match(text, new RegExp(`\\b${c.stack} preset|by default in ${c.stack}`), `the preset's value is not cited:\n${text}`);
    });
  }

  it("values the key table accepts at its edges are planned or refused in the user's words", () => {
    // Each key alone at its minimum, maximum, every enum value and both booleans: a component or a limit may
    // still refuse one, and then it must say so with the key, like any other config problem.
    let refused = 0;
    for (const spec of CONFIG_KEYS) {
      const values: unknown[] = spec.type === "integer" ? [spec.min, spec.max].filter((v) => v !== undefined)
        : spec.type === "boolean" ? [true, false] : spec.enum ? [...spec.enum] : [];
      for (const stack of ["dev", "prod"] as const) {
        for (const v of values) {
          const problems = refusal(stack, { [`dify:${spec.key}`]: v });
          if (!problems) continue;
          refused++;
          for (const line of problems) assert.equal(badLine(line), undefined, `dify:${spec.key}=${JSON.stringify(v)} (${stack}): ${badLine(line)}:\n  ${line}`);
        }
      }
    }
    assert.ok(refused > 0, "no edge value is refused: the check cannot fail");
  });
});

describe("every component argument the stack config sets has its config key", () => {
  // Arguments settingsFor derives (names, wiring, sizes from the profile) rather than copies from
  // one key: a problem with them is the program's, not the user's. Any other argument must map to
  // the dify: key it comes from (program/settings.ts CONFIG_ORIGIN), or a component's refusal of
  // it would reach the user as an internal `args.` path.
  const DERIVED: Record<string, string[]> = {
    DifyCluster: ["production", "clusterName", "enableAllControlPlaneLogs", "tags", "systemNodes.diskSizeGiB", "appNodes.diskSizeGiB", "workerNodes.diskSizeGiB"],
    DifyDatabaseHA: ["applyImmediately", "tags", "postgres.performanceInsights", "postgres.enhancedMonitoringInterval", "postgres.cloudwatchLogs"],
    DifyApp: ["dataCidrs", "ingressSourceCidrs", "extraEnv", "extraPluginDaemonEnv", "queueAutoscaling", "nodePlacement", "loadBalancerName", "webAclArn"],
    DifyBackups: ["databaseCidrs", "tags"],
    DifyStorage: ["tags"],
    DifyObservability: ["collectorReplicas", "kedaMetrics", "backupMetricNamespace", "tags"],
    DifyEdge: ["loadBalancerName", "tags"],
    DifyDomainRecord: ["loadBalancerName"],
    DifyLoadBalancerMonitoring: ["loadBalancerName"],
  };
  const COMPONENT: Record<string, string> = {
    cluster: "DifyCluster", data: "DifyDatabaseHA", app: "DifyApp", backups: "DifyBackups", storage: "DifyStorage",
    observability: "DifyObservability", edge: "DifyEdge", domainRecord: "DifyDomainRecord", loadBalancerMonitoring: "DifyLoadBalancerMonitoring",
  };
  it("maps every argument of dev's and prod's settings that is not derived", () => {
    const missing: string[] = [];
    for (const stack of ["dev", "prod"] as const) {
      // With a hosted zone and observability, so every component's settings are there.
      const s = stackSettings(parseStackConfig(loadStackConfig(stack, { "dify:hostedZoneId": "Z0123456789ABCDEFGHIJ", "dify:hostedZoneName": "example.com" })), stack) as unknown as Record<string, Record<string, unknown> | undefined>;
      for (const [part, component] of Object.entries(COMPONENT)) {
        const args = s[part];
        assert.ok(args, `${stack}: no ${part} settings`);
        // An argument maps as a whole, or each of its fields does (args.postgres.instanceClass,
        // args.services["api"].replicas).
        const walk = (path: string, v: unknown): void => {
          if (v === undefined || DERIVED[component].includes(path.slice("args.".length)) || configKeyOf(component, path)) return;
          if (typeof v === "object" && v !== null && !Array.isArray(v)) {
            for (const [k, x] of Object.entries(v)) if (!configKeyOf(component, `${path}["${k}"]`)) walk(`${path}.${k}`, x);
            return;
          }
          missing.push(`${component} ${path}`);
        };
        for (const [arg, v] of Object.entries(args)) walk(`args.${arg}`, v);
      }
    }
    assert.deepEqual([...new Set(missing)], [], "map these in program/settings.ts CONFIG_ORIGIN, or list them as derived here");
  });
});
