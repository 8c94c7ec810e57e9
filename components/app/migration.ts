/**
 * The database migration Job: `MODE=migration MIGRATION_ENABLED=true` (api entrypoint, ref §2),
 * one Job per Dify version. Its NAME carries the version, so an upgrade creates a new Job; the
 * api-image Deployments depend on it, and the Kubernetes provider waits for a Job to succeed
 * before dependents proceed (pulumi-kubernetes Job awaiter, PR #633), so an upgrade migrates once
 * and before the new pods start. A failed migration fails `pulumi up` and nothing rolls out.
 *
 * No ttlSecondsAfterFinished: a TTL-deleted Job would be recreated (migrations re-run) on the next
 * refresh + up. The old version's Job is deleted by Pulumi when the version changes (the logical
 * name changes with it). deleteBeforeReplace: any other spec change replaces a Job under the same
 * Kubernetes name, which must be deleted first.
 *
 * Before the migration, the `preflight` init container (preflight.ts) checks the database
 * prerequisites with the same login and fails with one message per missing one.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { API_RESOURCES, EnvGroup, ServiceSpec, k8sName, Placement, PriorityTier } from "./catalog";
import { configMapName, secretEnv } from "./env";
import { preflightContainer } from "./preflight";
import { versionSlug } from "./versions";
import { podLabels, placement, security, writableVolumes } from "./workload";

/** The migration pods as a pseudo catalog row (NetworkPolicies and security derive from it). */
export const MIGRATION: ServiceSpec = {
  key: "migration",
  image: "api",
  mode: "migration",
  health: { kind: "none", reason: "a Job: it runs to completion, and a failure fails pulumi up" },
  startupSeconds: 0,
  writablePaths: [{ name: "tmp", mountPath: "/tmp", sizeLimit: "1Gi" }],
  uid: 1001,
  gid: 1001,
  readOnlyRoot: true,
  resources: API_RESOURCES,
  replicas: 1,
  pdbMinAvailable: 0,
  placement: Placement.App,
  priority: PriorityTier.Standard,
  talksTo: [],
  usesDataStores: true,
  usesS3: true, // app start-up checks the bucket (aws_s3_storage.py head_bucket), so it needs IRSA
  envGroups: [EnvGroup.Api],
  serviceAccount: "api",
  terminationGraceSeconds: 30,
};

/** Kubernetes name of the migration Job of a version. */
export function migrationJobName(version: string): string {
  return `dify-migrate-${versionSlug(version)}`;
}

export interface MigrationContext {
  name: string;
  namespace: pulumi.Input<string>;
  version: string;
  image: string;
  /** The plugin daemon's database (checked by the preflight). */
  pluginDatabase: pulumi.Input<string>;
  nodePlacement: boolean;
  dependsOn: pulumi.Resource[];
  opts: pulumi.CustomResourceOptions;
}

export function migrationJob(ctx: MigrationContext): k8s.batch.v1.Job {
  const spec = MIGRATION;
  const { labels } = podLabels(ctx, { name: spec.key, spec });
  const sec = security(spec);
  const vols = writableVolumes(spec);
  const jobName = migrationJobName(ctx.version);
  const envFrom = [{ configMapRef: { name: configMapName(EnvGroup.Api) } }];
  return new k8s.batch.v1.Job(`${ctx.name}-migrate-${versionSlug(ctx.version)}`, {
    metadata: { name: jobName, namespace: ctx.namespace, labels },
    spec: {
      backoffLimit: 3,
      activeDeadlineSeconds: 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          serviceAccountName: k8sName(spec.serviceAccount),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          priorityClassName: `${ctx.name}-${spec.priority}`,
          securityContext: sec.pod,
          ...placement(spec.placement, ctx.nodePlacement),
          initContainers: [preflightContainer({
            image: ctx.image, pluginDatabase: ctx.pluginDatabase, env: secretEnv(EnvGroup.Api), envFrom,
            securityContext: sec.container, volumeMounts: vols.mounts,
          })],
          containers: [{
            name: "migrate",
            image: ctx.image,
            env: [
              { name: "MODE", value: "migration" },
              { name: "MIGRATION_ENABLED", value: "true" },
              ...secretEnv(EnvGroup.Api),
            ],
            envFrom,
            resources: {
              requests: { cpu: spec.resources.cpuRequest, memory: spec.resources.memoryRequest },
              limits: { cpu: spec.resources.cpuLimit, memory: spec.resources.memoryLimit },
            },
            securityContext: sec.container,
            volumeMounts: vols.mounts,
          }],
          volumes: vols.volumes,
        },
      },
    },
  }, {
    ...ctx.opts,
    dependsOn: ctx.dependsOn,
    deleteBeforeReplace: true,
    customTimeouts: { create: "60m", update: "60m" },
  });
}
