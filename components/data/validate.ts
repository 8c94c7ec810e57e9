/**
 * Validation and defaulting of DifyDatabaseHA's args. Runs before `super(...)`, so bad input
 * throws before anything is registered and never half-creates a stack.
 */
import { CLOUDWATCH_LOG_RETENTION_DAYS } from "../aws/logRetention";
import { ImageSource, imageRef, validateImageSource } from "../k8s/images";
import { Problem, Problems } from "../checks";
import { CacheEngine, DifyDatabaseBootstrapArgs, DifyDatabaseHAArgs } from "./args";
import { PostgresEngine } from "../contracts";
import { computePoolSettings, ConnectionBudgetError, estimateMaxConnections } from "./pool";
import { PoolSettings } from "./args";

/** Args with every default applied; plain values only. */
export interface ResolvedConfig {
  protect: boolean;
  applyImmediately: boolean;
  databaseName: string;
  pluginDatabaseName: string;
  appUsername: string;
  appPasswordVersion: number;
  postgres: {
    engine: PostgresEngine;
    engineVersion: string;
    major: number;
    /** Parameter group family: aurora-postgresql<major> or postgres<major>. */
    family: string;
    /** "rds-instance": storage in GB (gp3). */
    allocatedStorageGb: number;
    /** "rds-instance": Multi-AZ standby. */
    multiAz: boolean;
    instanceClass: string;
    serverless?: { minCapacity: number; maxCapacity: number };
    readerCount: number;
    backupRetentionDays: number;
    preferredBackupWindow: string;
    preferredMaintenanceWindow: string;
    performanceInsights: boolean;
    enhancedMonitoringInterval: number;
    iamAuth: boolean;
    deletionProtection: boolean;
    cloudwatchLogs: boolean;
    logRetentionDays: number;
    logMinDurationStatementMs: number;
    idleInTransactionSessionTimeoutMs: number;
    port: number;
  };
  redis: {
    engine: CacheEngine;
    engineVersion: string;
    nodeType: string;
    replicaCount: number;
    snapshotRetentionDays: number;
    snapshotWindow: string;
    maintenanceWindow: string;
    port: number;
  };
  bootstrap: { enabled: boolean; namespace: string; createNamespace: boolean; image: string; timeoutMinutes: number };
  pool: PoolSettings;
}

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MINUTES_PER_WEEK = 7 * 24 * 60;
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function hhmm(s: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** "hh:mm-hh:mm" -> [start, end) in minutes of the day (end may pass midnight). */
function dailyWindow(s: string): [number, number] | undefined {
  const [a, b, ...rest] = s.split("-");
  if (rest.length || a === undefined || b === undefined) return undefined;
  const start = hhmm(a);
  let end = hhmm(b);
  if (start === undefined || end === undefined) return undefined;
  if (end <= start) end += 24 * 60;
  return [start, end];
}

/** "ddd:hh:mm-ddd:hh:mm" -> [start, end) in minutes of the week (end may wrap). */
function weeklyWindow(s: string): [number, number] | undefined {
  const m = /^([a-z]{3}):(\d\d:\d\d)-([a-z]{3}):(\d\d:\d\d)$/.exec(s);
  if (!m) return undefined;
  const d1 = DAYS.indexOf(m[1]);
  const d2 = DAYS.indexOf(m[3]);
  const t1 = hhmm(m[2]);
  const t2 = hhmm(m[4]);
  if (d1 < 0 || d2 < 0 || t1 === undefined || t2 === undefined) return undefined;
  const start = d1 * 1440 + t1;
  let end = d2 * 1440 + t2;
  if (end <= start) end += MINUTES_PER_WEEK;
  return [start, end];
}

/** True when the daily window, repeated on every day, overlaps the weekly window. */
function overlaps(daily: [number, number], weekly: [number, number]): boolean {
  for (let day = -1; day <= 14; day++) {
    const s = day * 1440 + daily[0];
    const e = day * 1440 + daily[1];
    if (s < weekly[1] && weekly[0] < e) return true;
  }
  return false;
}

/**
 * A daily backup/snapshot window and a weekly maintenance window: each well-formed and at least
 * `minMinutes` long (the engine's minimum), and not overlapping each other.
 */
function checkWindows(c: Checker, [dailyArg, daily]: [string, string], [weeklyArg, weekly]: [string, string], minMinutes: number): void {
  const d = dailyWindow(daily);
  const w = weeklyWindow(weekly);
  if (!d || d[1] - d[0] < minMinutes) c.fail(dailyArg, daily, `a UTC daily window "hh24:mi-hh24:mi" of at least ${minMinutes} minutes`);
  if (!w || w[1] - w[0] < minMinutes) c.fail(weeklyArg, weekly, `a UTC weekly window "ddd:hh24:mi-ddd:hh24:mi" of at least ${minMinutes} minutes`);
  if (d && w && overlaps(d, w)) c.fail(dailyArg, daily, `a window that does not overlap the maintenance window ${weekly}`);
}

/** The shared problem collector (components/checks) with this file's vocabulary. */
class Checker {
  readonly p: Problems;
  constructor(subject: string) {
    this.p = new Problems(subject);
  }
  get errors(): readonly Problem[] {
    return this.p.list;
  }
  fail(arg: string, given: unknown, allowed: string): void {
    this.p.add(arg, given, allowed);
  }
  int(arg: string, v: number, min: number, max: number): number {
    if (!Number.isInteger(v) || v < min || v > max) this.fail(arg, v, `an integer from ${min} to ${max}`);
    return v;
  }
  throwIfAny(): void {
    this.p.throwIfAny();
  }
}

/** The bootstrap image as pulled through `imageSource`; a bad prefix is reported like any argument. */
function pulledImage(c: Checker, image: string, src: ImageSource | undefined): string {
  c.p.absorb(() => validateImageSource("", "args.imageSource", src), "args.imageSource", src);
  try {
    return imageRef(image, src);
  } catch (e) {
    c.fail("args.imageSource", src, (e as Error).message);
    return image;
  }
}

/** Applies defaults and validates; throws one Error naming every bad argument. */
/** What DifyDatabaseHA validates without its network (the subnets and who may connect, often Outputs). */
export type DifyDatabaseHASettings = Omit<DifyDatabaseHAArgs, "vpcId" | "subnetIds" | "allowedSecurityGroupIds" | "allowedCidrBlocks" | "availabilityZones">;
/** The network arguments, checked when given. */
export type DifyDatabaseHANetwork = Pick<DifyDatabaseHAArgs, "vpcId" | "subnetIds" | "allowedSecurityGroupIds" | "allowedCidrBlocks" | "availabilityZones">;

/** The database, plugin database and login names (with the password version) both bootstrap paths check the same way. */
function checkNames(c: Checker, args: { databaseName?: string; pluginDatabaseName?: string; appUsername?: string; appPasswordVersion?: number }) {
  const databaseName = args.databaseName ?? "dify";
  const pluginDatabaseName = args.pluginDatabaseName ?? "dify_plugin";
  const appUsername = args.appUsername ?? "dify";
  for (const [arg, v] of [["args.databaseName", databaseName], ["args.pluginDatabaseName", pluginDatabaseName], ["args.appUsername", appUsername]]) {
    if (!IDENT.test(v) || ["postgres", "template0", "template1", "rdsadmin", "dify_admin", "dify_restore", "public"].includes(v)) {
      c.fail(arg, v, "a lower-case SQL identifier [a-z_][a-z0-9_]* (≤63 chars) that is not a reserved name");
    }
  }
  if (databaseName === pluginDatabaseName) c.fail("args.pluginDatabaseName", pluginDatabaseName, `a name different from args.databaseName ("${databaseName}")`);
  const appPasswordVersion = c.int("args.appPasswordVersion", args.appPasswordVersion ?? 1, 1, 1_000_000);
  return { databaseName, pluginDatabaseName, appUsername, appPasswordVersion };
}

/** The bootstrap Job's namespace, psql image and timeout; `prefix` is where they sit in the args ("args.bootstrap." or "args."). */
function checkJob(c: Checker, prefix: string, job: { namespace?: string; image?: string; timeoutMinutes?: number }) {
  const namespace = job.namespace ?? "dify-db-bootstrap";
  if (!DNS_LABEL.test(namespace)) c.fail(`${prefix}namespace`, namespace, "a DNS-1123 label (lower-case alphanumerics and '-', ≤63 chars)");
  const image = job.image ?? "postgres:16.14-alpine";
  if (!/^[^\s:@]+(:[\w.-]+)?(@sha256:[a-f0-9]{64})?$/.test(image) || !(image.includes(":") || image.includes("@"))) {
    c.fail(`${prefix}image`, image, "an image reference pinned by tag or digest");
  }
  const timeoutMinutes = c.int(`${prefix}timeoutMinutes`, job.timeoutMinutes ?? 15, 2, 120);
  return { namespace, image, timeoutMinutes };
}

export function resolveArgs(name: string, args: DifyDatabaseHASettings, network?: DifyDatabaseHANetwork): ResolvedConfig {
  const c = new Checker(`DifyDatabaseHA "${name}"`);
  const protect = args.protect ?? true;
  const pg = args.postgres ?? {};
  const rd = args.redis ?? {};
  const bs = args.bootstrap ?? {};

  // The name prefixes AWS identifiers: Aurora cluster ids (letter first, no "--"), ElastiCache
  // ids (lower case, ≤40 chars with Pulumi's 8-char suffix: "<name>-redis-xxxxxxx").
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 20) {
    c.fail("name", name, "1-20 lower-case letters, digits and single hyphens, starting with a letter (it prefixes AWS identifiers)");
  }
  if (network) {
    // A list output (another resource's) is counted by RDS itself; a plain list is checked here.
    const subnets = network.subnetIds;
    if (subnets === undefined || subnets === null || (Array.isArray(subnets) && subnets.length < 2)) {
      c.fail("args.subnetIds", Array.isArray(subnets) ? `${subnets.length} subnet(s)` : subnets,
        "an array of at least 2 private subnet ids in different AZs (RDS subnet groups need two AZs)");
    }
    const zones = network.availabilityZones;
    if (Array.isArray(zones) && Array.isArray(subnets) && zones.length !== subnets.length) {
      c.fail("args.availabilityZones", `${zones.length} zone(s)`, `one zone per subnet (${subnets.length})`);
    }
    const sgCount = network.allowedSecurityGroupIds?.length ?? 0;
    const cidrCount = network.allowedCidrBlocks?.length ?? 0;
    if (sgCount + cidrCount === 0) {
      c.fail("args.allowedSecurityGroupIds/allowedCidrBlocks", [], "at least one security group or CIDR block (otherwise nothing can reach the databases)");
    }
    for (const cidr of network.allowedCidrBlocks ?? []) {
      if (typeof cidr === "string" && (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr) || cidr === "0.0.0.0/0")) {
        c.fail("args.allowedCidrBlocks[]", cidr, "an IPv4 CIDR narrower than 0.0.0.0/0");
      }
    }
  }

  // --- Postgres
  const pgEngine = (pg.engine ?? PostgresEngine.Aurora) as PostgresEngine;
  if (!Object.values(PostgresEngine).includes(pgEngine)) c.fail("args.postgres.engine", pg.engine, `"aurora" or "rds-instance"`);
  const instanceMode = pgEngine === PostgresEngine.RdsInstance;
  const engineVersion = pg.engineVersion ?? "16";
  const ev = /^(\d+)(\.\d+)?$/.exec(engineVersion);
  const major = ev ? Number(ev[1]) : NaN;
  if (!ev || major < 15 || major > 18) {
    c.fail("args.postgres.engineVersion", engineVersion, `a PostgreSQL version "<major>" or "<major>.<minor>" with major 15..18 (pgvector with HNSW; Dify supports 15+)`);
  }
  let serverless: { minCapacity: number; maxCapacity: number } | undefined;
  if (pg.serverless && instanceMode) {
    c.fail("args.postgres.serverless", pg.serverless, `unset with args.postgres.engine "rds-instance" (Serverless v2 is Aurora only; pick an args.postgres.instanceClass such as "db.t4g.small")`);
  } else if (pg.serverless) {
    const min = pg.serverless.minCapacity ?? 0.5;
    const max = pg.serverless.maxCapacity ?? 4;
    const halfStep = (v: number) => Number.isFinite(v) && Math.round(v * 2) === v * 2;
    if (!halfStep(min) || min < 0 || min > 256) c.fail("args.postgres.serverless.minCapacity", min, "0..256 ACU in steps of 0.5");
    if (!halfStep(max) || max < 1 || max > 256 || max < min) c.fail("args.postgres.serverless.maxCapacity", max, `1..256 ACU in steps of 0.5 and ≥ minCapacity (${min})`);
    serverless = { minCapacity: min, maxCapacity: max };
  }
  const instanceClass = serverless ? "db.serverless" : pg.instanceClass ?? (instanceMode ? "db.t4g.small" : "db.r7g.large");
  if (instanceMode) {
    if (!/^db\.[a-z0-9-]+\.[a-z0-9]+$/.test(instanceClass) || instanceClass === "db.serverless") {
      c.fail("args.postgres.instanceClass", instanceClass, `an RDS for PostgreSQL instance class "db.<family>.<size>" such as "db.t4g.small" (db.serverless is Aurora only)`);
    }
  } else if (!serverless) {
    if (!/^db\.[a-z0-9-]+\.[a-z0-9]+$/.test(instanceClass) || instanceClass === "db.serverless") {
      c.fail("args.postgres.instanceClass", instanceClass, `an RDS instance class "db.<family>.<size>" such as "db.r7g.large" (for Serverless v2 set args.postgres.serverless)`);
    } else if (/^db\.t\d+g?\.(micro|small)$/.test(instanceClass)) {
      c.fail("args.postgres.instanceClass", instanceClass, "a class Aurora PostgreSQL supports (the smallest T classes are db.t3.medium / db.t4g.medium; micro and small need args.postgres.engine \"rds-instance\")");
    }
  }
  const readerCount = c.int("args.postgres.readerCount", pg.readerCount ?? (instanceMode ? 0 : 1), 0, 15);
  if (instanceMode && readerCount > 0) c.fail("args.postgres.readerCount", readerCount, `0 with args.postgres.engine "rds-instance" (one DB instance; set args.postgres.multiAz for a standby in another AZ)`);
  const allocatedStorageGb = c.int("args.postgres.allocatedStorageGb", pg.allocatedStorageGb ?? 20, 20, 65536);
  const multiAz = pg.multiAz ?? false;
  if (!instanceMode) {
    if (pg.allocatedStorageGb !== undefined) c.fail("args.postgres.allocatedStorageGb", pg.allocatedStorageGb, `unset with args.postgres.engine "aurora" (Aurora storage grows by itself)`);
    if (pg.multiAz !== undefined) c.fail("args.postgres.multiAz", pg.multiAz, `unset with args.postgres.engine "aurora" (readers in other AZs are its failover targets: args.postgres.readerCount)`);
  }
  const backupRetentionDays = c.int("args.postgres.backupRetentionDays", pg.backupRetentionDays ?? 30, 1, 35);
  const backupWindow = pg.preferredBackupWindow ?? "03:00-04:00";
  const maintWindow = pg.preferredMaintenanceWindow ?? "sun:04:30-sun:05:30";
  checkWindows(c, ["args.postgres.preferredBackupWindow", backupWindow], ["args.postgres.preferredMaintenanceWindow", maintWindow], 30);
  const emi = pg.enhancedMonitoringInterval ?? 60;
  if (![0, 1, 5, 10, 15, 30, 60].includes(emi)) c.fail("args.postgres.enhancedMonitoringInterval", emi, "one of 0, 1, 5, 10, 15, 30, 60 (seconds)");
  const port = c.int("args.postgres.port", pg.port ?? 5432, 1150, 65535);
  const logRetentionDays = pg.logRetentionDays ?? 30;
  if (!CLOUDWATCH_LOG_RETENTION_DAYS.includes(logRetentionDays)) c.fail("args.postgres.logRetentionDays", logRetentionDays, `one of ${CLOUDWATCH_LOG_RETENTION_DAYS.join(", ")} (days CloudWatch Logs accepts)`);
  const lmd = pg.logMinDurationStatementMs ?? 1000;
  if (!Number.isInteger(lmd) || lmd < -1) c.fail("args.postgres.logMinDurationStatementMs", lmd, "-1 (off) or a non-negative integer of milliseconds");
  const iit = pg.idleInTransactionSessionTimeoutMs ?? 3_600_000;
  if (!Number.isInteger(iit) || iit < 0) c.fail("args.postgres.idleInTransactionSessionTimeoutMs", iit, "0 (off) or a positive integer of milliseconds");

  // --- Redis
  const engine = (rd.engine ?? CacheEngine.Valkey) as CacheEngine;
  if (!Object.values(CacheEngine).includes(engine)) c.fail("args.redis.engine", rd.engine, `"valkey" or "redis"`);
  const redisVersion = rd.engineVersion ?? (engine === CacheEngine.Redis ? "7.1" : "8.2");
  const rv = /^(\d+)\.(\d+)$/.exec(redisVersion);
  const rvNum = rv ? Number(rv[1]) + Number(rv[2]) / 10 : NaN;
  const minVersion = engine === CacheEngine.Redis ? 7.0 : 7.2; // TLS + AUTH + transitEncryptionMode (Redis OSS 7.0.5+)
  if (!rv || rvNum < minVersion) c.fail("args.redis.engineVersion", redisVersion, `"<major>.<minor>" ≥ ${minVersion} for ${engine}`);
  const nodeType = rd.nodeType ?? "cache.r7g.large";
  if (!/^cache\.[a-z0-9-]+\.[a-z0-9]+$/.test(nodeType)) c.fail("args.redis.nodeType", nodeType, `an ElastiCache node type "cache.<family>.<size>" such as "cache.r7g.large"`);
  else if (/^cache\.(t1|t2|m1|m2|m3|c1|r3)\./.test(nodeType)) c.fail("args.redis.nodeType", nodeType, "a current-generation node type (TLS, AUTH and Multi-AZ are not offered on previous generations)");
  const replicaCount = c.int("args.redis.replicaCount", rd.replicaCount ?? 1, 0, 5);
  const snapshotRetentionDays = c.int("args.redis.snapshotRetentionDays", rd.snapshotRetentionDays ?? 7, 0, 35);
  const snapWindow = rd.snapshotWindow ?? "02:00-03:00";
  const redisMaint = rd.maintenanceWindow ?? "sun:05:30-sun:06:30";
  checkWindows(c, ["args.redis.snapshotWindow", snapWindow], ["args.redis.maintenanceWindow", redisMaint], 60);
  const redisPort = c.int("args.redis.port", rd.port ?? 6379, 1024, 65535);

  // --- Names
  const { databaseName, pluginDatabaseName, appUsername, appPasswordVersion } = checkNames(c, args);

  // --- Bootstrap
  const { namespace, image, timeoutMinutes } = checkJob(c, "args.bootstrap.", bs);

  // --- Connection budget
  let pool: PoolSettings | undefined;
  if (!Number.isNaN(major) && c.errors.length === 0) {
    const maxConnections = estimateMaxConnections(instanceClass, serverless?.maxCapacity, pgEngine);
    if (maxConnections === undefined) {
      c.fail("args.postgres.instanceClass", instanceClass, `a class of a known size (${instanceMode ? "micro, small, " : ""}medium, large, xlarge, <n>xlarge) so max_connections can be estimated`);
    } else {
      try {
        pool = computePoolSettings(maxConnections, args.connectionBudget ?? {});
      } catch (e) {
        if (e instanceof ConnectionBudgetError) {
          // Too small for the pools: the database size is what to change (or the ceilings).
          const [arg, got, what] = serverless
            ? ["args.postgres.serverless.maxCapacity", serverless.maxCapacity, "a Serverless v2 maximum"]
            : ["args.postgres.instanceClass", instanceClass, "a class"];
          c.fail(arg, got, `${what} whose max_connections holds every Dify pool at the replica ceilings in args.connectionBudget, or lower ceilings: ${e.message}`);
        } else {
          // A budget field out of range: the pool arithmetic names it.
          c.fail("args.connectionBudget", args.connectionBudget, (e as Error).message);
        }
      }
    }
  }
  c.throwIfAny();

  return {
    protect,
    applyImmediately: args.applyImmediately ?? false,
    databaseName,
    pluginDatabaseName,
    appUsername,
    appPasswordVersion,
    postgres: {
      engine: pgEngine,
      engineVersion,
      major,
      family: instanceMode ? `postgres${major}` : `aurora-postgresql${major}`,
      allocatedStorageGb,
      multiAz,
      instanceClass,
      serverless,
      readerCount,
      backupRetentionDays,
      preferredBackupWindow: backupWindow,
      preferredMaintenanceWindow: maintWindow,
      performanceInsights: pg.performanceInsights ?? true,
      enhancedMonitoringInterval: emi,
      iamAuth: pg.iamAuth ?? false,
      deletionProtection: pg.deletionProtection ?? protect,
      cloudwatchLogs: pg.cloudwatchLogs ?? true,
      logRetentionDays,
      logMinDurationStatementMs: lmd,
      idleInTransactionSessionTimeoutMs: iit,
      port,
    },
    redis: { engine, engineVersion: redisVersion, nodeType, replicaCount, snapshotRetentionDays, snapshotWindow: snapWindow, maintenanceWindow: redisMaint, port: redisPort },
    bootstrap: { enabled: bs.enabled ?? true, namespace, createNamespace: bs.createNamespace ?? true, image: pulledImage(c, image, args.imageSource), timeoutMinutes },
    pool: pool as PoolSettings,
  };
}

