/**
 * DNS and TLS from a Route 53 public hosted zone: an ACM certificate for the domain validated by
 * DNS (the validation record in the zone, and a CertificateValidation that completes only once
 * ACM has issued it, so the ALB never gets a pending certificate; DifyEdge, before DifyApp), and
 * an alias A record for the domain pointing at the ALB (DifyDomainRecord, after DifyApp).
 *
 * Why an alias record from the program and not ExternalDNS: the ALB is created by the AWS Load
 * Balancer Controller, but its name is fixed (DifyApp's load-balancer-name annotation), so one
 * lookup by name gives its DNS name and canonical zone id once the Ingress is reconciled. A record
 * managed by Pulumi shows in the preview, is deleted with the stack and needs no extra controller
 * with write access to the zone (ExternalDNS would need route53:ChangeResourceRecordSets on the
 * zone from inside the cluster, another chart to pin, mirror and harden, for one record).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HostedZoneArgs, normalizeZoneName } from "./args";

/**
 * The zone id, once a lookup has confirmed the zone's name and that it is public: a mismatch
 * fails `pulumi up` with a message naming both, before any record is written.
 */
export function checkedZoneId(zone: HostedZoneArgs, parent: pulumi.Resource): pulumi.Output<string> {
  return aws.route53.getZoneOutput({ zoneId: zone.zoneId }, { parent }).apply((z) => {
    if (normalizeZoneName(z.name) !== normalizeZoneName(zone.zoneName)) {
      throw new pulumi.RunError(`hosted zone ${zone.zoneId} is named "${normalizeZoneName(z.name)}", not "${normalizeZoneName(zone.zoneName)}": set dify:hostedZoneName (DifyEdge args.hostedZone.zoneName) to the zone's name, or dify:hostedZoneId to the id of "${normalizeZoneName(zone.zoneName)}"`);
    }
    if (z.privateZone) {
      throw new pulumi.RunError(`hosted zone ${zone.zoneId} ("${normalizeZoneName(z.name)}") is private: ACM validates certificates through public DNS and users resolve the domain publicly; allowed a public hosted zone`);
    }
    return z.zoneId;
  });
}

/** An ACM certificate for `domain`, DNS-validated in the zone; the ARN resolves once it is issued. */
export function validatedCertificate(name: string, domain: string, zoneId: pulumi.Output<string>, tags: Record<string, string>, parent: pulumi.Resource): pulumi.Output<string> {
  const cert = new aws.acm.Certificate(`${name}-certificate`, {
    domainName: domain,
    validationMethod: "DNS",
    keyAlgorithm: "RSA_2048",
    tags,
  }, { parent });
  // One domain, no SANs: exactly one validation option.
  const option = cert.domainValidationOptions.apply((o) => o[0]);
  const record = new aws.route53.Record(`${name}-certificate-validation`, {
    zoneId,
    name: option.apply((o) => o.resourceRecordName),
    type: option.apply((o) => o.resourceRecordType),
    records: [option.apply((o) => o.resourceRecordValue)],
    ttl: 300,
    // ACM gives every certificate for this name the same record: a replacement certificate (or a
    // second stack for the same name) finds it already there.
    allowOverwrite: true,
  }, { parent });
  const validation = new aws.acm.CertificateValidation(`${name}-certificate-validation`, {
    certificateArn: cert.arn,
    validationRecordFqdns: [record.fqdn],
  }, { parent });
  return validation.certificateArn;
}

/** The domain's alias A record pointing at the ALB `lb` (looked up after DifyApp: components/aws/loadBalancer.ts). */
export function aliasRecord(name: string, domain: string, zoneId: pulumi.Output<string>, lb: pulumi.Output<aws.lb.GetLoadBalancerResult>, opts: pulumi.CustomResourceOptions): aws.route53.Record {
  return new aws.route53.Record(`${name}-domain`, {
    zoneId,
    name: domain,
    type: "A",
    aliases: [{ name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true }],
  }, opts);
}
