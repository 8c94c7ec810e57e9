/**
 * ElastiCache (Valkey or Redis OSS) replication group: the managed form of the seed's Redis
 * Sentinel. Cluster mode stays disabled: Dify's redis-py client and Celery use one endpoint and
 * database 0/1, and Dify's non-cluster settings (REDIS_HOST) expect a single primary.
 *
 * AUTH token rules (ElastiCache "Authenticating with the Valkey and Redis OSS AUTH command"):
 * 16–128 printable characters, non-alphanumerics limited to ! & # $ ^ < > -, and only with
 * in-transit encryption. The token is 64 random alphanumerics: within the rules and safe to put
 * in a `rediss://:token@host:port/1` Celery broker URL without escaping.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { StoreInputs } from "./postgres";

export interface RedisResources {
  group: aws.elasticache.ReplicationGroup;
  authToken: random.RandomPassword;
}

export function createRedis(name: string, i: StoreInputs, parent: pulumi.Resource): RedisResources {
  const r = i.cfg.redis;
  const protect = i.cfg.protect;
  const nodes = 1 + r.replicaCount;
  const ha = r.replicaCount >= 1;

  const subnetGroup = new aws.elasticache.SubnetGroup(
    `${name}-redis`,
    { description: `Dify ${r.engine} (${name}): private subnets`, subnetIds: i.subnetIds, tags: i.tags },
    { parent },
  );
  const authToken = new random.RandomPassword(`${name}-redis-auth`, { length: 64, special: false }, { parent });

  const group = new aws.elasticache.ReplicationGroup(
    `${name}-redis`,
    {
      description: `Dify cache and Celery broker (${name})`,
      engine: r.engine,
      engineVersion: r.engineVersion,
      nodeType: r.nodeType,
      port: r.port,
      numCacheClusters: nodes,
      // With a replica: promote it automatically if the primary or its AZ fails.
      automaticFailoverEnabled: ha,
      multiAzEnabled: ha,
      // Primary first, then replicas round-robin over the zones (only read at creation).
      preferredCacheClusterAzs: i.zones.apply((z) => Array.from({ length: nodes }, (_, n) => z[n % z.length])),
      subnetGroupName: subnetGroup.name,
      securityGroupIds: [i.securityGroupId],
      atRestEncryptionEnabled: true,
      kmsKeyId: i.kmsKeyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      authToken: authToken.result,
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: r.snapshotRetentionDays,
      snapshotWindow: r.snapshotWindow,
      maintenanceWindow: r.maintenanceWindow,
      finalSnapshotIdentifier: protect ? pulumi.interpolate`${name.toLowerCase().replace(/[^a-z0-9-]/g, "-")}-redis-final-${i.snapshotSuffix}` : undefined,
      applyImmediately: i.cfg.applyImmediately,
      tags: i.tags,
    },
    { parent, protect },
  );
  return { group, authToken };
}
