/**
 * DifyApp: every Dify service on Kubernetes, hardened and highly available (issue 3).
 * Given a Kubernetes provider (opts) and Postgres/Redis/S3 handles, it creates the namespace,
 * PriorityClasses, ServiceAccounts, configuration, the migration Job, the services of the
 * catalog, NetworkPolicies and the Ingress. Args are validated before anything is registered.
 */
import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { componentType } from "../contracts";
import { standardLabels } from "../k8s/labels";
import { podSecurityNamespaceLabels } from "../k8s/security";
import { DifyAppArgs } from "./args";
import { EnvGroup, PriorityTier, k8sName } from "./catalog";
import { EnvContext, configData, configMapName, createCredentials } from "./env";
import { backendAnnotations, buildIngress } from "./ingress";
import { MIGRATION, migrationJob, migrationJobName } from "./migration";
import { networkPolicies } from "./network";
import { squidConf } from "./squid";
import { resolvePlan } from "./validate";
import { buildWorkload } from "./workload";

/** PriorityClass values: critical above standard, both far below system-* classes. */
const PRIORITY_VALUES: Record<PriorityTier, number> = { [PriorityTier.Critical]: 100000, [PriorityTier.Standard]: 10000 };

export class DifyApp extends pulumi.ComponentResource {
  /** Public URL users open, e.g. "https://dify.example.com". */
  public readonly url: pulumi.Output<string>;
  /** Namespace everything runs in. */
  public readonly namespace: pulumi.Output<string>;
  /** Kubernetes Service name per catalog service (in-cluster DNS within the namespace). */
  public readonly serviceNames: pulumi.Output<Record<string, string>>;
  /** The Dify release running. */
  public readonly difyVersion: pulumi.Output<string>;
  /** Name of the migration Job of this release. */
  public readonly migrationJobName: pulumi.Output<string>;

