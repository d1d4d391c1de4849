import { bind, convertParam } from './powershell-binder.ts';
import { expr } from './powershell-expressions.ts';
import {
  type CmdletCall,
  type CmdletDef,
  type CmdletErrorSpec,
  type PsErrorRecord,
  type PsInterpreter,
  PsRuntimeError,
} from './powershell-interpreter.ts';
import type { PsElement, PsExpr } from './powershell-parser.ts';
import { PsScriptBlock, shortTypeName, toStr } from './powershell-values.ts';

/**
 * Running one command of a pipeline: finding the cmdlet (or saying it is not
 * recognized, or not emulated), binding its arguments, feeding it pipeline
 * input once or per object, and turning what it writes into error records.
 */

const NOT_RECOGNIZED = (name: string) =>
  `The term '${name}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`;

export function command(
  ip: PsInterpreter,
  el: Extract<PsElement, { k: 'command' }>,
  input: unknown[] | undefined,
): unknown[] {
  if (el.callee) return invokeCallee(ip, el, el.callee, input);
  const key = el.name.toLowerCase().replace(/\.exe$/, '');
  const def = ip.host.cmdlets.get(el.name.toLowerCase()) ?? ip.host.cmdlets.get(key);
  if (!def) {
    const args = el.args.map((a) => (a.k === 'param' ? `-${a.name}` : toStr(expr(ip, a.expr))));
    const native = ip.host.nativeCommand?.(key, args);
    if (native) {
      ip.setVar('LASTEXITCODE', 0);
      return native;
    }
    if (ip.host.notEmulated.has(key) || ip.host.notEmulated.has(el.name.toLowerCase())) {
      throw new PsRuntimeError({
        message: `'${el.name}' exists on Windows but is not emulated by the pvecdk guest emulator.`,
        category: 'NotImplemented',
        targetName: el.name,
        targetType: 'String',
        activity: '',
        reason: 'NotImplementedException',
        fullyQualifiedErrorId: 'PvecdkEmulatorNotImplemented',
        commandName: el.name,
        extent: el.nameExtent,
      });
    }
    throw new PsRuntimeError({
      message: NOT_RECOGNIZED(el.name),
      category: 'ObjectNotFound',
      targetName: el.name,
      targetType: 'String',
      activity: '',
      reason: 'CommandNotFoundException',
      fullyQualifiedErrorId: 'CommandNotFoundException',
      commandName: el.name,
      extent: el.nameExtent,
    });
  }
  if (def.module && !ip.loadedModules.has(def.module)) {
    ip.loadedModules.add(def.module);
    ip.host.moduleLoaded?.(def.module);
  }
  const bound = bind(ip, def, el);
  const out: unknown[] = [];
  const pipelineParam = def.params.find((p) => p.pipeline);
  const runOnce = (params: Record<string, unknown>, boundSet: Set<string>, pipelined = false) => {
    checkMandatory(ip, def, params, boundSet, el);
    const action = toStr(params.ErrorAction ?? ip.errorActionPreference);
    const call: CmdletCall = {
      interp: ip,
      params,
      bound: boundSet,
      pipelined,
      extent: el.e,
      output: (v) => out.push(v),
      writeError: (spec) => {
        const record = cmdletRecord(ip, def, spec, el);
        if (action === 'Stop') throw new PsRuntimeError(record);
        ip.recordError(record);
        if (action === 'SilentlyContinue' || action === 'Ignore') return;
        ip.host.writeError(record);
        ip.lastOk = false;
      },
      fail: (spec) => {
        throw new PsRuntimeError(cmdletRecord(ip, def, spec, el));
      },
    };
    def.run(call);
  };
  if (input !== undefined && pipelineParam && def.perItem) {
    // The process block runs once per input object: never when upstream wrote nothing.
    for (const item of input) {
      const params = { ...bound.params };
      params[pipelineParam.name] = convertParam(ip, def, pipelineParam, item, el);
      runOnce(params, new Set([...bound.set, pipelineParam.name]));
    }
  } else if (input?.length && pipelineParam) {
    if (def.perItem) {
      for (const item of input) {
        const params = { ...bound.params };
        params[pipelineParam.name] = convertParam(ip, def, pipelineParam, item, el);
        runOnce(params, new Set([...bound.set, pipelineParam.name]));
      }
    } else {
      const params = { ...bound.params };
      params[pipelineParam.name] = input.map((v) => convertParam(ip, def, pipelineParam, v, el));
      runOnce(params, new Set([...bound.set, pipelineParam.name]), true);
    }
  } else if (input?.length && !pipelineParam) {
    throw new PsRuntimeError(
      cmdletRecord(
        ip,
        def,
        {
          message:
            'The input object cannot be bound to any parameters for the command either because the command does not take pipeline input or the input and its properties do not match any of the parameters that take pipeline input.',
          category: 'InvalidArgument',
          targetName: toStr(input[0]),
          targetType: shortTypeName(input[0]),
          reason: 'ParameterBindingException',
          errorId: 'InputObjectNotBound',
        },
        el,
      ),
    );
  } else if (
    input !== undefined &&
    pipelineParam &&
    def.collectsPipeline &&
    !bound.set.has(pipelineParam.name)
  ) {
    // An end block that collects its input: nothing came down the pipeline, so nothing to do.
  } else runOnce(bound.params, bound.set);
  return out;
}

