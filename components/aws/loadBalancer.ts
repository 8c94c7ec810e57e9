/**
 * The ALB that DifyApp's Ingress asks the AWS Load Balancer Controller for, looked up by its
 * explicit name (DifyApp `loadBalancerName`, the `alb.ingress.kubernetes.io/load-balancer-name`
 * annotation). The lookup takes the Ingress's load balancer host name (DifyApp
 * `loadBalancerHostname`) as a required input and runs only once that has resolved, so it can
 * never run before the controller has created the ALB: the components that read the ALB
 * (DifyDomainRecord, DifyLoadBalancerMonitoring) are built from it, after DifyApp.
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
