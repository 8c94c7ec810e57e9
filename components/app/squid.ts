/**
 * squid.conf for the SSRF proxy, written so squid runs as the unprivileged `proxy` user on a
 * read-only root filesystem: no cache_dir (memory only), pid and logs on emptyDirs or stdio, and
 * it never tries to change user (it is not started as root). Requests to private destinations
 * are refused here AND by the NetworkPolicy (defence in depth), as Dify's own template intends.
 */

/** Egress restrictions of the proxy (components/app/egress.ts). */
export interface SquidEgress {
  /** Only these dstdomain entries may be reached; everything else is denied. */
  allowedDomains?: readonly string[];
  /** Forward every request to this parent proxy (corporate egress), never directly. */
  upstreamProxy?: { host: string; port: number };
}

/**
 * Renders squid.conf. With an allow-list, only the listed domains are reached and they may
 * resolve to private addresses (PrivateLink endpoints such as bedrock-runtime resolve into the
 * VPC): the operator's list is the trust boundary; everything not on it is denied, private or not.
 */
export function squidConf(privateCidrs: readonly string[], port: number, egress: SquidEgress = {}): string {
  const deny = [...privateCidrs, "127.0.0.0/8", "0.0.0.0/8", "::1", "fc00::/7", "fe80::/10"];
  const allow = egress.allowedDomains;
  const lines = [
    "# Managed by dify-aws (components/app/squid.ts).",
    `http_port ${port}`,
    "pid_filename /var/run/squid/squid.pid",
    "coredump_dir /tmp",
    "cache deny all",
    "cache_mem 32 MB",
    "access_log stdio:/dev/stdout",
    "cache_log stdio:/dev/stderr",
    "cache_store_log none",
    "logfile_rotate 0",
    "shutdown_lifetime 5 seconds",
    // Clients: pods only reach us through the NetworkPolicy; they have private source addresses.
    "acl localnet src 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 fc00::/7 fe80::/10",
    `acl to_private dst ${deny.join(" ")}`,
    "acl SSL_ports port 443",
    "acl Safe_ports port 80 443",
    "acl CONNECT method CONNECT",
    "http_access deny !Safe_ports",
    "http_access deny CONNECT !SSL_ports",
    ...(allow ? [`acl allowed_domains dstdomain ${allow.join(" ")}`, "http_access deny !allowed_domains"] : ["http_access deny to_private"]),
    "http_access deny manager",
    "http_access allow localnet",
    "http_access deny all",
  ];
  if (egress.upstreamProxy) {
    // The corporate proxy makes the outbound connection; squid never connects directly.
    lines.push(`cache_peer ${egress.upstreamProxy.host} parent ${egress.upstreamProxy.port} 0 no-query no-digest no-netdb-exchange default`, "never_direct allow all");
  }
  return [...lines, ""].join("\n");
}