export function checkMandatory(
  ip: PsInterpreter,
  def: CmdletDef,
  params: Record<string, unknown>,
  bound: Set<string>,
  el: Extract<PsElement, { k: 'command' }>,
): void {
  const missing = def.params.filter((p) => p.mandatory && !bound.has(p.name)).map((p) => p.name);
  if (missing.length) {
    throw new PsRuntimeError(
      cmdletRecord(
        ip,
        def,
        {
          message: `Cannot process command because of one or more missing mandatory parameters: ${missing.join(' ')}.`,
          category: 'InvalidArgument',
          reason: 'ParameterBindingException',
          errorId: 'MissingMandatoryParameter',
        },
        el,
      ),
    );
  }
  void params;
}

export function cmdletRecord(
  _ip: PsInterpreter,
  def: CmdletDef,
  spec: CmdletErrorSpec,
  el: Extract<PsElement, { k: 'command' }>,
): PsErrorRecord {
  return {
    message: spec.message,
    category: spec.category,
    targetName: spec.targetName ?? '',
    targetType: spec.targetType ?? (spec.targetName ? 'String' : ''),
    activity: def.name,
    reason: spec.reason,
    fullyQualifiedErrorId: `${spec.errorId},${def.className}`,
    commandName: def.name,
    extent: el.e,
  };
}

/**
 * `& <expr>` and `. <expr>`: a script block runs in a child scope (`&`: its
 * assignments vanish with it) or in the caller's (`.`, dot-sourcing); a
 * string names a command. Positional arguments are the block's `$args`.
 */
function invokeCallee(
  ip: PsInterpreter,
  el: Extract<PsElement, { k: 'command' }>,
  callee: { expr: PsExpr; dot: boolean },
  input: unknown[] | undefined,
): unknown[] {
  const target = expr(ip, callee.expr);
  if (typeof target === 'string') return command(ip, { ...el, name: target, callee: undefined }, input);
  if (!(target instanceof PsScriptBlock))
    throw ip.runtimeError(
      "The expression after '" +
        (callee.dot ? '.' : '&') +
        "' in a pipeline element produced an object that was not valid. It must result in a command name, a script block, or a CommandInfo object.",
      'InvalidOperation',
      'RuntimeException',
      'BadExpression',
      el.nameExtent,
    );
  const args = el.args.map((a) => (a.k === 'param' ? `-${a.name}` : expr(ip, a.expr)));
  if (callee.dot) {
    ip.setVar('args', args);
    return ip.block(target.body);
  }
  const saved = new Map(ip.vars);
  ip.setVar('args', args);
  if (input !== undefined) ip.setVar('input', input);
  try {
    return ip.block(target.body);
  } finally {
    ip.vars.clear();
    for (const [k, v] of saved) ip.vars.set(k, v);
  }
}
