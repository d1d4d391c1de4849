/** An answer other than 200: status, Proxmox's reason phrase, and the 400 `errors` map. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly errors?: Record<string, string>,
  ) {
    super(reason);
  }
}

export const notImplemented = (method: string, path: string) =>
  new SimHttpError(501, `Method '${method} ${path}' not implemented`);
export const paramError = (errors: Record<string, string>) =>
  new SimHttpError(400, 'Parameter verification failed.', errors);
/** Handler errors (`die "text\n"`) are 500 with the text as reason. */
export const dieError = (text: string) => new SimHttpError(500, text);
