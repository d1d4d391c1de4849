import ts from 'typescript';

/** What the walk over a module's public props found. */
export interface PropDocReport {
  /** Every member checked, as `Owner.prop` paths (`PlatformProps.wan.physicalPort`). */
  readonly checked: ReadonlySet<string>;
  /** The members that are optional somewhere they are used (directly or through `Partial<>`). */
  readonly optional: ReadonlySet<string>;
  /** `Owner.prop: <what is missing>`, sorted. */
  readonly problems: readonly string[];
}

interface Member {
  readonly name: string;
  readonly declaration: ts.Declaration;
  optional: boolean;
}

/**
 * Walks what `entry` exports from the files `isOwn` accepts: exported
 * interfaces and object type aliases, and the parameters of exported classes'
 * public constructors and methods and of exported functions, descending into
 * every nested type literal or interface their members use (lists and unions
 * included). Each member declared in an own file must carry a doc comment, and
 * one that is optional wherever it is used (including through `Partial<>` or
 * `Pick<>`) an `@default` tag with text. Classes (construct references such as
 * `Cluster`) are not descended into: their props are checked at their own
 * declaration.
 */
export function checkPropDocs(
  program: ts.Program,
  entry: string,
  isOwn: (fileName: string) => boolean,
): PropDocReport {
  const checker = program.getTypeChecker();
  const entryFile = program.getSourceFile(entry);
  if (!entryFile) throw new Error(`${entry} is not part of the program`);
  const moduleSymbol = checker.getSymbolAtLocation(entryFile);
  if (!moduleSymbol) throw new Error(`${entry} is not a module`);

  const members = new Map<ts.Declaration, Member>();
  const walkedTypes = new Set<ts.Type>();
  const ownDeclaration = (symbol: ts.Symbol): ts.Declaration | undefined =>
    symbol.getDeclarations()?.find((d) => isOwn(d.getSourceFile().fileName));

  const walkType = (type: ts.Type): void => {
    if (walkedTypes.has(type)) return;
    walkedTypes.add(type);
    if (type.isUnionOrIntersection()) {
      for (const t of type.types) walkType(t);
      if (type.isUnion()) return;
    }
    if (checker.isArrayType(type)) {
      for (const t of checker.getTypeArguments(type as ts.TypeReference)) walkType(t);
      return;
    }
    if (!(type.flags & ts.TypeFlags.Object)) return;
    if ((type.getSymbol()?.flags ?? 0) & ts.SymbolFlags.Class) return;
    for (const property of checker.getPropertiesOfType(type)) {
      const declaration = ownDeclaration(property);
      if (!declaration) continue;
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
      const known = members.get(declaration);
      if (known) known.optional ||= optional;
      else members.set(declaration, { name: memberName(declaration), declaration, optional });
      walkType(checker.getTypeOfSymbol(property));
    }
  };

  const walkParameters = (signature: ts.SignatureDeclaration): void => {
    for (const parameter of signature.parameters) walkType(checker.getTypeAtLocation(parameter));
  };

  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = ownDeclaration(symbol);
    if (!declaration) continue;
    if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
      walkType(checker.getDeclaredTypeOfSymbol(symbol));
    } else if (ts.isClassDeclaration(declaration)) {
      for (const member of declaration.members) {
        const hidden =
          ts.getCombinedModifierFlags(member) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected);
        if (hidden || (member.name && ts.isPrivateIdentifier(member.name))) continue;
        if (ts.isConstructorDeclaration(member) || ts.isMethodDeclaration(member)) walkParameters(member);
      }
    } else if (ts.isFunctionDeclaration(declaration)) {
      walkParameters(declaration);
    }
  }

  const problems: string[] = [];
  const optionalNames = new Set<string>();
  for (const { name, declaration, optional } of members.values()) {
    if (!docText(declaration)) problems.push(`${name}: no doc comment`);
    if (optional) {
      optionalNames.add(name);
      if (!defaultText(declaration)) problems.push(`${name}: optional without @default`);
    }
  }
  return {
    checked: new Set([...members.values()].map((m) => m.name)),
    optional: optionalNames,
    problems: problems.sort(),
  };
}

function docText(declaration: ts.Node): string {
  return ts
    .getJSDocCommentsAndTags(declaration)
    .filter(ts.isJSDoc)
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
    .join('')
    .trim();
}

function defaultText(declaration: ts.Node): string {
  const tag = ts.getJSDocTags(declaration).find((t) => t.tagName.text === 'default');
  return (tag ? (ts.getTextOfJSDocComment(tag.comment) ?? '') : '').trim();
}

/** `Interface.prop.nested`, `Class.method(param).prop` or `fn(param).prop`, from where it is declared. */
function memberName(declaration: ts.Node): string {
  const parts: string[] = [];
  for (let node: ts.Node | undefined = declaration; node; node = node.parent) {
    if (ts.isPropertySignature(node) || ts.isMethodSignature(node) || ts.isPropertyAssignment(node)) {
      parts.unshift(node.name.getText());
    } else if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) {
      parts.unshift(node.name.text);
      break;
    } else if (ts.isParameter(node)) {
      const fn = node.parent;
      const fnName = ts.isConstructorDeclaration(fn) ? 'constructor' : (fn.name?.getText() ?? '(anonymous)');
      const owner = ts.isClassDeclaration(fn.parent) ? `${fn.parent.name?.text ?? '(class)'}.` : '';
      parts.unshift(`${owner}${fnName}(${node.name.getText()})`);
      break;
    }
  }
  return parts.join('.');
}
