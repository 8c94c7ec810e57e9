/** DifyDatabaseHA: HA Postgres (pgvector) and Redis for Dify, plus its typed connection settings. */
export { DifyDatabaseHA } from "./databaseHA";
export { DifyDatabaseBootstrap } from "./databaseBootstrap";
export {
  BootstrapArgs,
  CacheEngine,
  ConnectionBudgetArgs,
  DataEndpoints,
  DifyDatabaseBootstrapArgs,
  DifyDatabaseHAArgs,
  MasterLogin,
  PoolSettings,
  PostgresArgs,
  PostgresConnectionValues,
  RedisArgs,
  RedisConnectionValues,
  ServerlessV2Args,
} from "./args";
export { computePoolSettings, estimateMaxConnections } from "./pool";
export { DataTierOutputs, poolEnv, poolSettingsFor, postgresConnectionFromValues, postgresConnectionOf, redisConnectionOf } from "./connection";
