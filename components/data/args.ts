/**
 * Arguments and output shapes of DifyDatabaseHA. Interfaces only (component-package analyzer
 * rules): no unions, no string-literal types, no intersections. Values that shape the resource
 * graph or that are validated before anything is created (counts, classes, windows, retention)
 * are plain values on purpose: an Output cannot be validated up front.
 */
import { ImageSource } from "../k8s/images";
import * as pulumi from "@pulumi/pulumi";

/** Engines ElastiCache offers for a Redis-protocol replication group. Dify's redis-py speaks to both. */
export enum CacheEngine {
  /** Valkey (Linux Foundation fork of Redis OSS 7.2): about 20% cheaper per node-hour on ElastiCache. */
  Valkey = "valkey",
  /** Redis OSS. */
  Redis = "redis",
}

/** Aurora Serverless v2 capacity range (only when Postgres runs on `db.serverless`). */
export interface ServerlessV2Args {
  /** Minimum Aurora capacity units (ACU; 1 ACU ≈ 2 GiB RAM), 0..256 in steps of 0.5. 0 lets the cluster auto-pause, which Dify's always-connected pools prevent anyway. Default 0.5. */
  minCapacity?: number;
  /** Maximum ACU, ≥ minCapacity and ≥ 1, ≤ 256; it also sets max_connections (memory at max ACU). Default 4. */
  maxCapacity?: number;
}

/** PostgreSQL settings (Aurora by default). Defaults are the production ones. */
export interface PostgresArgs {
  /**
   * How PostgreSQL runs: "aurora" (an Aurora PostgreSQL cluster: writer and readers, provisioned or
   * Serverless v2) or "rds-instance" (one RDS for PostgreSQL DB instance, optionally Multi-AZ: no
   * per-ACU minimum, for small and disposable installs). See `PostgresEngine`. Default "aurora".
   */
  engine?: string;
  /** PostgreSQL engine version, major ("16") or major.minor ("16.9"). A major-only value lets RDS pick and auto-upgrade minors without a Pulumi diff. Major must be 15..18. Default "16" (pgvector ≥0.8; Dify's compose pairs pgvector with pg16). */
  engineVersion?: string;
  /**
   * Instance class (`db.*`). Aurora: writer and readers, e.g. "db.r7g.large" (the smallest T class
   * is db.t4g.medium); ignored when `serverless` is set. "rds-instance": the DB instance, e.g.
   * "db.t4g.small"; it sets max_connections, which must hold every pool. Default "db.r7g.large"
   * (Aurora), "db.t4g.small" (rds-instance).
   */
  instanceClass?: string;
  /** Aurora Serverless v2 capacity (Aurora only). When set, every instance is `db.serverless`. Default unset (provisioned instances). */
  serverless?: ServerlessV2Args;
  /** Readers (Aurora Replicas) besides the writer, 0..15; each is a failover target in another AZ when the subnets allow it. Must be 0 with "rds-instance" (use `multiAz`). Default 1 (Aurora), 0 (rds-instance). */
  readerCount?: number;
  /** "rds-instance" only: storage of the instance in GB (gp3, encrypted with the data key), 20..65536. Default 20. */
  allocatedStorageGb?: number;
  /** "rds-instance" only: a synchronous standby in another AZ that RDS fails over to (doubles the instance price). Default false. */
  multiAz?: boolean;
  /** Days of automated backups (point-in-time restore), 1..35. Default 30. */
  backupRetentionDays?: number;
  /** Daily backup window, UTC "hh24:mi-hh24:mi", at least 30 minutes, not overlapping the maintenance window. Default "03:00-04:00". */
  preferredBackupWindow?: string;
  /** Weekly maintenance window, UTC "ddd:hh24:mi-ddd:hh24:mi", at least 30 minutes. Default "sun:04:30-sun:05:30". */
  preferredMaintenanceWindow?: string;
  /** Performance Insights (7 days retention, free tier) encrypted with the data key. Default true. */
  performanceInsights?: boolean;
  /** Enhanced Monitoring interval in seconds: 0 (off), 1, 5, 10, 15, 30 or 60. Default 60. */
  enhancedMonitoringInterval?: number;
  /** IAM database authentication (in addition to passwords). Default false. */
  iamAuth?: boolean;
  /** RDS deletion protection on the cluster (or instance). Default: the component's `protect`. */
  deletionProtection?: boolean;
  /**
   * Export the PostgreSQL log to CloudWatch Logs, into `/aws/rds/cluster/<cluster id>/postgresql`
   * (Aurora) or `/aws/rds/instance/<instance id>/postgresql` (rds-instance), which the component
   * creates (RDS would create it without retention or a key). Default true.
   */
  cloudwatchLogs?: boolean;
  /** Days the exported PostgreSQL log is kept; a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...). Default 30. */
  logRetentionDays?: number;
  /** Statements slower than this are logged, in milliseconds; -1 disables. Default 1000. */
  logMinDurationStatementMs?: number;
  /** Sessions idle inside an open transaction longer than this are ended, in milliseconds; 0 disables. Default 3600000 (1 h). */
  idleInTransactionSessionTimeoutMs?: number;
  /** Port Postgres listens on. Default 5432. */
  port?: number;
}

