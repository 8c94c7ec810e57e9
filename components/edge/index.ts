export { DifyDomainRecord, DifyEdge, validateDomainRecordArgs, validateEdgeArgs } from "./edge";
export type { DifyDomainRecordArgs, DifyEdgeArgs, DifyWafArgs, HostedZoneArgs } from "./args";
export { DEFAULT_WAF_RATE_LIMIT, HOSTED_ZONE_ID, WAF_RATE_LIMIT_MAX, WAF_RATE_LIMIT_MIN, inZone, normalizeZoneName } from "./args";
export { BODY_RULE_EXCEPTIONS, DIFY_API_PATHS, pathRegex, wafRules } from "./waf";
