// `herd k8s`: write a k6-operator TestRun and the ConfigMap with the built script. Contacts no cluster.

import { mkdirSync, writeFileSync } from 'node:fs';
import { K8S_USAGE, parseK8sFlags } from './k8s/flags.ts';
import { generateK8sManifests } from './k8s/generate.ts';
import { formatK8sReport } from './k8s/report.ts';

/** Runs `herd k8s`; returns the exit status. */
export async function runCommand(args: string[]): Promise<number> {
  const flags = parseK8sFlags(args);
  if (flags.help) {
    console.log(K8S_USAGE);
    return 0;
  }

  const generation = generateK8sManifests(flags, process.env);
  mkdirSync(flags.outDir, { recursive: true });
  writeFileSync(generation.manifestPath, generation.yaml);

  for (const warning of generation.warnings) {
    console.error(`herd k8s: warning: ${warning}`);
  }
  console.log(formatK8sReport(generation, flags));
  return 0;
}
