/**
 * Matching image sets per supported Dify release. api, worker, beat, web and the plugin daemon
 * must move together (the api speaks a daemon protocol of its own release), so the Dify version
 * is the only knob and this table is the only place an image tag appears.
 */

/** The images that make up one Dify release. */
export interface DifyImageSet {
  /** `langgenius/dify-api` (api, worker, worker-beat, migration Job, websocket api). */
  api: string;
  /** `langgenius/dify-web`. */
  web: string;
  /** `langgenius/dify-sandbox`. */
  sandbox: string;
  /** `langgenius/dify-plugin-daemon` (the `-local` runtime flavour). */
  pluginDaemon: string;
  /** Squid for the SSRF proxy. */
  ssrfProxy: string;
}

// Canonical's squid image publishes no `latest`-free immutable tag; `<squid>-<ubuntu>_<risk>` is the
// most specific tag it offers (seen pinned as ubuntu/squid:6.6-24.04_beta in several public repos).
// Users who need byte-for-byte reproducibility should override with a digest (`imageOverrides`).
const SQUID = "ubuntu/squid:6.6-24.04_beta";

/**
 * Supported releases. 1.16.1 is the newest set verified in Dify's own docker-compose
 * (shared/dify-reference.md §1, commit bc2de8b3). 1.16.0 is NOT listed: its compose was not read.
 */
export const DIFY_VERSIONS: Readonly<Record<string, DifyImageSet>> = {
  "1.16.1": {
    api: "langgenius/dify-api:1.16.1",
    web: "langgenius/dify-web:1.16.1",
    sandbox: "langgenius/dify-sandbox:0.2.15",
    pluginDaemon: "langgenius/dify-plugin-daemon:0.6.3-local",
    ssrfProxy: SQUID,
  },
};

/** The release a new stack gets. */
export const DEFAULT_DIFY_VERSION = "1.16.1";

/** Kubernetes-name-safe form of a version: "1.16.1" -> "1-16-1". */
export function versionSlug(version: string): string {
  return version.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}
