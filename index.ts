/**
 * The Pulumi program (`pulumi up -s dev|prod`): read and validate the stack config, deploy, export
 * the outputs. The work is in program.ts so the offline plan and the tests run the same code.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "./components/config";
import { deployDify, DifyStackOutputs } from "./program";

function deploy(): DifyStackOutputs {
  let config;
  try {
    // Every key of every namespace, as the CLI passes them (values are strings; maps and lists JSON).
    config = parseStackConfig(pulumi.runtime.allConfig());
  } catch (e) {
    // RunError: the CLI prints the message alone, without a stack trace.
    if (e instanceof ConfigError) throw new pulumi.RunError(`${e.message}\nSee the configuration reference in README.md.`);
    throw e;
  }
  try {
    return deployDify(config);
  } catch (e) {
    // Component argument validation runs before anything is registered; show its message only.
    if (e instanceof Error && !(e instanceof pulumi.RunError)) throw new pulumi.RunError(e.message);
    throw e;
  }
}

const out = deploy();

/** Public URL of Dify. */
export const url = out.url;
/** Kubeconfig of the EKS cluster (secret): `pulumi stack output kubeconfig --show-secrets > kubeconfig`. */
export const kubeconfig = out.kubeconfig;
export const clusterName = out.clusterName;
export const namespace = out.namespace;
export const difyVersion = out.difyVersion;
export const serviceNames = out.serviceNames;
export const migrationJobName = out.migrationJobName;
export const vpcId = out.vpcId;
export const databaseEndpoint = out.databaseEndpoint;
export const databaseReaderEndpoint = out.databaseReaderEndpoint;
export const redisEndpoint = out.redisEndpoint;
export const uploadsBucket = out.uploadsBucket;
export const pluginBucket = out.pluginBucket;
export const backupBucket = out.backupBucket;
export const backupVaultArn = out.backupVaultArn;
export const backupNamespace = out.backupNamespace;
