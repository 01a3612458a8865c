/**
 * @module agent — the composition root of the live agent: discovery, the kernel sensors (or
 * libpcap), the live pipeline and the sinks, wired and run. Imports every stage; only cli/ imports it.
 */
export { Agent, type AgentOptions } from './agent.js';
export { startControlPlane, weftVersion, type ControlOptions, type RunningControl } from './control.js';
