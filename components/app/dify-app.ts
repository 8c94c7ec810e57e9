/**
 * DifyApp: every Dify service on Kubernetes, hardened and highly available (issue 3).
 * Given a Kubernetes provider (opts) and Postgres/Redis/S3 handles, it creates the namespace,
 * PriorityClasses, ServiceAccounts, configuration, the migration Job, the services of the
 * catalog, NetworkPolicies and the Ingress. Args are validated before anything is registered.
 */
import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { componentType, withPostgresDefaults, withRedisDefaults } from "../contracts";
import { standardLabels } from "../k8s/labels";
import { podSecurityNamespaceLabels } from "../k8s/security";
import { DifyAppArgs } from "./args";
import { EnvGroup, PriorityTier, k8sName, namespaceFor, portOf, readersOf, rowOf } from "./catalog";
import { EnvContext, configData, configMapName, createCredentials } from "./env";
import { ALB_INGRESS_CLASS, BACKEND_PORT_NAME, GROUP_NAME_ANNOTATION, INGRESS_NAME, backendAnnotations, buildIngress } from "./ingress";
import { MIGRATION, migrationJob, migrationJobName } from "./migration";
import { networkPolicies } from "./network";
import { mailEnv, mailSecret, smtpPort } from "./mail";
import { telemetryEnv } from "./telemetry";
import { squidConf } from "./squid";
import { resolvePlan } from "./validate";
import { redisTriggerAuth } from "./queueScaling";
import { DEFAULT_MEAN_REQUEST_SECONDS, RequestScaler, cloudWatchTriggerAuth, requestsPerPodMinute } from "./requestScaling";
import { ingressTargetGroup, lookupLoadBalancer } from "../aws/loadBalancer";
import { buildWorkload } from "./workload";

/** PriorityClass values: critical above standard, both far below system-* classes. */
const PRIORITY_VALUES: Record<PriorityTier, number> = { [PriorityTier.Critical]: 100000, [PriorityTier.Standard]: 10000 };

/**
 * Dify itself (`dify-aws:index:DifyApp`) on any EKS cluster with the AWS Load Balancer
 * Controller: every Dify service from one catalog (api, worker, beat, web, sandbox, plugin
 * daemon, SSRF proxy), hardened to Pod Security "restricted", with generated secrets, a migration
 * Job per version, PodDisruptionBudgets, autoscaling, default-deny NetworkPolicies and an ALB
 * Ingress. It needs an existing Postgres (with Dify's role, both databases and the `vector` and
 * `uuid-ossp` extensions), Redis and S3: DifyDatabaseHA and DifyStorage provide them, or bring
 * your own (examples/existing-cluster). No node constraints unless `nodePlacement` is true.
 */
export class DifyApp extends pulumi.ComponentResource {
  /** Public URL users open, e.g. "https://dify.example.com". */
  public readonly url: pulumi.Output<string>;
  /** Namespace the app runs in (the sandbox runs in `<namespace>-sandbox`). */
  public readonly namespace: pulumi.Output<string>;
  /** Kubernetes Service name per catalog service (`<svc>` in the app namespace, `<svc>.<ns>` elsewhere). */
  public readonly serviceNames: pulumi.Output<Record<string, string>>;
  /** The Dify release running. */
  public readonly difyVersion: pulumi.Output<string>;
  /** Name of the migration Job of this release. */
  public readonly migrationJobName: pulumi.Output<string>;
  /**
   * The first-install password (INIT_PASSWORD, secret): Dify's /install page asks for it before
   * anyone can create the admin account. Generated per install, 30 letters and digits.
   */
  public readonly initPassword: pulumi.Output<string>;
  /** DNS name of the ALB (point the domain at it); resolves once the controller has created it. */
  public readonly loadBalancerHostname: pulumi.Output<string>;

