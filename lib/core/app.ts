import { Construct } from 'constructs';
import { SynthError } from './errors.ts';
import { callerFiles } from './private/caller-files.ts';
import { type Assembly, synthesize, writeAssembly } from './synthesizer.ts';

const APP_SYMBOL = Symbol.for('pvecdk.App');
const REGISTRY = Symbol.for('pvecdk.AppRegistry');

export interface AppProps {
  /**
   * Where plans are written.
   * @default - `$PVECDK_OUTDIR`, else `'cdk.out'`
   */
  readonly outdir?: string;
  /**
   * Context values (cdk.json's `context`, `--context` on the CLI); `$PVECDK_CONTEXT` (JSON) is merged
   * under them.
   * @default - only the values of `$PVECDK_CONTEXT`, if set
   */
  readonly context?: Record<string, unknown>;
}

/** The root of a construct tree: holds stacks, context, and synthesizes plans. */
export class App extends Construct {
  static isApp(x: unknown): x is App {
    return typeof x === 'object' && x !== null && APP_SYMBOL in x;
  }

  /** Apps created in this process, in order; the CLI finds a stack file's app here. */
  static get instances(): readonly App[] {
    return registry();
  }

  readonly outdir: string;
  /** Files on the call stack when the App was created; the CLI records the App's file with each stack. */
  readonly creationFiles: readonly string[];

  constructor(props: AppProps = {}) {
    super(undefined as unknown as Construct, '');
    Object.defineProperty(this, APP_SYMBOL, { value: true });
    this.outdir = props.outdir ?? process.env.PVECDK_OUTDIR ?? 'cdk.out';
    this.creationFiles = callerFiles();
    const envContext = parseEnvContext();
    for (const [k, v] of Object.entries({ ...envContext, ...props.context })) this.node.setContext(k, v);
    registry().push(this);
  }

  /** Synthesize every stack; with `write` (default) the plans land in `outdir`. */
  synth(
    options: {
      /**
       * Write the plans and the manifest into `outdir`.
       * @default true
       */
      write?: boolean;
    } = {},
  ): Assembly {
    const assembly = synthesize(this);
    if (options.write ?? true) writeAssembly(assembly, this.outdir);
    return assembly;
  }
}

function registry(): App[] {
  const g = globalThis as unknown as Record<symbol, App[] | undefined>;
  g[REGISTRY] ??= [];
  return g[REGISTRY];
}

function parseEnvContext(): Record<string, unknown> {
  const raw = process.env.PVECDK_CONTEXT;
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
    return parsed as Record<string, unknown>;
  throw new SynthError(
    'SYNTH_INVALID_CONTEXT',
    'PVECDK_CONTEXT does not hold one JSON object of context values',
    'set it to a JSON object such as {"remote":"lab"}, or unset it',
  );
}
