export { DifyBackups } from "./backups";
export { DifyBackupsArgs, PostgresLogin } from "./args";
export { parseCron, toAwsCron } from "./cron";
export { preMigrationJobName } from "./jobs";
