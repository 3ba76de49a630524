// The live event of scenarios/live-event.yaml as a k6 script: one ramping-arrival-rate scenario
// per platform, each iteration one arriving user playing the platform's bundle. Environment
// variables (HERD_TARGET, HERD_SCALE, …) are described in lib/bundle/event-script.ts.
import { createEventScript } from '../lib/bundle/event-script.ts';
import event from './live-event.yaml';

const script = createEventScript(event);

export const options = script.options;
export const playUser = script.playUser;
export const handleSummary = script.handleSummary;
