/**
 * The OpenTelemetry Collector: a Deployment in its own PSS-restricted namespace with its own
 * ServiceAccount (IRSA role: write its one log group, send X-Ray segments), a ConfigMap, a Service
 * for OTLP, a PodDisruptionBudget and the namespace's NetworkPolicies (default deny; OTLP in only
 * from Dify's api-image pods; out only to the plugin daemon's and KEDA's operator's metrics ports,
 * DNS and AWS on 443).
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy } from "../aws/irsa";
import { DIFY_OTLP_SENDERS, DIFY_PLUGIN_DAEMON_METRICS, DIFY_SERVICE_LABEL, OidcProvider } from "../contracts";
import { ImageSource, imageRef } from "../k8s/images";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security";
import { ObservabilitySettings } from "./args";
import { HEALTH_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT, PLUGIN_DAEMON_METRICS_PORT, collectorConfig } from "./collectorConfig";

/** otel/opentelemetry-collector-contrib, pinned (its image runs as uid 10001, distroless). */
export const COLLECTOR_IMAGE = "otel/opentelemetry-collector-contrib:0.139.0";
/** Kubernetes name of the collector's Deployment, Service and ServiceAccount. */
export const COLLECTOR_NAME = "dify-otel-collector";
/** Label DifyApp's NetworkPolicies select the collector pods by. */
export const COLLECTOR_LABELS = { "app.kubernetes.io/name": "otel-collector", "app.kubernetes.io/part-of": "dify" };
/** The Dify services (catalog keys) that push OTLP: the api image (contracts.ts DIFY_OTLP_SENDERS, from DifyApp's catalog). */
export const OTLP_SENDERS: string[] = [...DIFY_OTLP_SENDERS];
const NS_LABEL = "kubernetes.io/metadata.name";

/** OTLP/HTTP base URL Dify's OTLP_BASE_ENDPOINT takes. */
export function otlpHttpEndpoint(namespace: string): string {
  return `http://${COLLECTOR_NAME}.${namespace}.svc.cluster.local:${OTLP_HTTP_PORT}`;
}

export interface CollectorContext {
  s: ObservabilitySettings;
  clusterName: pulumi.Input<string>;
  oidc: OidcProvider;
  images?: ImageSource;
  image: string;
  logGroup: aws.cloudwatch.LogGroup;
  namespace: k8s.core.v1.Namespace;
  parent: pulumi.Resource;
  provider?: pulumi.ProviderResource;
}

