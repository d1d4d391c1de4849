import type { PveClient, PveParams } from '../client.ts';
import {
  nodeTasks,
  type TaskListEntry,
  type TaskLogLine,
  type TaskSource,
  type TaskStatus,
  taskLog,
  taskStatus,
  type WaitOptions,
  waitForTask,
} from '../tasks.ts';
import { isUpid } from '../upid.ts';
import { AccessApi } from './access.ts';
import { BackupJobsApi } from './backup-jobs.ts';
import { FirewallApi } from './firewall.ts';
import { HaResourcesApi } from './ha-resources.ts';
import { PoolsApi } from './pools.ts';
import {
  type ClusterResource,
  ClusterResourceSchema,
  intLike,
  type NetworkInterface,
  NetworkInterfaceSchema,
  NodeEntrySchema,
  QemuConfigSchema,
  QemuPendingSchema,
  QemuStatusSchema,
  SnapshotSchema,
  UpidSchema,
  VersionSchema,
} from './schemas.ts';
import { StorageApi } from './storage.ts';

const seg = (v: string | number) => encodeURIComponent(String(v));

/**
 * The calls the engine makes, typed and validated. Calls that Proxmox runs as
 * tasks return once the task finished (or failed, with its log).
 */
export class PveApi {
  readonly firewall: FirewallApi;
  readonly pools: PoolsApi;
  readonly access: AccessApi;
  readonly storage: StorageApi;
  readonly backupJobs: BackupJobsApi;
  readonly haResources: HaResourcesApi;

  constructor(
    readonly client: PveClient,
    private readonly wait: WaitOptions = {},
  ) {
    this.firewall = new FirewallApi(client);
    this.pools = new PoolsApi(client);
    this.access = new AccessApi(client);
    this.storage = new StorageApi(client, wait);
    this.backupJobs = new BackupJobsApi(client);
    this.haResources = new HaResourcesApi(client);
  }

  version() {
    return this.client.get('/version', {}, VersionSchema);
  }

  nodes() {
    return this.client.get('/nodes', {}, NodeEntrySchema.array());
  }

  /** One call that lists every guest, node, storage, pool and SDN zone of the cluster. */
  clusterResources(type?: 'vm' | 'storage' | 'node' | 'sdn'): Promise<ClusterResource[]> {
    return this.client.get('/cluster/resources', type ? { type } : {}, ClusterResourceSchema.array());
  }

  /** The next free VM id (Proxmox answers a string; it is not reserved). */
  nextId(): Promise<number> {
    return this.client.get('/cluster/nextid', {}, intLike);
  }

  qemuConfig(node: string, vmid: number) {
    return this.client.get(`/nodes/${seg(node)}/qemu/${vmid}/config`, {}, QemuConfigSchema);
  }

  /** Changes a VM's config (async form, waited for); `digest` guards against concurrent edits. */
  async updateQemuConfig(node: string, vmid: number, params: PveParams): Promise<void> {
    await this.task(await this.client.post(`/nodes/${seg(node)}/qemu/${vmid}/config`, params));
  }

  /** Changes a VM's config synchronously (PUT); Proxmox holds the config lock for the call. */
  async setQemuConfig(node: string, vmid: number, params: PveParams): Promise<void> {
    await this.client.put(`/nodes/${seg(node)}/qemu/${vmid}/config`, params);
  }

  /**
   * Grows a disk to `size` (`32G`, or `+8G` to add); Proxmox never shrinks one.
   * PVE 8 runs the resize as a task and answers its UPID, which is waited for.
   */
  async resizeQemuDisk(node: string, vmid: number, disk: string, size: string): Promise<void> {
    await this.task(
      await this.client.put(`/nodes/${seg(node)}/qemu/${vmid}/resize`, { disk, size }, UpidSchema.nullable()),
    );
  }

  async createQemu(node: string, params: PveParams & { vmid: number }): Promise<void> {
    await this.task(await this.client.post(`/nodes/${seg(node)}/qemu`, params, UpidSchema));
  }

  async cloneQemu(node: string, source: number, params: PveParams & { newid: number }): Promise<void> {
    await this.task(await this.client.post(`/nodes/${seg(node)}/qemu/${source}/clone`, params, UpidSchema));
  }

  async destroyQemu(
    node: string,
    vmid: number,
    params: PveParams = { purge: true, 'destroy-unreferenced-disks': true },
  ): Promise<void> {
    await this.task(await this.client.delete(`/nodes/${seg(node)}/qemu/${vmid}`, params, UpidSchema));
  }

  qemuStatus(node: string, vmid: number) {
    return this.client.get(`/nodes/${seg(node)}/qemu/${vmid}/status/current`, {}, QemuStatusSchema);
  }

  /** A power action, waited for; `shutdown` takes `timeout` (seconds) and `forceStop`. */
  async qemuPower(
    node: string,
    vmid: number,
    action: 'start' | 'stop' | 'shutdown' | 'reboot' | 'reset' | 'suspend' | 'resume',
    params: PveParams = {},
  ): Promise<void> {
    await this.task(
      await this.client.post(`/nodes/${seg(node)}/qemu/${vmid}/status/${action}`, params, UpidSchema),
    );
  }

