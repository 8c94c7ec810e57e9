/**
 * PostgreSQL: an Aurora cluster (cluster parameter group with TLS forced and logging, subnet group,
 * master credentials, the cluster and its instances spread over the AZs), or one RDS for
 * PostgreSQL DB instance with the same parameters, credentials and log export (engine "rds-instance").
 *
 * Master credentials: a generated password (random.RandomPassword), not RDS's managed
 * Secrets Manager password. The in-VPC bootstrap Job needs it as a value inside a Kubernetes
 * Secret; with `manageMasterUserPassword` Pulumi could only read it back through a deploy-time
 * data source (which stores it in state anyway) and RDS's 7-day rotation would leave that copy
 * stale. The password is kept secret in state and copied to a Secrets Manager secret encrypted
 * with the data key, so operators and restores (DifyBackups) can fetch it without state access.
 * Dify itself never uses the master: it logs in as the least-privilege `dify` role.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ResolvedConfig } from "./validate";
import { zoneFor } from "./network";
import { RESTORE_USERNAME } from "./sql";
import { PostgresEngine } from "../contracts";

/** Master user name (RDS reserves "rdsadmin"; "postgres" is avoided so it is never guessed). */
export const MASTER_USERNAME = "dify_admin";

/** What both engines (Aurora here, ElastiCache in redis.ts) are built from. */
export interface StoreInputs {
  cfg: ResolvedConfig;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  zones: pulumi.Output<string[]>;
  securityGroupId: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  snapshotSuffix: pulumi.Input<string>;
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface PostgresResources {
  /** Writer host name. */
  endpoint: pulumi.Output<string>;
  /** Reader host name ("" when there is none: the writer serves reads). */
  readerEndpoint: pulumi.Output<string>;
  port: pulumi.Output<number>;
  /** ARN of the Aurora cluster or the DB instance (AWS Backup's resource). */
  arn: pulumi.Output<string>;
  /** DBClusterIdentifier or DBInstanceIdentifier. */
  identifier: pulumi.Output<string>;
  /** What must be up before anyone connects: the cluster's instances, or the DB instance. */
  instances: pulumi.Resource[];
  masterPassword: random.RandomPassword;
  masterSecret: aws.secretsmanager.Secret;
  /** The exported PostgreSQL log's group (with `cloudwatchLogs`). */
  logGroup?: aws.cloudwatch.LogGroup;
}

/**
 * Cluster parameters. All are dynamic in Aurora PostgreSQL, so "immediate" applies them without
 * a reboot. log_statement stays at its default "none": "ddl" would log ALTER ROLE ... PASSWORD.
 */
function clusterParameters(p: ResolvedConfig["postgres"]): aws.types.input.rds.ClusterParameterGroupParameter[] {
  return parameterValues(p).map(([name, value]) => ({ name, value, applyMethod: "immediate" }));
}

/** The parameters both engines get (all exist in RDS for PostgreSQL 15+ too). */
function parameterValues(p: ResolvedConfig["postgres"]): [string, string][] {
  return [
    ["rds.force_ssl", "1"], // refuse non-TLS connections (Dify: DB_EXTRAS=sslmode=require; daemon: DB_SSL_MODE=require)
    ["ssl_min_protocol_version", "TLSv1.2"],
    ["password_encryption", "scram-sha-256"],
    ["log_min_duration_statement", String(p.logMinDurationStatementMs)], // slow queries only
    ["log_lock_waits", "1"], // lock waits longer than deadlock_timeout (1 s)
    ["log_temp_files", "10240"], // temp files ≥ 10 MiB: work_mem too small for a query
    ["log_autovacuum_min_duration", "10000"], // autovacuum runs ≥ 10 s (pgvector tables churn)
    ["idle_in_transaction_session_timeout", String(p.idleInTransactionSessionTimeoutMs)], // leaked transactions hold locks and block vacuum
  ];
}

/**
 * DB instance parameters: the same values. Every one but rds.force_ssl is a dynamic PostgreSQL
 * setting (postgresql.conf "sighup"/"user" context), so "immediate" applies it without a reboot;
 * rds.force_ssl gets "pending-reboot", which RDS accepts for dynamic and static parameters alike
 * (a new instance starts with its group's values either way; RDS for PostgreSQL 15+ defaults it to 1).
 */
function instanceParameters(p: ResolvedConfig["postgres"]): aws.types.input.rds.ParameterGroupParameter[] {
  return parameterValues(p).map(([name, value]) => ({ name, value, applyMethod: name === "rds.force_ssl" ? "pending-reboot" : "immediate" }));
}

function enhancedMonitoringRole(name: string, parent: pulumi.Resource, tags: StoreInputs["tags"]): aws.iam.Role {
  const partition = aws.getPartitionOutput({}, { parent }).partition;
  const trust = aws.iam.getPolicyDocumentOutput(
    {
      statements: [
        { actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["monitoring.rds.amazonaws.com"] }] },
      ],
    },
    { parent },
  );
  const role = new aws.iam.Role(`${name}-rds-monitoring`, { assumeRolePolicy: trust.json, tags }, { parent });
  new aws.iam.RolePolicyAttachment(
    `${name}-rds-monitoring`,
    { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole` },
    { parent },
  );
  return role;
}

/** Performance Insights (7 days, the data key) and Enhanced Monitoring, the same on Aurora instances and a DB instance. */
function instanceMonitoring(i: StoreInputs, monitoringRole: aws.iam.Role | undefined) {
  const p = i.cfg.postgres;
  return {
    performanceInsightsEnabled: p.performanceInsights,
    performanceInsightsKmsKeyId: p.performanceInsights ? i.kmsKeyArn : undefined,
    performanceInsightsRetentionPeriod: p.performanceInsights ? 7 : undefined,
    monitoringInterval: p.enhancedMonitoringInterval,
    monitoringRoleArn: monitoringRole?.arn,
  };
}

/**
 * The group RDS exports the PostgreSQL log into (`/aws/rds/cluster|instance/<id>/postgresql`),
 * created by the component first so it has retention and the data key; kept on delete when
 * protected. Undefined when the export is off.
 */
function postgresLogGroup(name: string, i: StoreInputs, groupName: pulumi.Output<string>, parent: pulumi.Resource): aws.cloudwatch.LogGroup | undefined {
  const p = i.cfg.postgres;
  if (!p.cloudwatchLogs) return undefined;
  return new aws.cloudwatch.LogGroup(`${name}-pg-postgresql`, {
    name: groupName,
    retentionInDays: p.logRetentionDays,
    kmsKeyId: i.kmsKeyArn,
    tags: i.tags,
  }, { parent, retainOnDelete: i.cfg.protect });
}

export function createPostgres(name: string, i: StoreInputs, parent: pulumi.Resource): PostgresResources {
  return i.cfg.postgres.engine === PostgresEngine.RdsInstance ? createInstance(name, i, parent) : createAurora(name, i, parent);
}

function createAurora(name: string, i: StoreInputs, parent: pulumi.Resource): PostgresResources {
  const { cfg } = i;
  const p = cfg.postgres;
  const protect = cfg.protect;

  const subnetGroup = new aws.rds.SubnetGroup(`${name}-pg`, { description: `Dify Aurora (${name}): private subnets`, subnetIds: i.subnetIds, tags: i.tags }, { parent });
  const params = new aws.rds.ClusterParameterGroup(
    `${name}-pg`,
    { family: p.family, description: `Dify Aurora PostgreSQL ${p.major} (${name}): TLS only, slow-query logging`, parameters: clusterParameters(p), tags: i.tags },
    { parent },
  );

  // RDS rejects / ' " @ and spaces; alphanumerics also survive every URL and shell unescaped.
  const masterPassword = new random.RandomPassword(`${name}-pg-master`, { length: 40, special: false }, { parent });
  const cluster = new aws.rds.Cluster(
    `${name}-pg`,
    {
      engine: aws.rds.EngineType.AuroraPostgresql,
      engineMode: "provisioned",
      // A major-only version lets RDS pick the default minor; the provider keeps configured and
      // actual versions apart (engineVersionActual), so minor auto-upgrades cause no diff.
      engineVersion: p.engineVersion,
      allowMajorVersionUpgrade: false,
      masterUsername: MASTER_USERNAME,
      masterPassword: masterPassword.result,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [i.securityGroupId],
      dbClusterParameterGroupName: params.name,
      port: p.port,
      storageEncrypted: true,
      kmsKeyId: i.kmsKeyArn,
      iamDatabaseAuthenticationEnabled: p.iamAuth,
      backupRetentionPeriod: p.backupRetentionDays,
      preferredBackupWindow: p.preferredBackupWindow,
      preferredMaintenanceWindow: p.preferredMaintenanceWindow,
      copyTagsToSnapshot: true,
      deletionProtection: p.deletionProtection,
      skipFinalSnapshot: !protect,
      finalSnapshotIdentifier: protect ? pulumi.interpolate`${name.toLowerCase().replace(/[^a-z0-9-]/g, "-")}-pg-final-${i.snapshotSuffix}` : undefined,
      // Prod keeps the automated backups (point-in-time restore) even after the cluster is deleted.
      deleteAutomatedBackups: !protect,
      enabledCloudwatchLogsExports: p.cloudwatchLogs ? ["postgresql"] : [],
      serverlessv2ScalingConfiguration: p.serverless ? { minCapacity: p.serverless.minCapacity, maxCapacity: p.serverless.maxCapacity } : undefined,
      applyImmediately: cfg.applyImmediately,
      tags: i.tags,
    },
    { parent, protect },
  );

  // RDS exports the postgresql log to /aws/rds/cluster/<identifier>/postgresql and creates that
  // group on first write, with no retention and no key. Created here first, from the identifier the
  // cluster got, before any instance (the log's writer) exists: no cluster input changes, so a stack
  // whose cluster already exists keeps it (adopting its RDS-made group is a one-time import,
  // docs/log-groups.md). The identifier is random per cluster, so a recreated stack never collides
  // with a group retained from an earlier one.
  const logGroup = postgresLogGroup(name, i, pulumi.interpolate`/aws/rds/cluster/${cluster.clusterIdentifier}/postgresql`, parent);

  const monitoringRole = p.enhancedMonitoringInterval > 0 ? enhancedMonitoringRole(name, parent, i.tags) : undefined;
  const instances: aws.rds.ClusterInstance[] = [];
  for (let n = 0; n <= p.readerCount; n++) {
    instances.push(
      new aws.rds.ClusterInstance(
        `${name}-pg-${n}`,
        {
          clusterIdentifier: cluster.id,
          engine: aws.rds.EngineType.AuroraPostgresql,
          instanceClass: p.instanceClass,
          // Instance n in zone n mod #zones: the writer (0) and its first reader never share an AZ.
          availabilityZone: zoneFor(i.zones, n),
          dbSubnetGroupName: subnetGroup.name,
          publiclyAccessible: false,
          // Tier 0 for the writer and first reader: failover goes to the reader in another AZ.
          promotionTier: n <= 1 ? 0 : 1,
          autoMinorVersionUpgrade: true,
          ...instanceMonitoring(i, monitoringRole),
          preferredMaintenanceWindow: p.preferredMaintenanceWindow,
          copyTagsToSnapshot: true,
          applyImmediately: cfg.applyImmediately,
          tags: i.tags,
        },
        // Instances hold no data (storage is the cluster's), so they stay unprotected: lowering
        // readerCount must be possible without `pulumi state unprotect`.
        { parent, dependsOn: logGroup ? [logGroup] : [] },
      ),
    );
  }

  const masterSecret = masterLoginSecret(name, i, masterPassword.result, { host: cluster.endpoint, port: cluster.port, idField: "dbClusterIdentifier", id: cluster.clusterIdentifier }, parent);
  return {
    endpoint: cluster.endpoint, readerEndpoint: cluster.readerEndpoint, port: cluster.port, arn: cluster.arn, identifier: cluster.clusterIdentifier,
    instances, masterPassword, masterSecret, logGroup,
  };
}

/**
 * One RDS for PostgreSQL DB instance: gp3 storage encrypted with the data key, TLS forced by its
 * parameter group, the PostgreSQL log exported to a group created first, backups and deletion
 * protection as for Aurora. Its identifier is chosen here (name + the stack's random suffix), so the
 * log group `/aws/rds/instance/<identifier>/postgresql` exists before the instance can write to it.
 */
function createInstance(name: string, i: StoreInputs, parent: pulumi.Resource): PostgresResources {
  const { cfg } = i;
  const p = cfg.postgres;
  const protect = cfg.protect;
  const slug = name.toLowerCase().replace(/[^a-z0-9-]/g, "-");

  const subnetGroup = new aws.rds.SubnetGroup(`${name}-pg`, { description: `Dify PostgreSQL (${name}): private subnets`, subnetIds: i.subnetIds, tags: i.tags }, { parent });
  const params = new aws.rds.ParameterGroup(
    `${name}-pg`,
    { family: p.family, description: `Dify PostgreSQL ${p.major} (${name}): TLS only, slow-query logging`, parameters: instanceParameters(p), tags: i.tags },
    { parent },
  );
  const masterPassword = new random.RandomPassword(`${name}-pg-master`, { length: 40, special: false }, { parent });
  // DB instance identifiers: letter first, letters, digits and single hyphens, at most 63 characters.
  const identifier = pulumi.interpolate`${slug}-pg-${i.snapshotSuffix}`;
  const logGroup = postgresLogGroup(name, i, pulumi.interpolate`/aws/rds/instance/${identifier}/postgresql`, parent);
  const monitoringRole = p.enhancedMonitoringInterval > 0 ? enhancedMonitoringRole(name, parent, i.tags) : undefined;
  const instance = new aws.rds.Instance(
    `${name}-pg`,
    {
      identifier,
      engine: "postgres",
      // Major-only: RDS picks the default minor and auto-upgrades it (engineVersionActual), no diff.
      engineVersion: p.engineVersion,
      allowMajorVersionUpgrade: false,
      autoMinorVersionUpgrade: true,
      instanceClass: p.instanceClass,
      allocatedStorage: p.allocatedStorageGb,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: i.kmsKeyArn,
      username: MASTER_USERNAME,
      password: masterPassword.result,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [i.securityGroupId],
      parameterGroupName: params.name,
      port: p.port,
      publiclyAccessible: false,
      multiAz: p.multiAz,
      iamDatabaseAuthenticationEnabled: p.iamAuth,
      backupRetentionPeriod: p.backupRetentionDays,
      backupWindow: p.preferredBackupWindow,
      maintenanceWindow: p.preferredMaintenanceWindow,
      copyTagsToSnapshot: true,
      deletionProtection: p.deletionProtection,
      skipFinalSnapshot: !protect,
      finalSnapshotIdentifier: protect ? pulumi.interpolate`${slug}-pg-final-${i.snapshotSuffix}` : undefined,
      deleteAutomatedBackups: !protect,
      enabledCloudwatchLogsExports: p.cloudwatchLogs ? ["postgresql"] : [],
      ...instanceMonitoring(i, monitoringRole),
      applyImmediately: cfg.applyImmediately,
      tags: i.tags,
    },
    { parent, protect, dependsOn: logGroup ? [logGroup] : [] },
  );
  const masterSecret = masterLoginSecret(name, i, masterPassword.result, { host: instance.address, port: instance.port, idField: "dbInstanceIdentifier", id: instance.identifier }, parent);
  return {
    endpoint: instance.address, readerEndpoint: pulumi.output(""), port: instance.port, arn: instance.arn, identifier: instance.identifier,
    instances: [instance], masterPassword, masterSecret, logGroup,
  };
}

/** What the restore login's Secrets Manager copy is built from. */
export interface RestoreSecretInputs {
  cfg: ResolvedConfig;
  kmsKeyArn: pulumi.Input<string>;
  tags: pulumi.Input<Record<string, string>>;
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  password: pulumi.Input<string>;
}

/** A login's copy in Secrets Manager (JSON, the data key, kept on delete when protected). */
interface LoginSecretSpec {
  description: string;
  kmsKeyArn: pulumi.Input<string>;
  protect: boolean;
  tags: StoreInputs["tags"];
  /** The JSON document: username, password, host, port, …; stored as a secret. */
  login: pulumi.Input<Record<string, unknown>>;
}

function loginSecret(id: string, spec: LoginSecretSpec, parent: pulumi.Resource): aws.secretsmanager.Secret {
  const secret = new aws.secretsmanager.Secret(
    id,
    { description: spec.description, kmsKeyId: spec.kmsKeyArn, recoveryWindowInDays: spec.protect ? 30 : 0, tags: spec.tags },
    { parent, protect: spec.protect, retainOnDelete: spec.protect },
  );
  new aws.secretsmanager.SecretVersion(
    id,
    { secretId: secret.id, secretString: pulumi.secret(pulumi.output(spec.login).apply((l) => JSON.stringify(l))) },
    { parent, retainOnDelete: spec.protect },
  );
  return secret;
}

/** "Aurora" or "PostgreSQL" (an RDS DB instance): how the secrets' descriptions name the database. */
const engineLabel = (cfg: ResolvedConfig) => (cfg.postgres.engine === PostgresEngine.RdsInstance ? "PostgreSQL" : "Aurora");

/** Where the master login connects, and the field naming the cluster or instance (RDS's secret JSON keys). */
interface MasterLoginTarget {
  host: pulumi.Output<string>;
  port: pulumi.Output<number>;
  idField: "dbClusterIdentifier" | "dbInstanceIdentifier";
  id: pulumi.Output<string>;
}

/** The master login's copy in Secrets Manager. Kept on stack delete in prod: restoring a final snapshot needs this password. */
function masterLoginSecret(name: string, i: StoreInputs, password: pulumi.Output<string>, t: MasterLoginTarget, parent: pulumi.Resource): aws.secretsmanager.Secret {
  return loginSecret(`${name}-pg-master`, {
    description: `Dify ${engineLabel(i.cfg)} (${name}) master credentials (username/password/host/port). Dify uses the "${i.cfg.appUsername}" role instead.`,
    kmsKeyArn: i.kmsKeyArn,
    protect: i.cfg.protect,
    tags: i.tags,
    login: pulumi.all([password, t.host, t.port, t.id])
      .apply(([pw, host, port, id]) => ({ engine: "postgres", username: MASTER_USERNAME, password: pw, host, port, [t.idField]: id })),
  }, parent);
}

/**
 * The restore login's copy in Secrets Manager, the same way as the master's (same key, recovery
 * window and protection), so an operator can run a restore by hand without reading Pulumi state.
 */
export function createRestoreSecret(name: string, i: RestoreSecretInputs, parent: pulumi.Resource): aws.secretsmanager.Secret {
  return loginSecret(`${name}-pg-restore`, {
    description: `Dify ${engineLabel(i.cfg)} (${name}) restore login "${RESTORE_USERNAME}" (CREATEDB, member of "${i.cfg.appUsername}"), used by DifyBackups' restore Jobs.`,
    kmsKeyArn: i.kmsKeyArn,
    protect: i.cfg.protect,
    tags: i.tags,
    login: pulumi.all([i.password, i.host, i.port]).apply(([password, host, port]) => ({ engine: "postgres", username: RESTORE_USERNAME, password, host, port })),
  }, parent);
}