/** ElastiCache settings. Defaults are the production ones. */
export interface RedisArgs {
  /** "valkey" or "redis" (see `CacheEngine`). Default "valkey". */
  engine?: string;
  /** Engine version: Valkey "7.2" or later, Redis OSS "7.0" or later (TLS with transitEncryptionMode "required" + AUTH). Default "8.2" for Valkey, "7.1" for Redis OSS. */
  engineVersion?: string;
  /** Node type (`cache.*`, e.g. "cache.r7g.large"). Default "cache.r7g.large". */
  nodeType?: string;
  /** Replicas besides the primary, 0..5. With ≥1, automatic failover and Multi-AZ are on. Default 1. */
  replicaCount?: number;
  /** Days of daily snapshots kept, 0..35 (0 disables; DifyBackups relies on it). Default 7. */
  snapshotRetentionDays?: number;
  /** Daily snapshot window, UTC "hh24:mi-hh24:mi", at least 60 minutes, not overlapping the maintenance window. Default "02:00-03:00". */
  snapshotWindow?: string;
  /** Weekly maintenance window, UTC "ddd:hh24:mi-ddd:hh24:mi", at least 60 minutes. Default "sun:05:30-sun:06:30". */
  maintenanceWindow?: string;
  /** Port. Default 6379. */
  port?: number;
}

/**
 * The in-cluster Job that creates the `dify` role, the `dify` and `dify_plugin` databases and
 * the `vector` and `uuid-ossp` extensions. It runs only when a Kubernetes provider is passed in
 * `opts.providers` (or `opts.provider`).
 */
export interface BootstrapArgs {
  /** Set false to skip the Job even when a Kubernetes provider is given. Default true. */
  enabled?: boolean;
  /** Namespace of the Job, its Secret and ConfigMap. Default "dify-db-bootstrap". */
  namespace?: string;
  /** Create that namespace (Pod Security "restricted" enforced). Default true. */
  createNamespace?: boolean;
  /** psql image; its uid must be 70 (the official postgres Alpine images). Default "postgres:16.14-alpine". */
  image?: string;
  /** Job timeout in minutes (the Pulumi await and `activeDeadlineSeconds`). Default 15. */
  timeoutMinutes?: number;
}

/**
 * The replica ceilings DifyApp will run, used to size connection pools against Postgres'
 * max_connections (every Dify process talks to the writer).
 */
export interface ConnectionBudgetArgs {
  /** Max api pods (HPA ceiling). Default 10. */
  apiReplicas?: number;
  /** Gunicorn processes per api pod (`SERVER_WORKER_AMOUNT`). Default 1. */
  apiWorkersPerPod?: number;
  /** Max Celery worker pods (HPA ceiling; one gevent process each). Default 10. */
  workerReplicas?: number;
  /** Celery beat pods. Default 1. */
  beatReplicas?: number;
  /** Plugin daemon pods. Default 2. */
  pluginDaemonReplicas?: number;
  /** Extra pods during a rolling update (maxSurge) per Deployment, added to each count above. Default 1. */
  surgePerDeployment?: number;
  /** Connections kept free for AWS automation, the migration Job, backups and operators. Default 20. */
  reservedConnections?: number;
  /**
   * SQLAlchemy connections (pool + overflow) every api-image process must be able to hold at once:
   * each running Celery task keeps a session, so at least the worker's concurrent tasks
   * (CELERY_WORKER_AMOUNT). A class whose max_connections cannot give every process this many is
   * refused. Default 16 (DifyApp's worker concurrency).
   */
  sessionsPerProcess?: number;
}

