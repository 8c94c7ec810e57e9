import { strict as assert } from "assert";
import { computePoolSettings, DifyDatabaseHA, DifyDatabaseHAArgs, estimateMaxConnections, poolSettingsFor } from "../components/data";
import { runUnderMocks } from "../program/plan/monitor";
import { PostgresEngine } from "../components/contracts";

const good = (over: Partial<DifyDatabaseHAArgs> = {}): DifyDatabaseHAArgs => ({
  vpcId: "vpc-123",
  subnetIds: ["subnet-private-a", "subnet-private-b"],
  allowedSecurityGroupIds: ["sg-eks-nodes"],
  ...over,
});

/** Constructs the component expecting a refusal; returns the message and what got registered. */
async function refused(args: DifyDatabaseHAArgs) {
  const run = await runUnderMocks(() => {
    try {
      new DifyDatabaseHA("prod", args);
      return "";
    } catch (e) {
      return (e as Error).message;
    }
  }, { stack: "prod" });
  return { message: run.value, registered: run.resources.length };
}

describe("DifyDatabaseHA refuses bad args before creating anything", () => {
  const cases: [string, Partial<DifyDatabaseHAArgs>, RegExp][] = [
    ["retention below 1 day", { postgres: { backupRetentionDays: 0 } }, /args\.postgres\.backupRetentionDays: got 0, allowed an integer from 1 to 35/],
    ["retention above 35 days", { postgres: { backupRetentionDays: 36 } }, /args\.postgres\.backupRetentionDays: got 36, allowed an integer from 1 to 35/],
    ["reader count out of range", { postgres: { readerCount: 16 } }, /args\.postgres\.readerCount: got 16, allowed an integer from 0 to 15/],
    ["negative reader count", { postgres: { readerCount: -1 } }, /args\.postgres\.readerCount: got -1, allowed an integer from 0 to 15/],
    ["an instance class that is not db.*", { postgres: { instanceClass: "r7g.large" } }, /args\.postgres\.instanceClass: got "r7g\.large", allowed an RDS instance class "db\.<family>\.<size>"/],
    ["a cache class as DB class", { postgres: { instanceClass: "cache.r7g.large" } }, /args\.postgres\.instanceClass/],
    ["a T class Aurora does not offer", { postgres: { instanceClass: "db.t4g.micro" } }, /args\.postgres\.instanceClass: got .*, allowed a class Aurora PostgreSQL supports/],
    ["a node type that is not cache.*", { redis: { nodeType: "db.r7g.large" } }, /args\.redis\.nodeType: got "db\.r7g\.large", allowed an ElastiCache node type "cache\.<family>\.<size>"/],
    ["a previous-generation node type", { redis: { nodeType: "cache.t2.micro" } }, /args\.redis\.nodeType: got .*, allowed a current-generation node type/],
    ["too many Redis replicas", { redis: { replicaCount: 6 } }, /args\.redis\.replicaCount: got 6, allowed an integer from 0 to 5/],
    ["an unknown cache engine", { redis: { engine: "memcached" } }, /args\.redis\.engine: got "memcached", allowed "valkey" or "redis"/],
    ["a Valkey version without TLS+AUTH support", { redis: { engineVersion: "7.0" } }, /args\.redis\.engineVersion: got .*, allowed "<major>\.<minor>" ≥ 7\.2 for valkey/],
    ["a Postgres major without pgvector HNSW", { postgres: { engineVersion: "13.9" } }, /args\.postgres\.engineVersion: got "13\.9", allowed .*major 15\.\.18/],
    ["one subnet", { subnetIds: ["subnet-private-a"] }, /args\.subnetIds: got .*, allowed an array of at least 2 private subnet ids/],
    ["nobody allowed in", { allowedSecurityGroupIds: [] }, /args\.allowedSecurityGroupIds\/allowedCidrBlocks: got \[\], allowed at least one/],
    ["the whole internet allowed in", { allowedCidrBlocks: ["0.0.0.0/0"] }, /args\.allowedCidrBlocks\[\]: got .*, allowed an IPv4 CIDR narrower than 0\.0\.0\.0\/0/],
    ["backup window overlapping maintenance", { postgres: { preferredBackupWindow: "04:00-05:00", preferredMaintenanceWindow: "sun:04:30-sun:05:30" } }, /args\.postgres\.preferredBackupWindow: got .*, allowed a window that does not overlap/],
    ["a malformed maintenance window", { postgres: { preferredMaintenanceWindow: "sunday 4am" } }, /args\.postgres\.preferredMaintenanceWindow: got .*, allowed a UTC weekly window/],
    ["a too-short Redis snapshot window", { redis: { snapshotWindow: "02:00-02:30" } }, /args\.redis\.snapshotWindow: got .*, allowed a UTC daily window .*at least 60 minutes/],
    ["an enhanced monitoring interval RDS rejects", { postgres: { enhancedMonitoringInterval: 20 } }, /args\.postgres\.enhancedMonitoringInterval: got .*, allowed one of 0, 1, 5, 10, 15, 30, 60/],
    ["serverless max below min", { postgres: { serverless: { minCapacity: 4, maxCapacity: 2 } } }, /args\.postgres\.serverless\.maxCapacity: got 2, allowed 1\.\.256 ACU/],
    ["a database name that is not an identifier", { databaseName: "dify-db" }, /args\.databaseName: got .*, allowed a lower-case SQL identifier/],
    ["the same name for both databases", { pluginDatabaseName: "dify" }, /args\.pluginDatabaseName: got .*, allowed a name different from args\.databaseName/],
    ["an unpinned bootstrap image", { bootstrap: { image: "postgres" } }, /args\.bootstrap\.image: got .*, allowed an image reference pinned by tag or digest/],
    ["replica ceilings a small instance cannot serve", { postgres: { instanceClass: "db.t4g.medium" }, connectionBudget: { apiReplicas: 40, workerReplicas: 40 } }, /args\.postgres\.instanceClass: got "db\.t4g\.medium", allowed a class whose max_connections holds every Dify pool.* but ~405 max_connections/],
  ];
  for (const [what, over, expected] of cases) {
    it(`refuses ${what}`, async () => {
      const { message, registered } = await refused(good(over));
      assert.match(message, /^DifyDatabaseHA "prod": /, "names the component");
      assert.match(message, expected);
      assert.equal(registered, 0, "nothing registered");
    });
  }

  it("refuses a component name AWS identifiers cannot carry", async () => {
    const run = await runUnderMocks(() => {
      try {
        new DifyDatabaseHA("Prod_DB", good());
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    }, { stack: "prod" });
    assert.match(run.value, /^DifyDatabaseHA "Prod_DB": name: got "Prod_DB", allowed 1-20 lower-case letters/);
    assert.equal(run.resources.length, 0);
  });

  it("reports every bad argument at once", async () => {
    const { message } = await refused(good({ postgres: { backupRetentionDays: 99, readerCount: 20 }, redis: { nodeType: "m5.large" } }));
    for (const arg of ["backupRetentionDays", "readerCount", "nodeType"]) assert.match(message, new RegExp(`args\\.(postgres|redis)\\.${arg}`));
  });
});

describe("DifyDatabaseHA connection budget", () => {
  it("estimates max_connections like Aurora's LEAST(DBInstanceClassMemory/9531392, 5000)", () => {
    assert.equal(estimateMaxConnections("db.t4g.medium"), 405, "AWS's published value for 4 GiB T classes");
    assert.equal(estimateMaxConnections("db.r7g.large"), 1622);
    assert.equal(estimateMaxConnections("db.r7g.4xlarge"), 5000, "capped");
    assert.equal(estimateMaxConnections("db.serverless", 1), 202);
  });

  it("keeps Dify's default pools in prod: every pod at its ceiling fits one db.r7g.large", () => {
    const p = poolSettingsFor("prod", good());
    assert.deepEqual([p.sqlalchemyPoolSize, p.sqlalchemyMaxOverflow, p.pgvectorMaxConnection, p.pluginDbMaxOpenConns], [30, 10, 5, 30]);
    // (api 10+1) + (worker 10+1) + beat 1 + migration 1 = 24 processes x 45, plugin daemon (2+1) x 30.
    assert.equal(p.worstCaseConnections, 24 * 45 + 3 * 30);
    assert.ok(p.worstCaseConnections <= p.maxConnections - 20);
  });

  it("shrinks the pools in dev so the small instance is never exhausted", () => {
    const p = poolSettingsFor("dev", good({ postgres: { instanceClass: "db.t4g.medium", readerCount: 0 }, connectionBudget: { apiReplicas: 2, workerReplicas: 2, pluginDaemonReplicas: 1 } }));
    // The README's dev column: (3 + 3 + 1 + 1) x (28 + 9 + 4) + 2 x 27 = 382 <= 405 - 20.
    assert.deepEqual([p.sqlalchemyPoolSize, p.sqlalchemyMaxOverflow, p.pgvectorMaxConnection, p.pluginDbMaxOpenConns], [28, 9, 4, 27]);
    assert.equal(p.worstCaseConnections, 382);
    assert.ok(p.worstCaseConnections <= 405 - 20);
  });

  it("scales any budget under the limit, never below the sessions a worker process needs", () => {
    for (const max of [183, 300, 405, 811, 1622, 5000]) {
      for (const api of [1, 3, 10]) {
        for (const sessions of [4, 16]) {
          let p;
          try {
            p = computePoolSettings(max, { apiReplicas: api, workerReplicas: api, pluginDaemonReplicas: 2, sessionsPerProcess: sessions });
          } catch (e) {
            // Refused only when the pools would have to drop below the sessions (or 8) per process.
            assert.match((e as Error).message, new RegExp(`need at least ${sessions} SQLAlchemy connections`), `${max}/${api}/${sessions}`);
            continue;
          }
          assert.ok(p.worstCaseConnections <= max - 20, `${max}/${api}: ${p.worstCaseConnections}`);
          assert.ok(p.sqlalchemyPoolSize + p.sqlalchemyMaxOverflow >= sessions, `${max}/${api}: pool + overflow holds ${sessions} sessions`);
        }
      }
    }
    // 24 processes on ~300 connections fit only 10 each: refused with the default 16, not shrunk below it.
    assert.throws(() => computePoolSettings(300, { apiReplicas: 10, workerReplicas: 10, pluginDaemonReplicas: 2 }), /~300 max_connections \(20 reserved\) fit 10 each/);
  });

  it("estimates an RDS for PostgreSQL instance below every measured max_connections (198 on 2 GiB, 413 on 4 GiB)", () => {
    assert.equal(estimateMaxConnections("db.t4g.micro", undefined, PostgresEngine.RdsInstance), 70);
    assert.equal(estimateMaxConnections("db.t4g.small", undefined, PostgresEngine.RdsInstance), 183);
    assert.ok(estimateMaxConnections("db.t4g.medium", undefined, PostgresEngine.RdsInstance)! <= 413);
    assert.equal(estimateMaxConnections("db.t4g.medium"), 405, "Aurora's estimate is unchanged");
  });

  it("rds-instance: db.t4g.micro cannot hold dev's honest pools; db.t4g.small can with dev's ceilings (api 2, worker 2)", () => {
    const dev = { apiReplicas: 2, workerReplicas: 2, pluginDaemonReplicas: 1 };
    assert.throws(() => poolSettingsFor("dev", good({ postgres: { engine: "rds-instance", instanceClass: "db.t4g.micro" }, connectionBudget: dev })), /args\.postgres\.instanceClass: got "db\.t4g\.micro", allowed a class whose max_connections/);
    const p = poolSettingsFor("dev", good({ postgres: { engine: "rds-instance", instanceClass: "db.t4g.small" }, connectionBudget: dev }));
    assert.equal(p.maxConnections, 183);
    assert.ok(p.sqlalchemyPoolSize + p.sqlalchemyMaxOverflow >= 16);
    assert.ok(p.worstCaseConnections <= 183 - 20);
    // Dev's previous ceilings (3 and 3) do not fit: the pools would drop below 16.
    assert.throws(() => poolSettingsFor("dev", good({ postgres: { engine: "rds-instance", instanceClass: "db.t4g.small" }, connectionBudget: { ...dev, apiReplicas: 3, workerReplicas: 3 } })), /fit 14 each/);
  });

  it("rds-instance: refuses Aurora-only settings and Aurora refuses instance-only ones, naming the argument", () => {
    const refused = (a: object, arg: string, allowed: RegExp) => {
      assert.throws(() => poolSettingsFor("dev", good(a)), (e: Error) => e.message.includes(arg) && allowed.test(e.message));
    };
    refused({ postgres: { engine: "rds-instance", serverless: { minCapacity: 0.5, maxCapacity: 4 } } }, "args.postgres.serverless", /Serverless v2 is Aurora only/);
    refused({ postgres: { engine: "rds-instance", instanceClass: "db.serverless" } }, "args.postgres.instanceClass", /db\.serverless is Aurora only/);
    refused({ postgres: { engine: "rds-instance", readerCount: 1 } }, "args.postgres.readerCount", /multiAz/);
    refused({ postgres: { engine: "rds-instance", allocatedStorageGb: 10 } }, "args.postgres.allocatedStorageGb", /20 to 65536/);
    refused({ postgres: { engine: "mysql" } }, "args.postgres.engine", /"aurora" or "rds-instance"/);
    refused({ postgres: { allocatedStorageGb: 50 } }, "args.postgres.allocatedStorageGb", /Aurora storage grows by itself/);
    refused({ postgres: { multiAz: true } }, "args.postgres.multiAz", /readerCount/);
    refused({ postgres: { instanceClass: "db.t4g.small" } }, "args.postgres.instanceClass", /rds-instance/);
  });
});
