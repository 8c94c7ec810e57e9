/**
 * Image sources: the ONE place an image reference is turned into what a pod (or a Helm chart)
 * pulls. Every component builds its image strings through `imageRef` so that a single registry
 * prefix moves every image of a stack to a private registry or mirror, optionally pinned by digest.
 *
 * Mapping with a registry prefix R (no prefix = the public reference, unchanged):
 *   postgres:16.14-alpine                      -> R/docker-hub/library/postgres:16.14-alpine
 *   langgenius/dify-api:1.16.1                 -> R/docker-hub/langgenius/dify-api:1.16.1
 *   public.ecr.aws/aws-cli/aws-cli:2.36.15     -> R/ecr-public/aws-cli/aws-cli:2.36.15
 *   registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0 -> R/k8s/autoscaling/cluster-autoscaler:v1.35.0
 *   quay.io/x/y:1 -> R/quay/x/y:1     ghcr.io/x/y:1 -> R/github/x/y:1     other.host/x:1 -> R/other.host/x:1
 *
 * The aliases are the repository prefixes of the ECR pull-through cache rules this package creates
 * (components/registry), so with R = `<account>.dkr.ecr.<region>.amazonaws.com` a private cluster
 * pulls through ECR. Docker Hub official images keep their implicit `library/` namespace, which
 * ECR's Docker Hub pull-through cache requires ("docker-hub/library/alpine", ECR user guide,
 * "Pulling an image with a pull through cache rule"). Any other mirror (Harbor proxy-cache
 * projects, Artifactory, Nexus) works when it serves the same layout (one project per alias).
 */
import { Problems } from "../checks";

/** A public registry this package knows, with the path alias it gets under a registry prefix. */
export interface UpstreamRegistry {
  /** Host as written in image references (Docker Hub: "docker.io"). */
  host: string;
  /** Path segment under the registry prefix; also the ECR pull-through cache repository prefix. */
  alias: string;
  /** Upstream URL an ECR pull-through cache rule takes (`upstreamRegistryUrl`). */
  ecrUpstreamUrl: string;
  /** True when ECR needs a Secrets Manager credential (`ecr-pullthroughcache/` prefixed) for it. */
  ecrCredentialRequired: boolean;
}

/**
 * Upstream registries ECR pull-through cache supports that images of this package come from.
 * ECR user guide "Sync an upstream registry with an Amazon ECR private registry": ECR Public,
 * registry.k8s.io and Quay need no credential; Docker Hub and GitHub Container Registry require one
 * stored in Secrets Manager under a name starting `ecr-pullthroughcache/`.
 */
export const UPSTREAM_REGISTRIES: readonly UpstreamRegistry[] = [
  { host: "docker.io", alias: "docker-hub", ecrUpstreamUrl: "registry-1.docker.io", ecrCredentialRequired: true },
  { host: "public.ecr.aws", alias: "ecr-public", ecrUpstreamUrl: "public.ecr.aws", ecrCredentialRequired: false },
  { host: "registry.k8s.io", alias: "k8s", ecrUpstreamUrl: "registry.k8s.io", ecrCredentialRequired: false },
  { host: "quay.io", alias: "quay", ecrUpstreamUrl: "quay.io", ecrCredentialRequired: false },
  { host: "ghcr.io", alias: "github", ecrUpstreamUrl: "ghcr.io", ecrCredentialRequired: true },
];

/** Docker Hub spellings that all mean docker.io. */
const DOCKER_HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** How a stack sources its images. Both fields optional: none = the public, tag-pinned images. */
export interface ImageSource {
  /**
   * Registry host[:port][/path] every image is pulled from instead of its public registry, e.g.
   * "123456789012.dkr.ecr.us-east-1.amazonaws.com" or "harbor.corp.example/dify". Default none.
   */
  registry?: string;
  /**
   * Digests by public image reference as written in this package ("langgenius/dify-api:1.16.1")
   * -> "sha256:<64 hex>". A pinned image is pulled as `<ref>:<tag>@sha256:…`. Default none.
   */
  digests?: Readonly<Record<string, string>>;
}

/** A parsed image reference. */
export interface ParsedImage {
  /** Registry host, Docker Hub normalised to "docker.io". */
  host: string;
  /** Repository path within the registry ("library/postgres" for Docker Hub official images). */
  path: string;
  /** Tag, if any. */
  tag?: string;
  /** Digest ("sha256:…"), if any. */
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]{1,5})?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

function isHost(first: string): boolean {
  return first.includes(".") || first.includes(":") || first === "localhost";
}

