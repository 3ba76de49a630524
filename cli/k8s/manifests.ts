// The k6 operator's TestRun and the ConfigMap holding the built script, as plain objects and as YAML.
// Field names follow the TestRun CustomResourceDefinition of k6 operator v1.6.0 (group k6.io, v1alpha1).

import { stringify as stringifyYaml } from 'yaml';
import { HerdUserError } from '../../lib/user-error.ts';

/** The k6 operator's API version and kind for a distributed test. */
export const TESTRUN_API_VERSION = 'k6.io/v1alpha1';
export const TESTRUN_KIND = 'TestRun';

/**
 * Largest ConfigMap Kubernetes stores: objects in etcd are limited to 1 MiB, data and metadata
 * together. Scripts near the limit need a PersistentVolumeClaim instead (`spec.script.volumeClaim`).
 */
export const MAX_CONFIGMAP_BYTES = 1024 * 1024;

// Room left under MAX_CONFIGMAP_BYTES for keys, metadata and labels.
const CONFIGMAP_OVERHEAD_BYTES = 4096;

/** One file of the ConfigMap: the script or a data file it opens, mounted next to each other. */
export interface ScriptFile {
  /** Key in the ConfigMap and file name inside the runner, such as `live-event.js`. */
  fileName: string;
  content: Buffer;
}

/** Everything the two manifests contain. */
export interface TestRunSettings {
  /** TestRun name; the ConfigMap is `<name>-script`. An RFC 1123 label. */
  name: string;
  /** Namespace for both objects; omitted means the namespace of the kubectl context. */
  namespace?: string;
  parallelism: number;
  script: ScriptFile;
  dataFiles: ScriptFile[];
  runner: {
    /** Kubernetes quantities, such as `2` and `4Gi`; set as both request and limit. */
    cpu: string;
    memory: string;
    /** Container image; omitted means the operator's default k6 image. */
    image?: string;
    env: Array<{ name: string; value: string }>;
    /** Secrets whose keys become environment variables of every runner. */
    envFromSecrets: string[];
  };
  /** Extra `k6 run` arguments, such as `--out experimental-prometheus-rw`. */
  arguments: string[];
  cleanup?: 'post';
}

/** A Kubernetes object as plain data, ready for YAML. */
export type KubernetesObject = Record<string, unknown>;

/** Labels on both objects, so `kubectl get -l` finds what herd generated. */
export function buildLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': 'k6-herd', 'app.kubernetes.io/instance': name };
}

/** Returns the name of the ConfigMap that contains the scripts of a TestRun. */
export function configMapNameFor(testRunName: string): string {
  return `${testRunName}-script`;
}

/**
 * Builds the ConfigMap with the script and its data files. UTF-8 text goes under `data`, byte
 * for byte; anything else under `binaryData` in base64. Throws HerdUserError when the files do not
 * fit in one ConfigMap.
 */
export function buildScriptConfigMap(settings: TestRunSettings): KubernetesObject {
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  let totalBytes = 0;
  for (const file of [settings.script, ...settings.dataFiles]) {
    if (file.fileName in data || file.fileName in binaryData) {
      throw new HerdUserError('K8S_FLAG_INVALID', `two files are named "${file.fileName}"; the ConfigMap needs distinct file names.`, 2);
    }
    const text = decodeUtf8Exactly(file.content);
    if (text === undefined) {
      binaryData[file.fileName] = file.content.toString('base64');
      totalBytes += binaryData[file.fileName].length;
    } else {
      data[file.fileName] = text;
      totalBytes += file.content.length;
    }
  }
  if (totalBytes + CONFIGMAP_OVERHEAD_BYTES > MAX_CONFIGMAP_BYTES) {
    throw new HerdUserError(
      'K8S_SCRIPT_TOO_LARGE',
      `the script and data files take ${totalBytes} bytes, more than one ConfigMap holds (${MAX_CONFIGMAP_BYTES} bytes in all). Shrink the bundle or put the files on a volume (spec.script.volumeClaim).`,
    );
  }

  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: buildMetadata(configMapNameFor(settings.name), settings),
    ...(Object.keys(data).length > 0 ? { data } : {}),
    ...(Object.keys(binaryData).length > 0 ? { binaryData } : {}),
  };
}

/** Builds the TestRun: one runner pod per execution segment, each on its own node (`separate`). */
export function buildTestRun(settings: TestRunSettings): KubernetesObject {
  const runner: Record<string, unknown> = {
    resources: {
      // Requests equal to limits give the pods the Guaranteed QoS class, so each runner gets the CPU its share was sized for.
      requests: { cpu: settings.runner.cpu, memory: settings.runner.memory },
      limits: { cpu: settings.runner.cpu, memory: settings.runner.memory },
    },
    env: settings.runner.env,
  };
  if (settings.runner.image !== undefined) {
    runner.image = settings.runner.image;
  }
  if (settings.runner.envFromSecrets.length > 0) {
    runner.envFrom = settings.runner.envFromSecrets.map((secretName) => ({ secretRef: { name: secretName } }));
  }

  const spec: Record<string, unknown> = {
    parallelism: settings.parallelism,
    separate: true,
    script: { configMap: { name: configMapNameFor(settings.name), file: settings.script.fileName } },
    arguments: settings.arguments.join(' '),
    runner,
  };
  if (settings.cleanup !== undefined) {
    spec.cleanup = settings.cleanup;
  }

  return {
    apiVersion: TESTRUN_API_VERSION,
    kind: TESTRUN_KIND,
    metadata: buildMetadata(settings.name, settings),
    spec,
  };
}

/** Renders objects as one multi-document YAML file, in order (the ConfigMap before the TestRun that mounts it). */
export function renderManifests(objects: readonly KubernetesObject[]): string {
  // lineWidth 0 keeps long lines whole; the yaml package picks a scalar style that round-trips the text exactly.
  return objects.map((object) => stringifyYaml(object, { lineWidth: 0 })).join('---\n');
}

function buildMetadata(objectName: string, settings: TestRunSettings): Record<string, unknown> {
  const labels = buildLabels(settings.name);
  return settings.namespace === undefined ? { name: objectName, labels } : { name: objectName, namespace: settings.namespace, labels };
}

function decodeUtf8Exactly(content: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(content);
  } catch (error) {
    if (error instanceof TypeError) {
      return undefined;
    }
    throw error;
  }
}