/** Arguments of {@link DifyDatabaseHA}. */
export interface DifyDatabaseHAArgs {
  /** VPC that holds the databases (the cluster's VPC). */
  vpcId: pulumi.Input<string>;
  /**
   * Private subnet ids, one per AZ, at least 2 (RDS subnet groups need two AZs even for one
   * instance). A list or another resource's list output, e.g. DifyCluster's `privateSubnetIds`.
   */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** AZ of each subnet, same order as `subnetIds` (a list or a list output). Default: looked up with ec2.getSubnet. */
  availabilityZones?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Security groups allowed to reach 5432/6379 (the EKS nodes' / pods' groups). Each entry may be
   * an output, but the list itself is plain: every entry becomes its own rule resource (so the
   * databases never wait for the cluster). Default [].
   */
  allowedSecurityGroupIds?: pulumi.Input<string>[];
  /** CIDR blocks allowed to reach 5432/6379 (e.g. a VPN); a plain list, one rule resource each. Default []. At least one group or CIDR is required. */
  allowedCidrBlocks?: pulumi.Input<string>[];
  /** PostgreSQL settings (Aurora cluster or RDS DB instance). */
  postgres?: PostgresArgs;
  /** ElastiCache settings. */
  redis?: RedisArgs;
  /** In-cluster bootstrap Job settings. */
  bootstrap?: BootstrapArgs;
  /** Replica ceilings used to size Dify's connection pools. */
  connectionBudget?: ConnectionBudgetArgs;
  /** Prod safety: Pulumi `protect`, RDS deletion protection, final snapshots, retained KMS key and master secret. Default true; set false for dev. */
  protect?: boolean;
  /** Apply modifications immediately instead of in the next maintenance window. Default false. */
  applyImmediately?: boolean;
  /** Database name of the Dify api (`DB_DATABASE`). Default "dify". */
  databaseName?: string;
  /** Database name of the plugin daemon (`DB_DATABASE` of the daemon). Default "dify_plugin". */
  pluginDatabaseName?: string;
  /** Least-privilege login role Dify uses (owner of both databases). Default "dify". */
  appUsername?: string;
  /** Bump to rotate the `dify` role's password (the bootstrap Job re-runs). Default 1. */
  appPasswordVersion?: number;
  /** Tags on every AWS resource. Default {}. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Registry prefix (and optional digests) the bootstrap Job's image is pulled through (components/k8s/images.ts). Default: the public image. */
  imageSource?: ImageSource;
}

/** Postgres connection as resolved values (assignable to `pulumi.Input<PostgresConnection>`). */
export interface PostgresConnectionValues {
  /** Writer endpoint host. */
  host: string;
  /** Reader endpoint host. */
  readerHost: string;
  /** TCP port. */
  port: number;
  /** Database of the Dify api. */
  database: string;
  /** Database of the plugin daemon. */
  pluginDatabase: string;
  /** Role Dify logs in as. */
  username: string;
  /** Password of `username` (the containing Output is secret). */
  password: string;
  /** libpq sslmode: "require". */
  sslMode: string;
}

/** Redis connection as resolved values (assignable to `pulumi.Input<RedisConnection>`). */
export interface RedisConnectionValues {
  /** Primary endpoint host. */
  host: string;
  /** TCP port. */
  port: number;
  /** AUTH token (the containing Output is secret). */
  password: string;
  /** Always true: in-transit encryption is on (`rediss://`, `REDIS_USE_SSL=true`). */
  useTls: boolean;
}

