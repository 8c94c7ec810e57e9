/** The typed arguments of DifyApp (component-package rules: interfaces, Inputs, no unions). */
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorage, PostgresConnection, RedisConnection } from "../contracts";
import { ImageSource } from "../k8s/images";
import { DifyMailArgs } from "./mail";
import { DifyImageSet } from "./versions";

/** Per-service overrides of the catalog defaults (components/app/catalog.ts). */
export interface ServiceSettings {
  /** Replicas at creation (the HPA owns the count afterwards). Default: catalog (prod preset). */
  replicas?: number;
  /** HPA lower bound. Default: `replicas`. Only for api, web, worker. */
  minReplicas?: number;
  /** HPA upper bound. Default: catalog (api 10, web 6, worker 10). */
  maxReplicas?: number;
  /** CPU request, Kubernetes quantity (e.g. "500m"). Default: catalog. */
  cpuRequest?: string;
  /** CPU limit, Kubernetes quantity. Default: catalog. */
  cpuLimit?: string;
  /** Memory request, Kubernetes quantity (e.g. "1Gi"). Default: catalog. */
  memoryRequest?: string;
  /** Memory limit, Kubernetes quantity. Default: catalog. */
  memoryLimit?: string;
  /** HPA target average CPU utilisation, percent of the request (1-100). Default 70. */
  targetCpuUtilization?: number;
  /** HPA target average memory utilisation, percent of the request (1-100). Default 80. */
  targetMemoryUtilization?: number;
  /** PodDisruptionBudget minAvailable; must be below replicas and minReplicas; 0 = no PDB. Default: replicas - 1 (api/web 2). */
  pdbMinAvailable?: number;
}

/** One Celery worker Deployment consuming a subset of the queues. */
export interface WorkerQueueGroup {
  /** Group name: lowercase DNS label; the Deployment is `dify-worker-<name>`. */
  name: string;
  /** Celery queues it consumes (CELERY_QUEUES), e.g. ["dataset", "priority_dataset"]. */
  queues: string[];
}

/** Where Dify sends telemetry (from DifyObservability); turns on OTLP, JSON logs and ALB access logs. */
export interface AppObservability {
  /** OTLP/HTTP base URL of the collector (OTLP_BASE_ENDPOINT; Dify appends /v1/traces and /v1/metrics). Required. */
  otlpEndpoint: string;
  /** Namespace of the collector pods: api-image pods may send to it on 4317/4318, it may scrape the plugin daemon on 5002. Required. */
  collectorNamespace: string;
  /** Labels of the collector pods (NetworkPolicy selector). Required. */
  collectorPodLabels: { [key: string]: string };
  /** Trace sampling ratio (OTEL_SAMPLING_RATE), 0-1. Default 0.1 (Dify's default). */
  samplingRate?: number;
  /** S3 bucket for ALB access logs (load-balancer attribute access_logs.s3.*). Default none (no access logs). */
  accessLogBucket?: pulumi.Input<string>;
  /** Key prefix of the access logs in that bucket. Default "alb". */
  accessLogPrefix?: string;
}

/**
 * The api scaled on its ALB's request load (components/app/requestScaling.ts): a KEDA ScaledObject
 * whose `aws-cloudwatch` trigger reads RequestCount of the api's target group, plus CPU and memory.
 * Needs KEDA in the cluster whose operator may call KEDA_CLOUDWATCH_ACTIONS as itself (AWS pod
 * identity; DifyCluster sets that up), the AWS Load Balancer Controller (`ingressClassName` "alb")
 * and `loadBalancerName`.
 */
export interface RequestAutoscaling {
  /**
   * EKS cluster name (DifyCluster `clusterName`): the AWS Load Balancer Controller tags the target
   * groups it creates with it (`elbv2.k8s.aws/cluster`), which is how the api's is found. Required.
   */
  clusterName: pulumi.Input<string>;
  /**
   * Assumed mean duration of an api request, seconds (1-600): the target is 70 % of a pod's 100
   * concurrent requests divided by it, per minute (Little's law). Default 10 (420 requests a
   * minute per pod).
   */
  meanRequestSeconds?: number;
}