/** Parses `[host/]path[:tag][@digest]`; throws on anything that is not an image reference. */
export function parseImage(ref: string): ParsedImage {
  const bad = (why: string) => new Error(`image reference ${JSON.stringify(ref)} is invalid: ${why}`);
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad("digest must be sha256:<64 lowercase hex>");
  }
  const parts = rest.split("/");
  let host = "docker.io";
  if (parts.length > 1 && isHost(parts[0])) host = parts.shift()!;
  if (!HOST.test(host)) throw bad(`registry host "${host}"`);
  let last = parts[parts.length - 1];
  let tag: string | undefined;
  const colon = last.indexOf(":");
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    last = last.slice(0, colon);
    parts[parts.length - 1] = last;
    if (!TAG.test(tag)) throw bad(`tag "${tag}"`);
  }
  if (parts.length === 0 || parts.some((p) => !COMPONENT.test(p))) throw bad("repository path must be lowercase [a-z0-9._-] segments");
  if (DOCKER_HUB_HOSTS.has(host)) {
    host = "docker.io";
    if (parts.length === 1) parts.unshift("library");
  }
  return { host, path: parts.join("/"), tag, digest };
}

/**
 * Returns the problem with a registry prefix, or undefined when it is a valid
 * `host[:port][/path]` (no scheme, no tag or digest, no trailing slash, host with a dot, a port
 * or "localhost" so it cannot be mistaken for a Docker Hub namespace).
 */
export function registryPrefixProblem(prefix: string): string | undefined {
  if (prefix.trim() !== prefix || prefix === "") return "must be a non-empty registry host[/path] without spaces";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(prefix)) return "must not include a scheme (drop \"https://\")";
  if (prefix.endsWith("/")) return "must not end with \"/\"";
  if (prefix.includes("@")) return "must not include a digest or credentials";
  const [host, ...path] = prefix.split("/");
  if (!HOST.test(host) || !isHost(host)) return `registry host "${host}" must be a DNS name with a dot (or localhost), optionally with :port`;
  const port = host.includes(":") ? Number(host.split(":")[1]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) return `port ${port} is out of range`;
  const badSeg = path.find((p) => !COMPONENT.test(p));
  if (badSeg !== undefined) return `path segment "${badSeg}" must be lowercase [a-z0-9._-] (a tag ":x" does not belong in a prefix)`;
  return undefined;
}

/** Throws `<owner>: <field> must be a registry host[/path] …` when the prefix is invalid. */
export function validateImageSource(owner: string, field: string, src: ImageSource | undefined): void {
  const p = new Problems(owner);
  if (!src) return;
  if (src.registry !== undefined) {
    const why = registryPrefixProblem(src.registry);
    if (why) p.add(`${field}.registry`, src.registry, `a registry host[:port][/path] such as "123456789012.dkr.ecr.us-east-1.amazonaws.com" or "harbor.example.com/dify" (${why})`);
  }
  for (const [image, digest] of Object.entries(src.digests ?? {})) {
    try { parseImage(image); } catch (e) { p.add(`${field}.digests key`, image, (e as Error).message); }
    if (!DIGEST.test(digest)) p.add(`${field}.digests["${image}"]`, digest, '"sha256:" followed by 64 lower-case hex digits');
  }
  p.throwIfAny();
}

/** Path alias under a registry prefix for an upstream host (unknown hosts keep their own name). */
export function upstreamAlias(host: string): string {
  return UPSTREAM_REGISTRIES.find((u) => u.host === host)?.alias ?? host;
}

/** Repository (without tag/digest) an image is pulled from under `src`. */
export function imageRepository(image: string, src?: ImageSource): string {
  const p = parseImage(image);
  if (!src?.registry) return p.host === "docker.io" ? dockerHubShort(p.path) : `${p.host}/${p.path}`;
  return `${src.registry}/${upstreamAlias(p.host)}/${p.path}`;
}

function dockerHubShort(path: string): string {
  return path.startsWith("library/") ? path.slice("library/".length) : path;
}

/**
 * The reference a pod pulls for `image` (as written in this package: public, tag-pinned).
 * Without a registry the reference is returned unchanged, so default stacks do not move.
 */
export function imageRef(image: string, src?: ImageSource): string {
  const p = parseImage(image);
  const digest = src?.digests?.[image] ?? p.digest;
  if (!src?.registry && digest === p.digest) return image;
  const repo = imageRepository(image, src);
  return `${repo}${p.tag ? `:${p.tag}` : ""}${digest ? `@${digest}` : ""}`;
}

/**
 * Helm `image.repository` / `image.tag` values for a chart whose template renders
 * `{{repository}}:{{tag}}`: a digest rides in the tag ("v1.35.0@sha256:…"), which yields a valid
 * `repo:tag@digest` reference without relying on a chart-specific digest value.
 */
export function helmImage(image: string, src?: ImageSource): { repository: string; tag: string } {
  const p = parseImage(image);
  if (!p.tag) throw new Error(`helmImage: ${image} needs a tag`);
  const digest = src?.digests?.[image] ?? p.digest;
  return { repository: imageRepository(image, src), tag: digest ? `${p.tag}@${digest}` : p.tag };
}