/** DifyDatabaseBootstrap's args with defaults applied (plain values; the connection stays Input). */
export interface ResolvedBootstrapConfig {
  port: number;
  sslMode: "require" | "disable";
  appUsername: string;
  appPasswordVersion: number;
  databaseName: string;
  pluginDatabaseName: string;
  namespace: string;
  createNamespace: boolean;
  image: string;
  timeoutMinutes: number;
}

/** Applies DifyDatabaseBootstrap's defaults and validates; throws one Error naming every bad argument. */
export function resolveBootstrapArgs(name: string, args: DifyDatabaseBootstrapArgs): ResolvedBootstrapConfig {
  const c = new Checker(`DifyDatabaseBootstrap "${name}"`);
  if (args.host === undefined || args.host === null || args.host === "") c.fail("args.host", args.host, "your PostgreSQL's host name, reachable from the cluster's pods");
  if (args.masterUsername === undefined || args.masterUsername === null || args.masterUsername === "") c.fail("args.masterUsername", args.masterUsername, "a role that can create roles and databases (on RDS/Aurora the master user)");
  if (args.masterPassword === undefined || args.masterPassword === null) c.fail("args.masterPassword", args.masterPassword, "the master user's password (a secret)");
  const port = c.int("args.port", args.port ?? 5432, 1, 65535);
  const sslMode = (args.sslMode ?? "require") as ResolvedBootstrapConfig["sslMode"];
  if (sslMode !== "require" && sslMode !== "disable") c.fail("args.sslMode", sslMode, `"require" or "disable"`);
  const { databaseName, pluginDatabaseName, appUsername, appPasswordVersion } = checkNames(c, args);
  const { namespace, image, timeoutMinutes } = checkJob(c, "args.", args);
  const pulled = pulledImage(c, image, args.imageSource);
  c.throwIfAny();
  return { port, sslMode, appUsername, appPasswordVersion, databaseName, pluginDatabaseName, namespace, createNamespace: args.createNamespace ?? true, image: pulled, timeoutMinutes };
}
