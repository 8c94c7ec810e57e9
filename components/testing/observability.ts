/**
 * Mock answers for DifyObservability and the components built after DifyApp: the ALB lookup of
 * DifyLoadBalancerMonitoring and DifyDomainRecord (components/aws/loadBalancer.ts, by the explicit
 * name DifyApp gives it) with a realistic ARN suffix and DNS name
 * (`<name>-123456789.<region>.elb.amazonaws.com`: pass that as `loadBalancerHostname` to exercise
 * the host-name check), and the regional ELB log-delivery account.
 */
import { ACCOUNT_ID, CallRule } from "./types";

/** The id part the mock ALB gets: `app/<name>/<LB_ID>`. */
export const LB_ID = "50dc6c495c0c9188";

export const calls: Record<string, CallRule> = {
  "aws:lb/getLoadBalancer:getLoadBalancer": (inputs, region) => {
    const name = String(inputs.name);
    const arnSuffix = `app/${name}/${LB_ID}`;
    return {
      id: `arn:aws:elasticloadbalancing:${region}:${ACCOUNT_ID}:loadbalancer/${arnSuffix}`,
      arn: `arn:aws:elasticloadbalancing:${region}:${ACCOUNT_ID}:loadbalancer/${arnSuffix}`,
      arnSuffix,
      name,
      dnsName: `${name}-123456789.${region}.elb.amazonaws.com`,
      // The canonical hosted zone of ALBs in us-east-1 (ELB endpoints table); alias records use it.
      zoneId: "Z35SXDOTRQ7X7K",
      loadBalancerType: "application",
    };
  },
  // The us-east-1 ELB account (ELB user guide, access logs bucket policy table).
  "aws:elb/getServiceAccount:getServiceAccount": () => ({ id: "127311923021", arn: "arn:aws:iam::127311923021:root" }),
};