export function collector(c: CollectorContext): { deployment: k8s.apps.v1.Deployment; policies: k8s.networking.v1.NetworkPolicy[] } {
  const { s, parent } = c;
  const aopts = { parent };
  const kopts: pulumi.CustomResourceOptions = { parent, provider: c.provider, dependsOn: [c.namespace] };
  const ns = s.namespace;
  const role = new aws.iam.Role(`${s.name}-otel-collector`, {
    description: "Dify OpenTelemetry Collector: OTLP metrics to CloudWatch (EMF), traces to X-Ray",
    assumeRolePolicy: irsaTrustPolicy(c.oidc, ns, COLLECTOR_NAME),
    tags: s.tags,
  }, aopts);
  const grant = new aws.iam.RolePolicy(`${s.name}-otel-collector`, {
    role: role.id,
    policy: c.logGroup.arn.apply((arn) => JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "WriteOwnLogGroup", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [arn, `${arn}:*`] },
        // DescribeLogGroups cannot be scoped to one group.
        { Sid: "FindLogGroup", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
        // X-Ray trace APIs support no resource-level permissions.
        { Sid: "XRay", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"], Resource: "*" },
      ],
    })),
  }, aopts);

  const labels = { ...COLLECTOR_LABELS, "app.kubernetes.io/instance": s.name, "app.kubernetes.io/managed-by": "pulumi" };
  const sa = new k8s.core.v1.ServiceAccount(`${s.name}-otel-collector`, {
    metadata: { name: COLLECTOR_NAME, namespace: ns, labels, annotations: { "eks.amazonaws.com/role-arn": role.arn } },
    automountServiceAccountToken: false,
  }, kopts);
  const config = new k8s.core.v1.ConfigMap(`${s.name}-otel-collector`, {
    metadata: { name: COLLECTOR_NAME, namespace: ns, labels },
    data: {
      "collector.yaml": pulumi.all([c.logGroup.name, c.clusterName]).apply(([logGroupName, clusterName]) => collectorConfig({
        region: s.region, logGroupName, pluginDaemonTarget: `dify-${DIFY_PLUGIN_DAEMON_METRICS.service}.${s.appNamespace}.svc.cluster.local:${PLUGIN_DAEMON_METRICS_PORT}`,
        // Through the Service: the chart runs one operator replica (operator.replicaCount 1), the one whose scalers hold the values.
        keda: s.kedaMetrics && { target: `${s.kedaMetrics.service}.${s.kedaMetrics.namespace}.svc.cluster.local:${s.kedaMetrics.port}`, appNamespace: s.appNamespace, clusterName },
      })),
    },
  }, kopts);

  const policies = collectorPolicies(s, labels, kopts);
  const selector = { ...COLLECTOR_LABELS, "app.kubernetes.io/instance": s.name };
  const deployment = new k8s.apps.v1.Deployment(`${s.name}-otel-collector`, {
    metadata: { name: COLLECTOR_NAME, namespace: ns, labels },
    spec: {
      replicas: s.collectorReplicas,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels,
          // Roll the pods when the configuration changes.
          annotations: { "dify-aws/config-hash": config.data.apply((d) => String(hash(JSON.stringify(d)))) },
        },
        spec: {
          serviceAccountName: COLLECTOR_NAME,
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurityContext(10001),
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
          containers: [{
            name: "collector",
            image: imageRef(c.image, c.images),
            args: ["--config=/conf/collector.yaml"],
            ports: [
              { name: "otlp-grpc", containerPort: OTLP_GRPC_PORT },
              { name: "otlp-http", containerPort: OTLP_HTTP_PORT },
              { name: "health", containerPort: HEALTH_PORT },
            ],
            env: [{ name: "GOMEMLIMIT", value: "400MiB" }],
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            readinessProbe: { httpGet: { path: "/", port: HEALTH_PORT }, periodSeconds: 10 },
            livenessProbe: { httpGet: { path: "/", port: HEALTH_PORT }, periodSeconds: 20, failureThreshold: 3 },
            securityContext: restrictedContainerSecurityContext(),
            volumeMounts: [{ name: "config", mountPath: "/conf", readOnly: true }, { name: "tmp", mountPath: "/tmp" }],
          }],
          volumes: [{ name: "config", configMap: { name: COLLECTOR_NAME } }, { name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
        },
      },
    },
  }, { ...kopts, dependsOn: [c.namespace, sa, config, grant, ...policies] });
  new k8s.core.v1.Service(`${s.name}-otel-collector`, {
    metadata: { name: COLLECTOR_NAME, namespace: ns, labels },
    spec: {
      selector,
      ports: [
        { name: "otlp-grpc", port: OTLP_GRPC_PORT, targetPort: "otlp-grpc", appProtocol: "grpc" },
        { name: "otlp-http", port: OTLP_HTTP_PORT, targetPort: "otlp-http" },
      ],
    },
  }, kopts);
  if (s.collectorReplicas >= 2) {
    new k8s.policy.v1.PodDisruptionBudget(`${s.name}-otel-collector`, {
      metadata: { name: COLLECTOR_NAME, namespace: ns, labels },
      spec: { minAvailable: 1, selector: { matchLabels: selector } },
    }, kopts);
  }
  return { deployment, policies };
}

function collectorPolicies(s: ObservabilitySettings, labels: Record<string, string>, kopts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy[] {
  const np = (id: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
    new k8s.networking.v1.NetworkPolicy(`${s.name}-obs-${id}`, { metadata: { name: `dify-obs-${id}`, namespace: s.namespace, labels }, spec }, kopts);
  const difyPods = (keys: string[]) => keys.map((key) => ({
    namespaceSelector: { matchLabels: { [NS_LABEL]: s.appNamespace } },
    podSelector: { matchLabels: { [DIFY_SERVICE_LABEL]: key } },
  }));
  return [
    np("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    np("allow-dns", {
      podSelector: {}, policyTypes: ["Egress"],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
      }],
    }),
    np("collector-flows", {
      podSelector: { matchLabels: COLLECTOR_LABELS },
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: difyPods(OTLP_SENDERS), ports: [{ protocol: "TCP", port: OTLP_GRPC_PORT }, { protocol: "TCP", port: OTLP_HTTP_PORT }] }],
      egress: [
        { to: difyPods([DIFY_PLUGIN_DAEMON_METRICS.service]), ports: [{ protocol: "TCP", port: PLUGIN_DAEMON_METRICS_PORT }] },
        // KEDA's operator /metrics (the Celery queue depth); its namespace has no policy of ours.
        ...(s.kedaMetrics ? [{
          to: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: s.kedaMetrics.namespace } }, podSelector: { matchLabels: s.kedaMetrics.podLabels } }],
          ports: [{ protocol: "TCP", port: s.kedaMetrics.port }],
        }] : []),
        // CloudWatch Logs, X-Ray and STS: public endpoints, or VPC interface endpoints in private
        // subnets in a closed network; both on 443 only.
        { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
      ],
    }),
  ];
}

/** A small stable string hash (FNV-1a) for the config annotation. */
function hash(x: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < x.length; i++) { h ^= x.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return h;
}
