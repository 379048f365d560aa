export { ADAPTIVE, SAFETY_NET, adaptivePolicy, estimateEta, policyDelay, type PollingPolicy, type PollingPolicyFunction, type PollState } from './adaptive.js';
export { LEARNED, LearnedPolicy, type ObservedEnd, type ScheduleInput } from './learned.js';
export { FAMILY_PRIORS, DEFAULT_PRIOR, type DurationPrior } from './priors.js';
export { DurationSketch, priorBins, SKETCH_EDGES, type SurvivalCurve } from './sketch.js';
export { optimalSchedule, empiricalCurve, evaluateSchedule, type AgeSchedule, type ScheduleOptions, type ScheduleReplay } from './optimizer.js';
export { resolvePolicy, type PolicyRuntime } from './resolve.js';
