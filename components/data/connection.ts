/**
 * Adapters from DifyDatabaseHA's outputs to the contracts DifyApp consumes
 * (components/contracts.ts). `db.postgres` / `db.redis` are secret as a whole because they carry
 * a password; these take every non-secret field from `db.endpoints`, so host names stay
 * readable in plans and ConfigMaps while the passwords stay secret Outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { PostgresConnection, RedisConnection } from "../contracts";
import { PoolSettings, PostgresConnectionValues } from "./args";
import { DifyDatabaseHASettings, resolveArgs } from "./validate";

/** Structural view of a DifyDatabaseHA (avoids an import cycle; any object with these outputs works). */
export interface DataTierOutputs {
  postgres: pulumi.Output<{ password: string }>;
  redis: pulumi.Output<{ password: string }>;
  endpoints: pulumi.Output<{
    postgresHost: string; postgresReaderHost: string; postgresPort: number; database: string; pluginDatabase: string;
    username: string; sslMode: string; redisHost: string; redisPort: number; redisUseTls: boolean;
  }>;
}

/** The Postgres contract for DifyApp: plain endpoints, secret password. */
export function postgresConnectionOf(db: DataTierOutputs): PostgresConnection {
  const e = db.endpoints;
  return {
    host: e.apply((x) => x.postgresHost),
    readerHost: e.apply((x) => x.postgresReaderHost),
    port: e.apply((x) => x.postgresPort),
    database: e.apply((x) => x.database),
    pluginDatabase: e.apply((x) => x.pluginDatabase),
    username: e.apply((x) => x.username),
    password: pulumi.secret(db.postgres.apply((p) => p.password)),
    sslMode: e.apply((x) => x.sslMode),
  };
}

/** The Redis contract for DifyApp: plain endpoint, secret AUTH token, TLS on. */
export function redisConnectionOf(db: DataTierOutputs): RedisConnection {
  const e = db.endpoints;
  return {
    host: e.apply((x) => x.redisHost),
    port: e.apply((x) => x.redisPort),
    password: pulumi.secret(db.redis.apply((r) => r.password)),
    useTls: e.apply((x) => x.redisUseTls),
  };
}

/**
 * The pool settings DifyDatabaseHA would output, as plain values (for places that need strings
 * at construction time, e.g. DifyApp's `extraEnv`). Validates the args the same way.
 */
export function poolSettingsFor(name: string, args: DifyDatabaseHASettings): PoolSettings {
  return resolveArgs(name, args).pool;
}

/** Env of the api image (api, worker, beat) and of the plugin daemon for these pool settings. */
export function poolEnv(p: PoolSettings): { api: Record<string, string>; pluginDaemon: Record<string, string> } {
  return {
    api: {
      SQLALCHEMY_POOL_SIZE: String(p.sqlalchemyPoolSize),
      SQLALCHEMY_MAX_OVERFLOW: String(p.sqlalchemyMaxOverflow),
      SQLALCHEMY_POOL_PRE_PING: "true", // drop connections cut by a failover before using them
      PGVECTOR_MAX_CONNECTION: String(p.pgvectorMaxConnection),
    },
    pluginDaemon: {
      DB_MAX_OPEN_CONNS: String(p.pluginDbMaxOpenConns),
      DB_MAX_IDLE_CONNS: String(p.pluginDbMaxIdleConns),
    },
  };
}

/**
 * DifyApp's `database` from a connection Output such as DifyDatabaseBootstrap's `postgres`: every
 * field an Output of it (so DifyApp waits for whatever that Output waits for), the password secret.
 */
export function postgresConnectionFromValues(v: pulumi.Output<PostgresConnectionValues>): PostgresConnection {
  // Only the password stays secret: the rest lands in ConfigMaps and pod specs, which a secret
  // field would turn into secrets wholesale.
  const plain = <K extends keyof PostgresConnectionValues>(k: K) => pulumi.unsecret(v.apply((x) => x[k]));
  return {
    host: plain("host"),
    readerHost: plain("readerHost"),
    port: plain("port"),
    database: plain("database"),
    pluginDatabase: plain("pluginDatabase"),
    username: plain("username"),
    password: pulumi.secret(v.apply((x) => x.password)),
    sslMode: plain("sslMode"),
  };
}
