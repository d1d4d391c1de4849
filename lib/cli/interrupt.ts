/**
 * Ctrl-C (SIGINT) and SIGTERM during a deploy or destroy: the first stops the
 * run gracefully (nothing new starts; what runs finishes, is recorded, and
 * the locks are released), the second exits at once with 130. What a second
 * one leaves (a lock of a dead process, an action running in Proxmox) the
 * next deploy takes over or adopts.
 */
export interface Interrupts {
  readonly signal: AbortSignal;
  dispose(): void;
}

export const INTERRUPTED_EXIT_CODE = 130;

export function stopOnInterrupt(say: (line: string) => void): Interrupts {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      say(
        `${name}: stopping. Nothing new starts; what is running finishes and is recorded (press Ctrl-C again to exit at once)`,
      );
      controller.abort();
      return;
    }
    say(`${name} again: exiting now; the next deploy takes over what this one left`);
    process.exit(INTERRUPTED_EXIT_CODE);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
