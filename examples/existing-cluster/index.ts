/**
 * Dify alone on infrastructure you already run: an EKS cluster with the AWS Load Balancer
 * Controller, a PostgreSQL with pgvector, a Redis, two S3 buckets and an IAM role for Dify's
 * service accounts. Only `DifyApp` from `dify-aws`; see README.md for what must exist first.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { DifyApp, DifyDatabaseBootstrap, PostgresConnection, RedisConnection, postgresConnectionFromValues } from "dify-aws";

const config = new pulumi.Config();
const aws = new pulumi.Config("aws");

// Your cluster: any kubeconfig with rights to create namespaces, RBAC-free workloads and Ingresses.
const kubernetes = new k8s.Provider("existing-cluster", {
  kubeconfig: config.requireSecret("kubeconfig"),
  enableServerSideApply: true,
});

// Your database. Either Dify's role, its two databases and the `vector` and `uuid-ossp` extensions
// exist (README.md has the SQL; port 5432 and the names "dify" / "dify_plugin" are defaults), or,
// with `dbMasterPassword` set, DifyDatabaseBootstrap creates them from inside the cluster as your
// master user (the same Job DifyDatabaseHA runs) and generates Dify's password.
const masterPassword = config.getSecret("dbMasterPassword");
const database: PostgresConnection = masterPassword
  ? postgresConnectionFromValues(new DifyDatabaseBootstrap("dify-db", {
    host: config.require("dbHost"),
    masterUsername: config.get("dbMasterUser") ?? "postgres",
    masterPassword,
    sslMode: config.get("dbSslMode") === "disable" ? "disable" : "require",
  }, { providers: { kubernetes } }).postgres)
  : {
    host: config.require("dbHost"),
    readerHost: config.get("dbReaderHost") ?? config.require("dbHost"),
    username: config.get("dbUser") ?? "dify",
    password: config.requireSecret("dbPassword"),
    sslMode: config.get("dbSslMode") ?? "require",
  };

// Your Redis (port 6379 by default); TLS as ElastiCache with in-transit encryption requires.
const redis: RedisConnection = {
  host: config.require("redisHost"),
  password: config.requireSecret("redisPassword"),
  useTls: config.getBoolean("redisTls") ?? true,
};

const vpcCidr = config.require("vpcCidr");
const app = new DifyApp("dify", {
  domain: config.require("domain"),
  certificateArn: config.get("certificateArn"),
  database,
  redis,
  storage: {
    bucketName: config.require("uploadsBucket"),
    pluginBucketName: config.require("pluginBucket"),
    region: aws.require("region"),
    // Trusted for DIFY_APP_S3_SERVICE_ACCOUNTS in the namespace below: the uploads bucket (README.md).
    roleArn: config.require("storageRoleArn"),
    // Trusted for DIFY_PLUGIN_DAEMON_SERVICE_ACCOUNT only: the plugin bucket, nothing else (every
    // plugin inherits the daemon's credentials).
    pluginRoleArn: config.require("pluginRoleArn"),
  },
  namespace: config.get("namespace") ?? "dify",
  vpcCidrs: [vpcCidr],
  // Where Postgres and Redis listen: pods may reach them there, on their ports only.
  dataCidrs: config.requireObject<string[]>("dataCidrs"),
  // The ALB reaches the pods from inside the VPC (IP targets).
  ingressSourceCidrs: [vpcCidr],
  // No nodePlacement: your nodes carry no dify-aws node roles, so pods may run on any node.
}, { provider: kubernetes });

/** Open this once DNS points at the load balancer. */
export const url = app.url;
/** Point `domain` at this host name (CNAME or alias). */
export const loadBalancerHostname = app.loadBalancerHostname;
export const namespace = app.namespace;