/** Pool settings DifyApp should set so that all pods together stay under max_connections. */
export interface PoolSettings {
  /** Estimated max_connections of one instance (the writer serves all of Dify). */
  maxConnections: number;
  /** `SQLALCHEMY_POOL_SIZE` for api/worker/beat (Dify default 30). */
  sqlalchemyPoolSize: number;
  /** `SQLALCHEMY_MAX_OVERFLOW` (Dify default 10). */
  sqlalchemyMaxOverflow: number;
  /** `PGVECTOR_MAX_CONNECTION` (Dify default 5). */
  pgvectorMaxConnection: number;
  /** Plugin daemon `DB_MAX_OPEN_CONNS` (daemon default 30). */
  pluginDbMaxOpenConns: number;
  /** Plugin daemon `DB_MAX_IDLE_CONNS` (daemon default 10). */
  pluginDbMaxIdleConns: number;
  /** Worst-case connections with every ceiling reached, ≤ maxConnections - reserved. */
  worstCaseConnections: number;
}

/** Non-secret endpoints, for stack outputs and runbooks. */
export interface DataEndpoints {
  /** Aurora writer endpoint. */
  postgresHost: string;
  /** Aurora reader endpoint. */
  postgresReaderHost: string;
  /** Postgres port. */
  postgresPort: number;
  /** Database of the Dify api. */
  database: string;
  /** Database of the plugin daemon. */
  pluginDatabase: string;
  /** Role Dify logs in as. */
  username: string;
  /** libpq sslmode Dify must use: "require" (the server refuses non-TLS connections). */
  sslMode: string;
  /** ElastiCache primary endpoint. */
  redisHost: string;
  /** Redis port. */
  redisPort: number;
  /** Always true: Redis requires TLS. */
  redisUseTls: boolean;
}

/** A Postgres login (assignable to DifyBackups' `restoreLogin`). */
export interface MasterLogin {
  /** Role name ("dify_admin"). */
  username: string;
  /** Its password (the containing Output is secret). */
  password: string;
}

/**
 * Arguments of {@link DifyDatabaseBootstrap}: DifyDatabaseHA's bootstrap Job against a
 * PostgreSQL you already run (RDS, Aurora or your own), reachable from the cluster's pods.
 */
export interface DifyDatabaseBootstrapArgs {
  /** Host name of your PostgreSQL's writer, as the pods resolve it. Required. */
  host: pulumi.Input<string>;
  /** TCP port. Default 5432. */
  port?: number;
  /** A role that may create roles and databases and (through rds_superuser or superuser) the `vector` extension: on RDS/Aurora the master user. Required. */
  masterUsername: pulumi.Input<string>;
  /** Its password (pass a secret). Used only by the Job, from a Kubernetes Secret. Required. */
  masterPassword: pulumi.Input<string>;
  /** libpq sslmode of every connection ("require" or "disable"; RDS and Aurora accept "require"). Default "require". */
  sslMode?: string;
  /** Dify's login role (owner of both databases, no superuser, no CREATEDB/CREATEROLE). Default "dify". */
  appUsername?: string;
  /** Dify's role's password (secret, printable ASCII). Default: 40 generated letters and digits. */
  appPassword?: pulumi.Input<string>;
  /** Bump to rotate a generated password (the Job re-runs). Default 1. */
  appPasswordVersion?: number;
  /** Database of the Dify api (`DB_DATABASE`). Default "dify". */
  databaseName?: string;
  /** Database of the plugin daemon. Default "dify_plugin". */
  pluginDatabaseName?: string;
  /** Namespace of the Job, its Secret, ConfigMap and NetworkPolicy. Default "dify-db-bootstrap". */
  namespace?: string;
  /** Create that namespace (Pod Security "restricted" enforced). Default true. */
  createNamespace?: boolean;
  /** psql image; its uid must be 70 (the official postgres Alpine images). Default "postgres:16.14-alpine". */
  image?: string;
  /** Job timeout in minutes (the Pulumi await and `activeDeadlineSeconds`). Default 15. */
  timeoutMinutes?: number;
  /** Registry prefix (and optional digests) the Job's image is pulled through (components/k8s/images.ts). Default: the public image. */
  imageSource?: ImageSource;
}