  /**
   * Moves a VM to another node, waited for. A running one moves online, with
   * the disks on the node's own storage (Proxmox refuses them otherwise).
   */
  async migrateQemu(node: string, vmid: number, target: string, online: boolean): Promise<void> {
    await this.task(
      await this.client.post(
        `/nodes/${seg(node)}/qemu/${vmid}/migrate`,
        { target, ...(online ? { online: true, 'with-local-disks': true } : {}) },
        UpidSchema,
      ),
    );
  }

  /** Turns a stopped VM into a template, for good; waited for. */
  async convertToTemplate(node: string, vmid: number): Promise<void> {
    await this.task(
      await this.client.post(`/nodes/${seg(node)}/qemu/${vmid}/template`, {}, UpidSchema.nullable()),
    );
  }

  /** Config keys with changes a running VM has not taken yet (they wait for a cold start or reboot). */
  async qemuPendingKeys(node: string, vmid: number): Promise<string[]> {
    const entries = await this.client.get(
      `/nodes/${seg(node)}/qemu/${vmid}/pending`,
      {},
      QemuPendingSchema.array(),
    );
    return entries.filter((e) => e.pending !== undefined || e.delete !== undefined).map((e) => e.key);
  }

  snapshots(node: string, vmid: number) {
    return this.client.get(`/nodes/${seg(node)}/qemu/${vmid}/snapshot`, {}, SnapshotSchema.array());
  }

  async createSnapshot(node: string, vmid: number, name: string, description: string): Promise<void> {
    await this.task(
      await this.client.post(
        `/nodes/${seg(node)}/qemu/${vmid}/snapshot`,
        { snapname: name, description },
        UpidSchema,
      ),
    );
  }

  async rollbackSnapshot(node: string, vmid: number, name: string): Promise<void> {
    await this.task(
      await this.client.post(
        `/nodes/${seg(node)}/qemu/${vmid}/snapshot/${seg(name)}/rollback`,
        {},
        UpidSchema,
      ),
    );
  }

  async deleteSnapshot(node: string, vmid: number, name: string): Promise<void> {
    await this.task(
      await this.client.delete(`/nodes/${seg(node)}/qemu/${vmid}/snapshot/${seg(name)}`, {}, UpidSchema),
    );
  }

  network(node: string) {
    return this.client.get(`/nodes/${seg(node)}/network`, {}, NetworkInterfaceSchema.array());
  }

  /**
   * A node's interfaces as listed (staged edits included: Proxmox lists
   * interfaces.new while it exists) and, while edits are staged and not
   * applied, the `changes` Proxmox puts beside them: the unified diff from
   * the running file to the staged one.
   */
  async networkWithStaged(
    node: string,
  ): Promise<{ interfaces: NetworkInterface[]; staged: string | undefined }> {
    const { data, envelope } = await this.client.getWithEnvelope(
      `/nodes/${seg(node)}/network`,
      {},
      NetworkInterfaceSchema.array(),
    );
    const changes = envelope.changes;
    return { interfaces: data, staged: typeof changes === 'string' && changes !== '' ? changes : undefined };
  }

  createNetwork(node: string, params: PveParams & { iface: string; type: string }) {
    return this.client.post(`/nodes/${seg(node)}/network`, params);
  }

  updateNetwork(node: string, iface: string, params: PveParams & { type: string }) {
    return this.client.put(`/nodes/${seg(node)}/network/${seg(iface)}`, params);
  }

  deleteNetwork(node: string, iface: string) {
    return this.client.delete(`/nodes/${seg(node)}/network/${seg(iface)}`);
  }

  /** Applies staged network changes (ifreload); a task on recent versions. */
  async applyNetwork(node: string): Promise<void> {
    await this.task(await this.client.put(`/nodes/${seg(node)}/network`));
  }

  revertNetwork(node: string) {
    return this.client.delete(`/nodes/${seg(node)}/network`);
  }

  /** The effective privileges of the caller (or `userid`), by ACL path; same as `access.permissions`. */
  permissions(params: { path?: string; userid?: string } = {}) {
    return this.access.permissions(params);
  }

  /** A node's tasks (`source: 'active'` for the running ones), newest first. */
  nodeTasks(
    node: string,
    filter: { source?: TaskSource; typefilter?: string; vmid?: number; limit?: number } = {},
  ): Promise<TaskListEntry[]> {
    return nodeTasks(this.client, node, filter);
  }

  taskStatus(upid: string): Promise<TaskStatus> {
    return taskStatus(this.client, upid);
  }

  taskLog(upid: string, range: { start?: number; limit?: number } = {}): Promise<TaskLogLine[]> {
    return taskLog(this.client, upid, range);
  }

  waitForTask(upid: string, options: WaitOptions = this.wait): Promise<void> {
    return waitForTask(this.client, upid, options);
  }

  /** Waits for a task when the answer is a UPID; `null` means Proxmox already finished it. */
  private async task(answer: unknown): Promise<void> {
    if (isUpid(answer)) await waitForTask(this.client, answer, this.wait);
  }
}
