/**
 * The ALB that DifyApp's Ingress asks the AWS Load Balancer Controller for, looked up by its
 * explicit name (DifyApp `loadBalancerName`, the `alb.ingress.kubernetes.io/load-balancer-name`
 * annotation). The lookup takes the Ingress's load balancer host name (DifyApp
 * `loadBalancerHostname`) as a required input and runs only once that has resolved, so it can
 * never run before the controller has created the ALB: the components that read the ALB
 * (DifyDomainRecord, DifyLoadBalancerMonitoring) are built from it, after DifyApp.
 *
 * DifyApp itself looks up the ALB and the api's target group the controller created for its
 * Ingress (requestAutoscaling: the CloudWatch dimensions of the api's ScaledObject) once the
 * Ingress's status carries the host name, with the same lookup and `ingressTargetGroup` below.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Problems, albName } from "../checks";

/** The two args every component that reads DifyApp's ALB takes. */
export interface LoadBalancerArgs {
  /** Name of DifyApp's ALB (DifyApp `loadBalancerName`): 1-32 letters, digits or '-'. Required. */
  loadBalancerName: string;
  /**
   * DNS name of that ALB as DifyApp's Ingress reports it (DifyApp `loadBalancerHostname`). The
   * lookup waits for it, so pass DifyApp's output (not a literal): it resolves only once the
   * controller has created the ALB. When not empty, it must be the DNS name of the ALB named
   * `loadBalancerName`. Required.
   */
  loadBalancerHostname: pulumi.Input<string>;
}

/** Records what is wrong with the two args (a missing host name is refused: the lookup would not wait). */
export function loadBalancerProblems(p: Problems, args: Partial<LoadBalancerArgs> | undefined): void {
  p.check("args.loadBalancerName", args?.loadBalancerName, albName);
  const h = args?.loadBalancerHostname;
  if (h === undefined || h === null || h === "") {
    p.add("args.loadBalancerHostname", h === null ? undefined : h, "DifyApp's loadBalancerHostname output (the ALB lookup waits for it, so it cannot run before the ALB exists)");
  }
}

/** "Dify-Prod-1.us-east-1.elb.amazonaws.com." -> "dify-prod-1.us-east-1.elb.amazonaws.com". */
const dnsKey = (h: string) => h.trim().toLowerCase().replace(/\.$/, "");

/**
 * The ALB named `loadBalancerName`, looked up once `loadBalancerHostname` has resolved. Fails the
 * deploy when the Ingress reports another ALB than the one of that name (a mismatched name would
 * otherwise chart and alarm on, or point the domain at, the wrong load balancer).
 */
export function lookupLoadBalancer(subject: string, args: LoadBalancerArgs, parent: pulumi.Resource): pulumi.Output<aws.lb.GetLoadBalancerResult> {
  return pulumi.output(args.loadBalancerHostname).apply((hostname) =>
    aws.lb.getLoadBalancerOutput({ name: args.loadBalancerName }, { parent }).apply((lb) => {
      if (hostname !== "" && dnsKey(hostname) !== dnsKey(lb.dnsName)) {
        throw new pulumi.RunError(`${subject}: args.loadBalancerName: got "${args.loadBalancerName}", allowed the name of the ALB at args.loadBalancerHostname ${hostname} (DifyApp's loadBalancerName); the ALB of that name answers at ${lb.dnsName}`);
      }
      return lb;
    }));
}

/** Which Ingress backend a target group serves, in the controller's terms. */
export interface IngressBackendRef {
  /** EKS cluster the controller runs in. */
  clusterName: pulumi.Input<string>;
  /** Namespace and name of the Ingress. */
  ingressNamespace: string;
  ingressName: string;
  /** IngressGroup (annotation alb.ingress.kubernetes.io/group.name), if the Ingress joins one. */
  groupName?: string;
  /** The backend Service and its port as the Ingress names it (a port name or number). */
  serviceName: string;
  servicePort: string;
}

/**
 * The tags the controller puts on the target group of an Ingress backend
 * (kubernetes-sigs/aws-load-balancer-controller v3.5.0-8-g225f4456 pkg/deploy/tracking/provider.go
 * and pkg/ingress/model_build_target_group.go buildTargetGroupResourceID):
 * `elbv2.k8s.aws/cluster` = the cluster name; `ingress.k8s.aws/stack` = the group name, or
 * `namespace/ingressName` for an Ingress in no group; `ingress.k8s.aws/resource` =
 * `namespace/ingressName-serviceName:servicePort`. The cluster tag makes the match unique in the
 * account and region (EKS cluster names are), so a same-named namespace elsewhere cannot match.
 */
export function targetGroupTags(b: IngressBackendRef): pulumi.Output<Record<string, string>> {
  return pulumi.output(b.clusterName).apply((cluster): Record<string, string> => ({
    "elbv2.k8s.aws/cluster": cluster,
    "ingress.k8s.aws/stack": b.groupName ?? `${b.ingressNamespace}/${b.ingressName}`,
    "ingress.k8s.aws/resource": `${b.ingressNamespace}/${b.ingressName}-${b.serviceName}:${b.servicePort}`,
  }));
}

/** The target group of one Ingress backend (by the controller's tags), looked up once `ready` resolves. */
export function ingressTargetGroup<T>(b: IngressBackendRef, ready: pulumi.Input<T>, parent: pulumi.Resource): pulumi.Output<aws.lb.GetTargetGroupResult> {
  return pulumi.output(ready).apply(() => targetGroupTags(b)).apply((tags) => aws.lb.getTargetGroupOutput({ tags }, { parent }));
}
