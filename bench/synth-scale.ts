/** How many customer stacks the synth bench synthesizes in one process (issue 13: 1,000). */
export const CUSTOMERS = 1_000;