  constructor(name: string, args: DifyAppArgs, opts?: pulumi.ComponentResourceOptions) {
    const plan = resolvePlan(name, args); // throws before anything is registered
    // The connection handles with the defaults their fields document (port, database names).
    const database = withPostgresDefaults(args.database);
    const redis = withRedisDefaults(args.redis);
    super(componentType("DifyApp"), name, {}, opts);
    const child: pulumi.CustomResourceOptions = { parent: this };
    const labels = (component: string) => standardLabels({ name: "dify", instance: name, component, version: plan.version });
    const publicUrl = `${args.certificateArn !== undefined ? "https" : "http"}://${args.domain}`;

    // PSA is per namespace, so the one workload with a documented exception (dify-sandbox: root +
    // SYS_CHROOT/SETUID/SETGID, all inside baseline) gets its own namespace enforcing baseline, and
    // the app namespace enforces restricted. Both audit and warn at restricted.
    const isolated = plan.services.filter((s) => s.spec.ownNamespace).map((s) => s.spec.key);
    const namespaceOf = (key: string) => namespaceFor(plan.namespace, key);
    // Each env group's ConfigMap (and the sandbox's Secret) lives where the rows reading it run.
    const groupNamespace = (g: EnvGroup) => namespaceOf(readersOf(g)[0].key);
    const sandboxNamespace = groupNamespace(EnvGroup.Sandbox);
    const namespaces = new Map<string, k8s.core.v1.Namespace>();
    for (const [nsName, level, suffix] of [[plan.namespace, "restricted", "namespace"], ...isolated.map((k) => [namespaceOf(k), "baseline", `${k}-namespace`])]) {
      // The AWS Load Balancer Controller's webhook adds a readiness gate to pods in namespaces with
      // this label: a new pod counts as ready only once the ALB has registered it and its health
      // checks pass, so a rolling update never drains the old targets first (no 502s on rollouts).
      const readinessGate: Record<string, string> = nsName === plan.namespace && plan.ingressClassName === ALB_INGRESS_CLASS
        ? { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" } : {};
      namespaces.set(nsName, new k8s.core.v1.Namespace(`${name}-${suffix}`, {
        metadata: { name: nsName, labels: { ...labels("namespace"), ...podSecurityNamespaceLabels(level), ...readinessGate } },
      }, { ...child, protect: args.protect === true }));
    }
    const nsOpts = (nsName: string): pulumi.CustomResourceOptions => ({ ...child, dependsOn: [namespaces.get(nsName)!] });
    const namespace = namespaces.get(plan.namespace)!.metadata.name;

    for (const tier of Object.values(PriorityTier)) {
      new k8s.scheduling.v1.PriorityClass(`${name}-${tier}`, {
        metadata: { name: `${name}-${tier}`, labels: labels("priority") },
        value: PRIORITY_VALUES[tier],
        globalDefault: false,
        preemptionPolicy: tier === PriorityTier.Critical ? "PreemptLowerPriority" : "Never",
        description: tier === PriorityTier.Critical ? "Dify serving path: api, web, plugin daemon" : "Dify background work: workers, beat, sandbox",
      }, child);
    }

    const ctx: EnvContext = {
      namespace: plan.namespace,
      namespaceOf,
      publicUrl,
      database,
      redis,
      storage: args.storage,
      extraEnv: { ...telemetryEnv(args.observability), ...mailEnv(args.mail), ...(args.extraEnv ?? {}) },
      extraWebEnv: args.extraWebEnv ?? {},
      extraPluginDaemonEnv: args.extraPluginDaemonEnv ?? {},
      vpcCidrs: args.vpcCidrs,
      websocket: args.enableWebsocketApi === true,
      egress: plan.egress,
    };
    const { secrets: credentials, initPassword } = createCredentials(name, { app: plan.namespace, sandbox: sandboxNamespace }, ctx, labels("credentials"),
      { app: nsOpts(plan.namespace), sandbox: nsOpts(sandboxNamespace) }, args.protect === true);
    const mail = mailSecret(name, args.mail, plan.namespace, labels("mail"), nsOpts(plan.namespace));
    if (mail) credentials.push(mail);
    const configs = new Map<EnvGroup, k8s.core.v1.ConfigMap>();
    const hashes = new Map<EnvGroup, pulumi.Output<string>>();
    for (const g of Object.values(EnvGroup)) {
      const data = configData(g, ctx);
      configs.set(g, new k8s.core.v1.ConfigMap(`${name}-${g}-config`, {
        metadata: { name: configMapName(g), namespace: groupNamespace(g), labels: labels(g) },
        data,
      }, nsOpts(groupNamespace(g))));
      hashes.set(g, pulumi.all(data).apply((d) => createHash("sha256").update(JSON.stringify(Object.entries(d).sort())).digest("hex").slice(0, 16)));
    }
    const conf = squidConf(plan.privateCidrs, portOf("ssrf-proxy"), plan.egress);
    const squid = new k8s.core.v1.ConfigMap(`${name}-ssrf-proxy-config`, {
      metadata: { name: rowOf("ssrf-proxy").configMount!.configMap, namespace: plan.namespace, labels: labels("ssrf-proxy") },
      data: { "squid.conf": conf },
    }, nsOpts(plan.namespace));

    // One ServiceAccount per identity; IRSA role only where S3 is used. Names are fixed
    // (DIFY_S3_SERVICE_ACCOUNTS) because the storage role's trust policy names them.
    const identities = new Map<string, { s3: boolean; plugins: boolean; ns: string }>();
    for (const s of [...plan.services.map((r) => r.spec), MIGRATION]) {
      const prev = identities.get(s.serviceAccount);
      identities.set(s.serviceAccount, { s3: (prev?.s3 ?? false) || s.usesS3, plugins: (prev?.plugins ?? false) || s.pluginStorage === true, ns: namespaceOf(s.key) });
    }
    const sas: pulumi.Resource[] = [];
    for (const [sa, { s3, plugins, ns }] of identities) {
      sas.push(new k8s.core.v1.ServiceAccount(`${name}-${sa}`, {
        metadata: {
          name: k8sName(sa),
          namespace: ns,
          labels: labels(sa),
          // The daemon has its own role: every plugin it runs gets its credentials (contracts.ts).
          annotations: s3 ? { "eks.amazonaws.com/role-arn": plugins ? args.storage.pluginRoleArn : args.storage.roleArn } : undefined,
        },
        automountServiceAccountToken: false,
      }, nsOpts(ns)));
    }
    // Policies first: pods started under default-deny without their allow rules would fail to
    // reach the database (the migration Job would burn its retries).
    const policies = networkPolicies({
      name, namespaceOf, dependsOn: [...namespaces.values()], labels: labels("network"),
      specs: [...dedupe(plan.services.map((s) => s.spec)), MIGRATION],
      dataCidrs: args.dataCidrs, dbPort: database.port, redisPort: redis.port,
      ingressSourceCidrs: args.ingressSourceCidrs, privateCidrs: plan.privateCidrs,
      // Closed network: STS and other AWS APIs answer at interface endpoints inside the VPC.
      awsEndpointCidrs: plan.egress.closedNetwork ? args.vpcCidrs : [],
      upstreamProxyPort: plan.egress.upstreamProxy?.port,
      smtpPort: smtpPort(args.mail),
      collector: args.observability ? { namespace: args.observability.collectorNamespace, podLabels: args.observability.collectorPodLabels } : undefined,
      opts: child,
    });
    const prerequisites: pulumi.Resource[] = [...namespaces.values(), ...credentials, ...configs.values(), squid, ...sas, ...policies];

    const migration = migrationJob({
      name, namespace: plan.namespace, version: plan.version, image: plan.images.api, pluginDatabase: database.pluginDatabase,
      nodePlacement: plan.nodePlacement, dependsOn: [...prerequisites, ...(args.migrationDependsOn ?? [])], opts: child,
    });

    // KEDA: the workers' ScaledObjects read Redis with this TriggerAuthentication (queueScaling.ts).
    const queueScaler = args.queueAutoscaling === true
      ? { redis, auth: redisTriggerAuth(name, plan.namespace, labels("autoscaling"), { ...child, dependsOn: credentials }) }
      : undefined;
    const ingress = buildIngress({
      name, namespace: plan.namespace, labels: labels("ingress"), domain: args.domain, ingressClassName: plan.ingressClassName,
      certificateArn: args.certificateArn, webAclArn: args.webAclArn, internal: args.internalLoadBalancer === true,
      loadBalancerName: args.loadBalancerName,
      accessLogs: args.observability?.accessLogBucket !== undefined
        ? { bucket: args.observability.accessLogBucket, prefix: args.observability.accessLogPrefix ?? "alb" } : undefined,
      annotations: args.ingressAnnotations ?? {}, specs: dedupe(plan.services.map((s) => s.spec)),
      dependsOn: [...namespaces.values()], opts: child,
    });
    // KEDA: the api's ScaledObject reads the ALB's requests for the api's target group
    // (requestScaling.ts). Both exist once the controller has reconciled the Ingress, which is
    // when Pulumi resolves its status; the lookups run on every update, so a target group the
    // controller replaced is followed.
    const hostname = ingress.status.apply((st) => st?.loadBalancer?.ingress?.[0]?.hostname ?? "");
    let requestScaler: RequestScaler | undefined;
    if (args.requestAutoscaling !== undefined) {
      const lb = lookupLoadBalancer(`DifyApp "${name}"`, { loadBalancerName: args.loadBalancerName!, loadBalancerHostname: hostname }, this);
      const tg = ingressTargetGroup({
        clusterName: args.requestAutoscaling.clusterName,
        ingressNamespace: plan.namespace,
        ingressName: INGRESS_NAME,
        groupName: args.ingressAnnotations?.[GROUP_NAME_ANNOTATION] || undefined,
        serviceName: k8sName("api"),
        servicePort: BACKEND_PORT_NAME,
      }, hostname, this);
      requestScaler = {
        loadBalancerArn: lb.arn,
        loadBalancerArnSuffix: lb.arnSuffix,
        targetGroupArnSuffix: tg.arnSuffix,
        requestsPerPodMinute: requestsPerPodMinute(rowOf("api"), args.requestAutoscaling.meanRequestSeconds ?? DEFAULT_MEAN_REQUEST_SECONDS),
        auth: cloudWatchTriggerAuth(name, plan.namespace, labels("autoscaling"), nsOpts(plan.namespace)),
      };
    }
    const services: Record<string, string> = {};
    for (const s of plan.services) {
      const hash = pulumi.all(s.spec.envGroups.map((g) => hashes.get(g)!)).apply((h) => h.join("-") || createHash("sha256").update(conf).digest("hex").slice(0, 16));
      const w = buildWorkload(s, {
        name,
        namespace: namespaceOf(s.spec.key),
        version: plan.version,
        image: plan.images[s.spec.image],
        nodePlacement: plan.nodePlacement,
        configHash: hash,
        // api-image pods start only after this version's schema migration succeeded.
        dependsOn: s.spec.image === "api" ? [...prerequisites, migration] : prerequisites,
        networkTuning: args.networkTuning === true,
        queueScaler,
        requestScaler: s.spec.key === "api" ? requestScaler : undefined,
        opts: child,
      }, backendAnnotations(s.spec, plan.ingressClassName));
      if (w.service) {
        const ns = namespaceOf(s.spec.key);
        services[s.spec.key] = ns === plan.namespace ? k8sName(s.name) : `${k8sName(s.name)}.${ns}`;
      }
    }

    this.url = pulumi.output(publicUrl);
    this.initPassword = initPassword;
    this.namespace = namespace;
    this.serviceNames = pulumi.output(services);
    this.difyVersion = pulumi.output(plan.version);
    this.loadBalancerHostname = hostname;
    this.migrationJobName = migration.metadata.name.apply((n) => n ?? migrationJobName(plan.version));
    this.registerOutputs({
      url: this.url, namespace: this.namespace, serviceNames: this.serviceNames,
      difyVersion: this.difyVersion, migrationJobName: this.migrationJobName, loadBalancerHostname: this.loadBalancerHostname,
      initPassword: this.initPassword,
    });
  }
}

function dedupe<T extends { key: string }>(xs: T[]): T[] {
  return [...new Map(xs.map((x) => [x.key, x])).values()];
}
