/**
 * Controlled egress: what may leave the cluster through the SSRF proxy (the only path out for
 * Dify's user-driven HTTP: tools, HTTP nodes, plugins, the sandbox), plus the settings that make
 * a closed network usable (a Python package mirror for plugin installs, the marketplace switch).
 * Validated before anything is registered.
 */
import { Problems } from "../checks";
import { DifyAppSettings } from "./args";

/** Egress settings, resolved. */
export interface EgressPlan {
  /** Only these destinations (squid dstdomain syntax); undefined = any public destination. */
  allowedDomains?: string[];
  /** Parent proxy every request is forwarded to. */
  upstreamProxy?: { host: string; port: number };
  /** PIP_MIRROR_URL of the plugin daemon and the sandbox. */
  pipMirrorUrl?: string;
  /** MARKETPLACE_ENABLED of the api (and, through its feature flags, the web console). */
  marketplaceEnabled: boolean;
  /** Closed network: IRSA pods and the proxy reach AWS APIs at interface endpoints in the VPC. */
  closedNetwork: boolean;
}

// squid dstdomain: "example.com" is that host only, ".example.com" the domain and its subdomains.
const DOMAIN = /^\.?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const HOST_PORT = /^((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?):(\d{1,5})$/;

/** Validates the egress args of DifyApp; problems go to `p`. */
export function resolveEgress(p: Problems, args: DifyAppSettings): EgressPlan {
  const closedNetwork = args.closedNetwork ?? false;
  let allowedDomains: string[] | undefined;
  if (args.egressAllowedDomains !== undefined) {
    if (p.items("args.egressAllowedDomains", args.egressAllowedDomains, (d) => (DOMAIN.test(d) ? undefined : 'a lowercase DNS name ("api.openai.com", or ".openai.com" for the domain and its subdomains; no scheme, port, path or wildcard "*")'))) {
      allowedDomains = [...new Set(args.egressAllowedDomains)];
    } else {
      allowedDomains = [];
    }
  }
  if (closedNetwork && (args.egressAllowedDomains ?? []).length === 0) {
    p.add("args.egressAllowedDomains", args.egressAllowedDomains, "at least one domain with closedNetwork: the SSRF proxy is the only way out and Dify must reach an LLM provider " +
      '(e.g. ["bedrock-runtime.us-east-1.amazonaws.com"] through its VPC endpoint, or ["api.openai.com"] through egressUpstreamProxy)');
  }
  let upstreamProxy: EgressPlan["upstreamProxy"];
  if (args.egressUpstreamProxy !== undefined) {
    const m = HOST_PORT.exec(args.egressUpstreamProxy);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) p.add("args.egressUpstreamProxy", args.egressUpstreamProxy, '"host:port" (a lowercase host name or IPv4 address and a port 1-65535, no scheme)');
    else upstreamProxy = { host: m[1], port };
  }
  let pipMirrorUrl: string | undefined;
  if (args.pipMirrorUrl !== undefined) {
    let u: URL | undefined;
    try { u = new URL(args.pipMirrorUrl); } catch { /* reported below */ }
    if (!u || !/^https?:$/.test(u.protocol) || u.username || u.password) {
      p.add("args.pipMirrorUrl", args.pipMirrorUrl, 'an http(s) URL of a Python package index without credentials (e.g. "https://pypi.corp.example/simple")');
    } else {
      pipMirrorUrl = args.pipMirrorUrl;
      // Plugin installs reach the mirror through the proxy: allow its host when a list is in force.
      if (allowedDomains && !allowedDomains.includes(u.hostname)) allowedDomains.push(u.hostname);
    }
  }
  return { allowedDomains, upstreamProxy, pipMirrorUrl, marketplaceEnabled: args.marketplaceEnabled ?? true, closedNetwork };
}
