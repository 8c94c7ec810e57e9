/**
 * DifyDatabaseHA: Dify's state stores on AWS. Aurora PostgreSQL (pgvector) with a writer and
 * readers across AZs, ElastiCache (Valkey/Redis OSS) with a replica and automatic failover,
 * one customer KMS key for both, and an in-cluster Job that creates the `dify` role, the
 * `dify`/`dify_plugin` databases, the extensions and the `dify_restore` role for DifyBackups. Hands DifyApp typed connection settings.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { componentType, PostgresEngine } from "../contracts";
import { DataEndpoints, DifyDatabaseHAArgs, MasterLogin, PoolSettings, PostgresConnectionValues, RedisConnectionValues } from "./args";
import { createBootstrap, findKubernetesProvider, haJobSettings } from "./bootstrap";
import { createAccess, subnetZones } from "./network";
import { createPostgres, createRestoreSecret, MASTER_USERNAME } from "./postgres";
import { createRedis } from "./redis";
import { RESTORE_USERNAME, scramSha256Verifier } from "./sql";
import { resolveArgs } from "./validate";

/**
 * Dify's data tier (`dify-aws:index:DifyDatabaseHA`): Aurora PostgreSQL with pgvector (writer and
 * readers across zones, TLS forced, a customer-managed key; or, with `postgres.engine`
 * "rds-instance", one RDS for PostgreSQL DB instance with the same settings) and ElastiCache (Valkey by default,
 * TLS and AUTH, failover with replicas), reachable only from the given security groups or CIDRs.
 * With a Kubernetes provider in `opts.providers`, a Job creates Dify's role, its two databases and
 * the `vector` and `uuid-ossp` extensions. Pass `postgresConnectionOf(db)` and
 * `redisConnectionOf(db)` to DifyApp and DifyBackups.
 */
export class DifyDatabaseHA extends pulumi.ComponentResource {
  /** How the Dify api, worker and plugin daemon reach Postgres (secret: it carries the `dify` role's password). */
  public readonly postgres: pulumi.Output<PostgresConnectionValues>;
  /** How Dify reaches Redis (secret: it carries the AUTH token). TLS is always on. */
  public readonly redis: pulumi.Output<RedisConnectionValues>;
  /** Non-secret endpoints, for stack outputs and runbooks. */
  public readonly endpoints: pulumi.Output<DataEndpoints>;
  /** Pool sizes DifyApp should set so all pods together stay under max_connections. */
  public readonly poolSettings: pulumi.Output<PoolSettings>;
  /** How PostgreSQL runs: "aurora" or "rds-instance" (`PostgresEngine`); pass it to DifyObservability's `databaseEngine`. */
  public readonly postgresEngine: pulumi.Output<string>;
  /** ARN of the Aurora cluster or of the DB instance: DifyBackups' `databaseArn` (AWS Backup selection). */
  public readonly databaseArn: pulumi.Output<string>;
  /** Aurora cluster identifier or DB instance identifier: DifyObservability's `databaseIdentifier` (AWS/RDS dimension `postgresDimension(engine)`). */
  public readonly databaseIdentifier: pulumi.Output<string>;
  /** Deprecated, use `databaseArn`: the Aurora cluster ARN (with "rds-instance", the DB instance's ARN). */
  public readonly clusterArn: pulumi.Output<string>;
  /** Deprecated, use `databaseIdentifier`: the Aurora cluster identifier (with "rds-instance", the DB instance's identifier). */
  public readonly clusterIdentifier: pulumi.Output<string>;
  /** ElastiCache replication group id. */
  public readonly replicationGroupId: pulumi.Output<string>;
  /** Security groups of Postgres and Redis, in that order. */
  public readonly securityGroupIds: pulumi.Output<string[]>;
  /** ARN of the customer KMS key encrypting storage, snapshots, Performance Insights and the secret. */
  public readonly kmsKeyArn: pulumi.Output<string>;
  /** ARN of the Secrets Manager secret with the master credentials (JSON: username, password, host, port). */
  public readonly masterSecretArn: pulumi.Output<string>;
  /**
   * The master login (`dify_admin`, rds_superuser; secret). For break-glass administration only:
   * DifyBackups takes `restoreLogin`, Dify itself uses `postgres`.
   */
  public readonly masterLogin: pulumi.Output<MasterLogin>;
  /**
   * The restore login (`dify_restore`; secret): CREATEDB and a member of the app role, not a
   * superuser, no CREATEROLE. Pass it as DifyBackups' `restoreLogin`: it creates the scratch and
   * restored databases owned by Dify's role. Created by the bootstrap Job (so it exists only with a
   * Kubernetes provider); resolves after that Job.
   */
  public readonly restoreLogin: pulumi.Output<MasterLogin>;
  /** ARN of the Secrets Manager secret with the restore login (JSON: username, password, host, port). */
  public readonly restoreSecretArn: pulumi.Output<string>;
  /** Name of the bootstrap Job ("" when no Kubernetes provider was given). */
  public readonly bootstrapJobName: pulumi.Output<string>;

