/** How the engine guards a change inside a guest. */
export interface CriticalChangeOptions {
  /**
   * A critical change: the engine snapshots the guest's VM first, verifies the
   * change, and rolls back to the snapshot when it fails.
   * @default false
   */
  readonly critical?: boolean;
  /**
   * Snapshots of the guest to keep after a critical change.
   * @default 5
   */
  readonly snapshotRetention?: number;
}
