/**
 * One Ingress with Dify's path routing (DESIGN §5), so no nginx pod is needed. Defaults target
 * the AWS Load Balancer Controller: ALB, IP targets, HTTPS with redirect when a certificate is
 * given, a TLS 1.2/1.3 policy, and an idle timeout long enough for streamed LLM answers.
 *
 * Dify's nginx adds `Dify-Hook-Url: $scheme://$host$request_uri` on `/e/`. An ALB cannot add
 * request headers; no reader of that header was found in the plugin daemon's indexed code, and
 * the endpoint URLs Dify shows come from ENDPOINT_URL_TEMPLATE (set to https://<domain>/e/{hook_id}).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceSpec, k8sName } from "./catalog";

export interface IngressContext {
  name: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  domain: string;
  ingressClassName: string;
  certificateArn?: pulumi.Input<string>;
  /** WAFv2 web ACL the controller associates with the ALB. */
  webAclArn?: pulumi.Input<string>;
  internal: boolean;
  annotations: Record<string, string>;
  /** Explicit ALB name (load-balancer-name annotation). */
  loadBalancerName?: string;
  /** ALB access logs to this bucket/prefix (load-balancer attributes access_logs.s3.*). */
  accessLogs?: { bucket: pulumi.Input<string>; prefix: string };
  /** Enabled catalog rows; those with ingressPaths get routes. */
  specs: ServiceSpec[];
  dependsOn: pulumi.Resource[];
  opts: pulumi.CustomResourceOptions;
}

/** Seconds the ALB keeps an idle connection (streamed answers can pause between tokens). */
export const ALB_IDLE_TIMEOUT_SECONDS = 600;

/** Name of DifyApp's Ingress (in its namespace); the controller's target-group tags carry it. */
export const INGRESS_NAME = "dify";
/** The Service port every backend is routed to, by name. */
export const BACKEND_PORT_NAME = "http";
/** Annotation that puts the Ingress in an IngressGroup (its name tags the ALB's resources). */
export const GROUP_NAME_ANNOTATION = "alb.ingress.kubernetes.io/group.name";

/** The IngressClass of the AWS Load Balancer Controller, the one the ALB defaults are for. */
export const ALB_INGRESS_CLASS = "alb";

/**
 * Default ALB annotations; user annotations win, "" removes one. With another IngressClass (another
 * controller) there are no defaults: its annotations are the caller's `ingressAnnotations`.
 */
export function ingressAnnotations(c: Pick<IngressContext, "ingressClassName" | "certificateArn" | "webAclArn" | "internal" | "annotations" | "loadBalancerName" | "accessLogs">): Record<string, pulumi.Input<string>> {
  if (c.ingressClassName !== ALB_INGRESS_CLASS) return Object.fromEntries(Object.entries(c.annotations).filter(([, v]) => v !== ""));
  const a: Record<string, pulumi.Input<string>> = {
    "alb.ingress.kubernetes.io/scheme": c.internal ? "internal" : "internet-facing",
    "alb.ingress.kubernetes.io/target-type": "ip",
    "alb.ingress.kubernetes.io/load-balancer-attributes":
      `idle_timeout.timeout_seconds=${ALB_IDLE_TIMEOUT_SECONDS},routing.http.drop_invalid_header_fields.enabled=true`,
    "alb.ingress.kubernetes.io/success-codes": "200",
    "alb.ingress.kubernetes.io/healthcheck-interval-seconds": "15",
  };
  if (c.loadBalancerName !== undefined) a["alb.ingress.kubernetes.io/load-balancer-name"] = c.loadBalancerName;
  if (c.accessLogs !== undefined) {
    // One attributes annotation: access logs join the defaults instead of replacing them.
    const logs = c.accessLogs;
    a["alb.ingress.kubernetes.io/load-balancer-attributes"] = pulumi.interpolate`${a["alb.ingress.kubernetes.io/load-balancer-attributes"]},access_logs.s3.enabled=true,access_logs.s3.bucket=${logs.bucket},access_logs.s3.prefix=${logs.prefix}`;
  }
  if (c.certificateArn !== undefined) {
    a["alb.ingress.kubernetes.io/listen-ports"] = '[{"HTTP":80},{"HTTPS":443}]';
    a["alb.ingress.kubernetes.io/ssl-redirect"] = "443";
    a["alb.ingress.kubernetes.io/certificate-arn"] = c.certificateArn;
    a["alb.ingress.kubernetes.io/ssl-policy"] = "ELBSecurityPolicy-TLS13-1-2-2021-06";
  } else {
    a["alb.ingress.kubernetes.io/listen-ports"] = '[{"HTTP":80}]';
  }
  if (c.webAclArn !== undefined) a["alb.ingress.kubernetes.io/wafv2-acl-arn"] = c.webAclArn;
  for (const [k, v] of Object.entries(c.annotations)) {
    if (v === "") delete a[k];
    else a[k] = v;
  }
  return a;
}

/** Per-Service ALB settings (the controller reads health checks from the backing Service); none for another IngressClass. */
export function backendAnnotations(spec: ServiceSpec, ingressClassName: string): Record<string, string> {
  if (!spec.albHealthPath || ingressClassName !== ALB_INGRESS_CLASS) return {};
  const drain = Math.max(10, Math.min(300, spec.terminationGraceSeconds - (spec.preStopSleepSeconds ?? 0) - 15));
  return {
    "alb.ingress.kubernetes.io/healthcheck-path": spec.albHealthPath,
    "alb.ingress.kubernetes.io/target-group-attributes": `deregistration_delay.timeout_seconds=${drain}`,
  };
}

/** The routes, most specific first and `/` last. */
export function routes(specs: ServiceSpec[]): { path: string; service: ServiceSpec }[] {
  const r = specs.flatMap((s) => (s.ingressPaths ?? []).map((path) => ({ path, service: s })));
  return r.sort((a, b) => b.path.length - a.path.length);
}

export function buildIngress(c: IngressContext): k8s.networking.v1.Ingress {
  return new k8s.networking.v1.Ingress(`${c.name}-ingress`, {
    metadata: { name: INGRESS_NAME, namespace: c.namespace, labels: c.labels, annotations: ingressAnnotations(c) },
    spec: {
      ingressClassName: c.ingressClassName,
      rules: [{
        host: c.domain,
        http: {
          paths: routes(c.specs).map(({ path, service }) => ({
            path,
            pathType: "Prefix",
            backend: { service: { name: k8sName(service.key), port: { name: BACKEND_PORT_NAME } } },
          })),
        },
      }],
    },
  }, { ...c.opts, dependsOn: c.dependsOn });
}