  constructor(name: string, args: DifyAppArgs, opts?: pulumi.ComponentResourceOptions) {
    const plan = resolvePlan(name, args); // throws before anything is registered
    super(componentType("DifyApp"), name, {}, opts);
    const child: pulumi.CustomResourceOptions = { parent: this };
    const labels = (component: string) => standardLabels({ name: "dify", instance: name, component, version: plan.version });
    const publicUrl = `${args.certificateArn !== undefined ? "https" : "http"}://${args.domain}`;

    const ns = new k8s.core.v1.Namespace(`${name}-namespace`, {
      metadata: {
        name: plan.namespace,
        // PSA is per namespace: enforce baseline so the one documented exception (dify-sandbox, root +
        // SYS_CHROOT/SETUID/SETGID, all within baseline) can run; audit and warn at restricted so
        // anything else that drifts from restricted is reported.
        labels: { ...labels("namespace"), ...podSecurityNamespaceLabels("baseline") },
      },
    }, { ...child, protect: args.protect === true });
    const namespace = ns.metadata.name;
    const nsOpts: pulumi.CustomResourceOptions = { ...child, dependsOn: [ns] };

    for (const tier of Object.values(PriorityTier)) {
      new k8s.scheduling.v1.PriorityClass(`${name}-${tier}`, {
        metadata: { name: `${name}-${tier}`, labels: labels("priority") },
        value: PRIORITY_VALUES[tier],
        globalDefault: false,
        preemptionPolicy: tier === PriorityTier.Critical ? "PreemptLowerPriority" : "Never",
        description: tier === PriorityTier.Critical ? "Dify serving path: api, web, plugin daemon" : "Dify background work: workers, beat",
      }, child);
    }

    const ctx: EnvContext = {
      namespace: plan.namespace,
      publicUrl,
      database: args.database,
      redis: args.redis,
      storage: args.storage,
      extraEnv: args.extraEnv ?? {},
      extraWebEnv: args.extraWebEnv ?? {},
      websocket: args.enableWebsocketApi === true,
    };
    const credentials = createCredentials(name, namespace, ctx, labels("credentials"), nsOpts, args.protect === true);
    const configs = new Map<EnvGroup, k8s.core.v1.ConfigMap>();
    const hashes = new Map<EnvGroup, pulumi.Output<string>>();
    for (const g of Object.values(EnvGroup)) {
      const data = configData(g, ctx);
      configs.set(g, new k8s.core.v1.ConfigMap(`${name}-${g}-config`, {
        metadata: { name: configMapName(g), namespace, labels: labels(g) },
        data,
      }, nsOpts));
      hashes.set(g, pulumi.all(data).apply((d) => createHash("sha256").update(JSON.stringify(Object.entries(d).sort())).digest("hex").slice(0, 16)));
    }
    const conf = squidConf(plan.privateCidrs, 3128);
    const squid = new k8s.core.v1.ConfigMap(`${name}-ssrf-proxy-config`, {
      metadata: { name: "dify-ssrf-proxy-config", namespace, labels: labels("ssrf-proxy") },
      data: { "squid.conf": conf },
    }, nsOpts);

    // One ServiceAccount per identity; IRSA role only where S3 is used. Names are fixed
    // (DIFY_S3_SERVICE_ACCOUNTS) because the storage role's trust policy names them.
    const identities = new Map<string, boolean>();
    for (const s of [...plan.services.map((r) => r.spec), MIGRATION]) {
      identities.set(s.serviceAccount, (identities.get(s.serviceAccount) ?? false) || s.usesS3);
    }
    const sas: pulumi.Resource[] = [];
    for (const [sa, s3] of identities) {
      sas.push(new k8s.core.v1.ServiceAccount(`${name}-${sa}`, {
        metadata: {
          name: k8sName(sa),
          namespace,
          labels: labels(sa),
          annotations: s3 ? { "eks.amazonaws.com/role-arn": args.storage.roleArn } : undefined,
        },
        automountServiceAccountToken: false,
      }, nsOpts));
    }
    const prerequisites: pulumi.Resource[] = [ns, credentials, ...configs.values(), squid, ...sas];

    const migration = migrationJob({
      name, namespace, version: plan.version, image: plan.images.api, nodePlacement: plan.nodePlacement,
      dependsOn: prerequisites, opts: child,
    });

    const services: Record<string, string> = {};
    for (const s of plan.services) {
      const hash = pulumi.all(s.spec.envGroups.map((g) => hashes.get(g)!)).apply((h) => h.join("-") || createHash("sha256").update(conf).digest("hex").slice(0, 16));
      const isSquid = s.spec.key === "ssrf-proxy";
      const w = buildWorkload(s, {
        name,
        namespace,
        version: plan.version,
        image: plan.images[s.spec.image],
        nodePlacement: plan.nodePlacement,
        configHash: hash,
        extraVolumes: isSquid ? [{ name: "squid-conf", configMap: { name: "dify-ssrf-proxy-config" } }] : undefined,
        extraMounts: isSquid ? [{ name: "squid-conf", mountPath: "/etc/squid-dify", readOnly: true }] : undefined,
        // api-image pods start only after this version's schema migration succeeded.
        dependsOn: s.spec.image === "api" ? [...prerequisites, migration] : prerequisites,
        opts: child,
      }, backendAnnotations(s.spec));
      if (w.service) services[s.spec.key] = k8sName(s.name);
    }

    networkPolicies({
      name, namespace, labels: labels("network"),
      specs: [...dedupe(plan.services.map((s) => s.spec)), MIGRATION],
      dataCidrs: args.dataCidrs, dbPort: args.database.port, redisPort: args.redis.port,
      ingressSourceCidrs: args.ingressSourceCidrs, privateCidrs: plan.privateCidrs,
      opts: nsOpts,
    });

    buildIngress({
      name, namespace, labels: labels("ingress"), domain: args.domain, ingressClassName: plan.ingressClassName,
      certificateArn: args.certificateArn, internal: args.internalLoadBalancer === true,
      annotations: args.ingressAnnotations ?? {}, specs: dedupe(plan.services.map((s) => s.spec)),
      dependsOn: [ns], opts: child,
    });

    this.url = pulumi.output(publicUrl);
    this.namespace = namespace;
    this.serviceNames = pulumi.output(services);
    this.difyVersion = pulumi.output(plan.version);
    this.migrationJobName = migration.metadata.name.apply((n) => n ?? migrationJobName(plan.version));
    this.registerOutputs({
      url: this.url, namespace: this.namespace, serviceNames: this.serviceNames,
      difyVersion: this.difyVersion, migrationJobName: this.migrationJobName,
    });
  }
}

function dedupe<T extends { key: string }>(xs: T[]): T[] {
  return [...new Map(xs.map((x) => [x.key, x])).values()];
}
