/** Kubernetes recommended labels (app.kubernetes.io/*) for everything this package creates. */

export interface LabelArgs {
  /** The application, e.g. "dify". */
  name: string;
  /** The instance (the component's name). */
  instance: string;
  /** The part within the application, e.g. "api". */
  component: string;
  /** The application version, e.g. "1.16.1". */
  version?: string;
}

/** Full label set for metadata. */
export function standardLabels(a: LabelArgs): Record<string, string> {
  const labels: Record<string, string> = {
    "app.kubernetes.io/name": a.name,
    "app.kubernetes.io/instance": a.instance,
    "app.kubernetes.io/component": a.component,
    "app.kubernetes.io/part-of": "dify",
    "app.kubernetes.io/managed-by": "pulumi",
  };
  if (a.version) labels["app.kubernetes.io/version"] = a.version;
  return labels;
}

/** The stable subset used in selectors (never includes the version: selectors are immutable). */
export function selectorLabels(a: LabelArgs): Record<string, string> {
  return {
    "app.kubernetes.io/name": a.name,
    "app.kubernetes.io/instance": a.instance,
    "app.kubernetes.io/component": a.component,
  };
}
