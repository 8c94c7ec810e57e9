/**
 * Mock answers for DifyEdge: a hosted-zone lookup, ACM's validation record, the validated
 * certificate, Route 53 record names.
 *
 * Every mocked hosted zone is the public zone "example.com" (the zone the shipped stack files
 * use), whatever its id: a stack whose dify:hostedZoneName is something else fails the deploy-time
 * cross-check, as it would against a real zone of another name.
 */
import { createHash } from "crypto";
import { ACCOUNT_ID, CallRule, StateRule } from "./types";

/** The name every mocked hosted zone has. */
export const MOCK_ZONE_NAME = "example.com";

export const calls: Record<string, CallRule> = {
  "aws:route53/getZone:getZone": (inputs) => ({
    id: String(inputs.zoneId),
    zoneId: String(inputs.zoneId),
    // The provider answers without the trailing dot Route 53 keeps.
    name: MOCK_ZONE_NAME,
    privateZone: false,
    arn: `arn:aws:route53:::hostedzone/${String(inputs.zoneId)}`,
  }),
};

export const state: Record<string, StateRule> = {
  "aws:acm/certificate:Certificate": (r) => ({
    // From the resource's name, not its registration order: resources registered before it (a
    // cache rule more or less) must not change the certificate a plan shows.
    arn: `arn:aws:acm:${r.region}:${ACCOUNT_ID}:certificate/00000000-0000-4000-8000-${createHash("sha256").update(r.name).digest("hex").slice(0, 12)}`,
    domainValidationOptions: [{
      domainName: r.inputs.domainName,
      resourceRecordName: `_3f1c2a9b8e7d6c5b4a3f2e1d0c9b8a7f.${String(r.inputs.domainName)}.`,
      resourceRecordType: "CNAME",
      resourceRecordValue: "_0a1b2c3d4e5f60718293a4b5c6d7e8f9.mhbtsbpdnt.acm-validations.aws.",
    }],
    status: "PENDING_VALIDATION",
  }),
  "aws:acm/certificateValidation:CertificateValidation": (r) => ({ certificateArn: r.inputs.certificateArn }),
  "aws:route53/record:Record": (r) => ({ fqdn: String(r.inputs.name).replace(/\.$/, "") }),
};