export interface DifyAppArgs {
  /** Kubernetes namespace to create and run in (PSS restricted); the sandbox gets `<namespace>-sandbox` (PSS baseline). At most 55 characters. Default "dify". */
  namespace?: string;
  /** Dify release (a key of DIFY_VERSIONS or of `extraVersions`). Default "1.16.1". */
  difyVersion?: string;
  /**
   * Resources the migration Job waits for, e.g. DifyBackups' `preMigrationBackup` (a dump of both
   * databases taken for this version): the Job is created only after they are, so a failed backup
   * stops the upgrade before the schema changes. Default none.
   */
  migrationDependsOn?: pulumi.Resource[];
  /** Extra release image sets by version (e.g. a newer release you have diffed, or digests). Default none. */
  extraVersions?: { [version: string]: DifyImageSet };
  /** Public host name users open, e.g. "dify.example.com" (no scheme, no path). Required. */
  domain: string;
  /** ACM certificate ARN for `domain`. When set the site is https-only (HTTP redirects). Default none (http). */
  certificateArn?: pulumi.Input<string>;
  /**
   * Regional WAFv2 web ACL for the ALB (annotation `alb.ingress.kubernetes.io/wafv2-acl-arn`, e.g.
   * DifyEdge `webAclArn`); "none" detaches any web ACL (the controller leaves an association alone
   * when the annotation is absent). The controller must run with WAFv2 enabled (not in a closed
   * network). Default unset (no annotation).
   */
  webAclArn?: pulumi.Input<string>;
  /**
   * IngressClass name. "alb" (the default) needs the AWS Load Balancer Controller in the cluster
   * and gets the ALB annotations, per-Service health checks and the pod readiness gate; with any
   * other class none of those are applied: pass your controller's annotations in
   * `ingressAnnotations`. Default "alb".
   */
  ingressClassName?: string;
  /** Annotations merged over the ALB defaults (a value of "" removes a default); with another IngressClass, the Ingress's only annotations. Default none. */
  ingressAnnotations?: { [key: string]: string };
  /** Internal (VPC-only) load balancer instead of internet-facing. Default false. */
  internalLoadBalancer?: boolean;
  /** Postgres the api, worker, beat and plugin daemon use (from DifyDatabaseHA). */
  database: PostgresConnection;
  /** Redis (cache, Celery broker) from DifyDatabaseHA. */
  redis: RedisConnection;
  /** S3 buckets and the IRSA role (from DifyStorage). */
  storage: ObjectStorage;
  /** Per-service overrides keyed by catalog service name (api, worker, worker-beat, web, sandbox, plugin-daemon, ssrf-proxy, api-websocket). Default none (prod preset). */
  services?: { [service: string]: ServiceSettings };
  /** Split the Celery worker into Deployments per queue group. Default none (one worker, all queues). */
  workerQueueGroups?: WorkerQueueGroup[];
  /** Run the 1.15+ agent backend. Default false. (Not supported yet: refused when true.) */
  enableAgentBackend?: boolean;
  /** Run the websocket api (collaboration, `/socket.io`). Default false. */
  enableWebsocketApi?: boolean;
  /** The VPC's CIDRs (documentation of the private space; used in the default `privateCidrs`). Required. */
  vpcCidrs: string[];
  /** CIDRs where Postgres and Redis live (their subnets or the VPC CIDR); egress to them on the DB/Redis ports only. Required. */
  dataCidrs: string[];
  /** CIDRs the load balancer connects from (ALB subnets or the VPC CIDR, IP target mode). Required. */
  ingressSourceCidrs: string[];
  /** Destinations the SSRF proxy and S3 egress must never reach. Default RFC 1918 + 100.64.0.0/10 + 169.254.0.0/16 + vpcCidrs. */
  privateCidrs?: string[];
  /**
   * Place pods on DifyCluster's node groups: the serving path on nodes labelled
   * `dify-aws/node-role=app`, Celery workers on the tainted spot `workers` nodes (falling back to
   * app nodes). Only DifyCluster's node groups carry those labels and taints: on any other cluster
   * leave it off, or nothing schedules. Default false (no node constraints).
   */
  nodePlacement?: boolean;
  /** Extra plain settings for the api image (api, worker, beat). Names of credentials are refused. Default none. */
  extraEnv?: { [name: string]: string };
  /** Extra plain settings for the web container. Default none. */
  extraWebEnv?: { [name: string]: string };
  /** Extra plain settings for the plugin daemon, e.g. its pool size (DB_MAX_OPEN_CONNS) from DifyDatabaseHA's poolEnv(). Default none. */
  extraPluginDaemonEnv?: { [name: string]: string };
  /** Outgoing mail (invitations, password resets): SMTP, Resend or SendGrid. Default none (Dify then shows invitation links instead of mailing them). */
  mail?: DifyMailArgs;
  /** Registry prefix (and optional digests) every image is pulled through: Dify's, squid, the migration Job. Default: the public, tag-pinned images. */
  imageSource?: ImageSource;
  /**
   * Domains the SSRF proxy may reach, in squid dstdomain form ("api.openai.com"; ".openai.com" =
   * the domain and its subdomains); everything else is denied. Default unset: any public
   * destination (private ranges are always refused). Required (non-empty) with `closedNetwork`.
   */
  egressAllowedDomains?: string[];
  /** Corporate egress proxy "host:port" the SSRF proxy forwards every request to (never connecting directly). Default none. */
  egressUpstreamProxy?: string;
  /**
   * The cluster has no internet route (DifyCluster `closedNetwork`): pods using IAM (S3, STS)
   * and the SSRF proxy may reach the VPC's interface endpoints (443 in `vpcCidrs`), and
   * `egressAllowedDomains` is required. Default false.
   */
  closedNetwork?: boolean;
  /** Python package index for plugin dependency installs and the sandbox (PIP_MIRROR_URL), e.g. "https://pypi.corp.example/simple"; its host joins the allow-list. Default none (pypi.org). */
  pipMirrorUrl?: string;
  /**
   * Connection tuning for many concurrent connections: safe pod sysctls (wider local port range,
   * shorter FIN timeout) on api, websocket api, workers, plugin daemon, SSRF proxy and web, and
   * gunicorn `--backlog 4096`. Reasons: docs/closed-networks.md. Default false.
   */
  networkTuning?: boolean;
  /**
   * KEDA (keda.sh/v1alpha1 CRDs, installed by DifyCluster) runs in the cluster: Celery workers scale
   * on the length of their Redis queues (plus CPU and memory) through a ScaledObject instead of an
   * HPA on CPU and memory alone. Default false.
   */
  queueAutoscaling?: boolean;
  /**
   * Scale the api on the requests its ALB target group receives (KEDA `aws-cloudwatch` trigger on
   * AWS/ApplicationELB RequestCount, plus CPU and memory) through a ScaledObject instead of an HPA
   * on CPU and memory alone: streamed answers use little CPU. ALB metrics are published by AWS
   * whether or not `observability` is set. Needs `loadBalancerName`. Default none (the api scales
   * on CPU and memory).
   */
  requestAutoscaling?: RequestAutoscaling;
  /** Dify Marketplace (plugin discovery and installs from marketplace.dify.ai; MARKETPLACE_ENABLED). Default true. */
  marketplaceEnabled?: boolean;
  /** Explicit ALB name (annotation load-balancer-name; 1-32 letters, digits, '-'), so dashboards and alarms can find it. Default: the controller's generated name. */
  loadBalancerName?: string;
  /** Telemetry: ENABLE_OTEL + OTLP to the collector, LOG_OUTPUT_FORMAT=json, NetworkPolicy flows to/from the collector, ALB access logs. Default none (off). */
  observability?: AppObservability;
  /** Protect the namespace (deleting it deletes everything in it) and the generated keys (SECRET_KEY, ...) from deletion and replacement. Recommended true in prod. Default false. */
  protect?: boolean;
}

/** What DifyApp validates before registering anything: its args without the connection handles (Outputs, checked by their types). */
export type DifyAppSettings = Omit<DifyAppArgs, "database" | "redis" | "storage">;
