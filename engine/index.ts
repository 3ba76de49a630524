// The public entry of the built-in engine.
export { runScript } from './run-script.ts';
export type { RunScriptOptions } from './run-script.ts';
export { ExitCode } from './errors.ts';
export type { Sample, SampleListener } from './metrics.ts';
