/** An answer other than 200: status, Proxmox's reason phrase, and the 400 `errors` map. */
export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly errors?: Record<string, string>,
  ) {
    super(reason);
  }
}

export const notImplemented = (method: string, path: string) =>
  new EmulatorHttpError(501, `Method '${method} ${path}' not implemented`);
export const paramError = (errors: Record<string, string>) =>
  new EmulatorHttpError(400, 'Parameter verification failed.', errors);
/** Handler errors (`die "text\n"`) are 500 with the text as reason. */
export const dieError = (text: string) => new EmulatorHttpError(500, text);