  constructor(name: string, args: DifyDatabaseHAArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything: bad input never half-creates a stack.
    const cfg = resolveArgs(name, args, args);
    const k8sProvider = cfg.bootstrap.enabled ? findKubernetesProvider(opts) : undefined;
    super(componentType("DifyDatabaseHA"), name, {}, opts);

    const tags = pulumi.output(args.tags ?? {}).apply((t) => ({ ...t, "dify-aws:component": `DifyDatabaseHA/${name}` }));
    const protect = cfg.protect;
    const instanceMode = cfg.postgres.engine === PostgresEngine.RdsInstance;

    // The account's default key policy (IAM decides), plus CloudWatch Logs for the exported
    // PostgreSQL log only: the encryption-context condition limits it to this account and region's
    // /aws/rds/cluster/* groups (CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs
    // using AWS KMS"). An update of the key's policy, never a new key.
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const keyPolicy = pulumi.all([account, partition, region]).apply(([acct, part, reg]) => JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: `arn:${part}:iam::${acct}:root` }, Action: "kms:*", Resource: "*" },
        ...(cfg.postgres.cloudwatchLogs ? [{
          Sid: "CloudWatchLogsPostgresLog", Effect: "Allow", Principal: { Service: `logs.${reg}.amazonaws.com` },
          Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"], Resource: "*",
          Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${part}:logs:${reg}:${acct}:log-group:/aws/rds/${instanceMode ? "instance" : "cluster"}/*` } },
        }] : []),
      ],
    }));
    const key = new aws.kms.Key(
      `${name}-data`,
      {
        description: `Dify data tier (${name}): ${instanceMode ? "RDS for PostgreSQL" : "Aurora"}, ElastiCache, snapshots, Performance Insights, master secret, PostgreSQL log`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: keyPolicy,
        tags,
      },
      // Snapshots outlive the stack; without their key they cannot be restored, so prod keeps it.
      { parent: this, protect, retainOnDelete: protect },
    );
    // namePrefix: alias names are unique per account and region, and dev and prod may share both.
    new aws.kms.Alias(`${name}-data`, { namePrefix: `alias/dify-${name.toLowerCase().replace(/[^a-z0-9/_-]/g, "-")}-data-`, targetKeyId: key.keyId }, { parent: this });
    const snapshotSuffix = new random.RandomId(`${name}-snapshot-suffix`, { byteLength: 4 }, { parent: this }).hex;

    const zones = subnetZones(args.subnetIds, args.availabilityZones, this);
    const access = { vpcId: args.vpcId, allowedSecurityGroupIds: args.allowedSecurityGroupIds ?? [], allowedCidrBlocks: args.allowedCidrBlocks ?? [], tags };
    const pgSg = createAccess(name, { ...access, label: "postgres", port: cfg.postgres.port }, this);
    const redisSg = createAccess(name, { ...access, label: "redis", port: cfg.redis.port }, this);

    const common = { cfg, subnetIds: args.subnetIds, zones, kmsKeyArn: key.arn, snapshotSuffix, tags };
    const pg = createPostgres(name, { ...common, securityGroupId: pgSg.id }, this);
    const rd = createRedis(name, { ...common, securityGroupId: redisSg.id }, this);

    // The least-privilege role Dify logs in as. keepers: bumping appPasswordVersion rotates it.
    const appPassword = new random.RandomPassword(
      `${name}-pg-app`,
      { length: 40, special: false, keepers: { version: String(cfg.appPasswordVersion) } },
      { parent: this },
    );

    // The restore role (CREATEDB and member of the app role, nothing more; see sql.ts rolesSql),
    // for DifyBackups' restore and restore-verification Jobs instead of the master login.
    const restorePassword = new random.RandomPassword(`${name}-pg-restore`, { length: 40, special: false }, { parent: this });
    const restoreSecret = createRestoreSecret(name, { cfg, kmsKeyArn: key.arn, tags, host: pg.endpoint, port: pg.port, password: restorePassword.result }, this);

    let job: pulumi.Resource | undefined;
    if (k8sProvider) {
      const j = createBootstrap(
        name,
        {
          job: haJobSettings(cfg),
          host: pg.endpoint,
          port: pg.port,
          masterUsername: MASTER_USERNAME,
          masterPassword: pg.masterPassword.result,
          appPasswordVerifier: appPassword.result.apply(scramSha256Verifier),
          restorePasswordVerifier: restorePassword.result.apply(scramSha256Verifier),
          dependsOn: pg.instances,
        },
        k8sProvider,
        this,
      );
      job = j;
      this.bootstrapJobName = j.metadata.name;
    } else {
      if (cfg.bootstrap.enabled) {
        pulumi.log.warn(
          `DifyDatabaseHA "${name}": no Kubernetes provider in opts.providers, so the "${cfg.appUsername}" role and the ` +
            `"${cfg.databaseName}"/"${cfg.pluginDatabaseName}" databases are NOT created; pass the cluster's provider to create them.`,
          this,
        );
      }
      this.bootstrapJobName = pulumi.output("");
    }

    // Consumers wait for the bootstrap Job: the connection settings are only usable after it.
    const ready = <T>(o: pulumi.Output<T>): pulumi.Output<T> =>
      job ? pulumi.all([job.urn]).apply(() => o) : o;

    this.postgres = ready(
      pulumi.secret(
        pulumi.all([pg.endpoint, pg.readerEndpoint, pg.port, appPassword.result]).apply(
          ([host, readerHost, port, password]): PostgresConnectionValues => ({
            host,
            readerHost: readerHost || host,
            port,
            database: cfg.databaseName,
            pluginDatabase: cfg.pluginDatabaseName,
            username: cfg.appUsername,
            password,
            sslMode: "require",
          }),
        ),
      ),
    );
    this.redis = ready(
      pulumi.secret(
        pulumi.all([rd.group.primaryEndpointAddress, rd.group.port, rd.authToken.result]).apply(
          ([host, port, password]): RedisConnectionValues => ({ host, port: port ?? cfg.redis.port, password, useTls: true }),
        ),
      ),
    );
    this.endpoints = pulumi
      .all([pg.endpoint, pg.readerEndpoint, pg.port, rd.group.primaryEndpointAddress, rd.group.port])
      .apply(([postgresHost, reader, postgresPort, redisHost, redisPort]) => ({
        postgresHost,
        postgresReaderHost: reader || postgresHost,
        postgresPort,
        database: cfg.databaseName,
        pluginDatabase: cfg.pluginDatabaseName,
        username: cfg.appUsername,
        sslMode: "require",
        redisHost,
        redisPort: redisPort ?? cfg.redis.port,
        redisUseTls: true,
      }));
    this.poolSettings = pulumi.output(cfg.pool);
    this.postgresEngine = pulumi.output<string>(cfg.postgres.engine);
    this.databaseArn = pg.arn;
    this.databaseIdentifier = pg.identifier;
    this.clusterArn = pg.arn;
    this.clusterIdentifier = pg.identifier;
    this.replicationGroupId = rd.group.replicationGroupId;
    this.securityGroupIds = pulumi.all([pgSg.id, redisSg.id]);
    this.kmsKeyArn = key.arn;
    this.masterSecretArn = pg.masterSecret.arn;
    this.masterLogin = ready(pulumi.secret(pg.masterPassword.result.apply((password): MasterLogin => ({ username: MASTER_USERNAME, password }))));
    this.restoreLogin = ready(pulumi.secret(restorePassword.result.apply((password): MasterLogin => ({ username: RESTORE_USERNAME, password }))));
    this.restoreSecretArn = restoreSecret.arn;

    this.registerOutputs({
      postgres: this.postgres,
      redis: this.redis,
      endpoints: this.endpoints,
      poolSettings: this.poolSettings,
      postgresEngine: this.postgresEngine,
      databaseArn: this.databaseArn,
      databaseIdentifier: this.databaseIdentifier,
      clusterArn: this.clusterArn,
      clusterIdentifier: this.clusterIdentifier,
      replicationGroupId: this.replicationGroupId,
      securityGroupIds: this.securityGroupIds,
      kmsKeyArn: this.kmsKeyArn,
      masterSecretArn: this.masterSecretArn,
      masterLogin: this.masterLogin,
      restoreLogin: this.restoreLogin,
      restoreSecretArn: this.restoreSecretArn,
      bootstrapJobName: this.bootstrapJobName,
    });
  }
}
