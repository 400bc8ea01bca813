/** The library's public API as a user's editor sees it, through the TypeScript language service. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'

const root = join(import.meta.dirname, '..', '..')
const library = join(root, 'packages', 'keywarden')
const pkg = JSON.parse(readFileSync(join(library, 'package.json'), 'utf8'))

/** Every public name ('keywarden', 'keywarden/vault', …) and the source file it resolves to. */
export const entries: Record<string, string> = Object.fromEntries(
  Object.entries(pkg.exports as Record<string, Record<string, string> | string>)
    .filter(([, target]) => typeof target === 'object' && target['keywarden-source'])
    .map(([sub, target]) => [
      sub === '.' ? 'keywarden' : `keywarden/${sub.slice(2)}`,
      join(library, (target as Record<string, string>)['keywarden-source'] as string),
    ]),
)

/** A language service over one probe file written as a user would, importing public names only. */
export function probe(text: string) {
  const file = join(root, '__api_probe__.ts')
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ['keywarden-source'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    jsx: ts.JsxEmit.ReactJSX,
    jsxImportSource: 'hono/jsx',
    paths: Object.fromEntries(Object.entries(entries).map(([name, path]) => [name, [path]])),
  }
  const read = (f: string) => (f === file ? text : ts.sys.readFile(f))
  const service = ts.createLanguageService({
    getScriptFileNames: () => [file],
    getScriptVersion: () => '1',
    getScriptSnapshot: (f) => {
      const content = read(f)
      return content === undefined ? undefined : ts.ScriptSnapshot.fromString(content)
    },
    getCurrentDirectory: () => root,
    getCompilationSettings: () => options,
    getDefaultLibFileName: ts.getDefaultLibFilePath,
    fileExists: (f) => f === file || ts.sys.fileExists(f),
    readFile: read,
  })
  return {
    service,
    file,
    /** Documentation and tags shown on hover over the last occurrence of `word`. */
    hover(word: string) {
      const info = service.getQuickInfoAtPosition(file, text.lastIndexOf(word) + word.length - 1)
      return {
        text: ts.displayPartsToString(info?.documentation),
        tags: (info?.tags ?? []).map((t) => t.name),
      }
    },
    /** Completions offered right after `marker` (its last occurrence). */
    completions(marker: string) {
      const at = text.lastIndexOf(marker) + marker.length
      return (service.getCompletionsAtPosition(file, at, {})?.entries ?? []).map((e) => e.name)
    },
    diagnostics: () =>
      service.getSemanticDiagnostics(file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
  }
}

const inLibrary = (declaration: ts.Declaration) =>
  declaration.getSourceFile().fileName.startsWith(join(library, 'src'))

const NAMED = [
  ts.SyntaxKind.InterfaceDeclaration,
  ts.SyntaxKind.TypeAliasDeclaration,
  ts.SyntaxKind.ClassDeclaration,
  ts.SyntaxKind.EnumDeclaration,
]

/**
 * The named library types (interfaces, type aliases, classes) that some public signature uses but
 * no public entry exports, as "Name (used by entry:export)".
 */
export function unexportedTypes(): string[] {
  const { service } = probe(
    Object.keys(entries)
      .map((name) => `import '${name}'\n`)
      .join(''),
  )
  const program = service.getProgram() as ts.Program
  const checker = program.getTypeChecker()
  const exported = new Set<ts.Symbol>()
  const roots: { where: string; symbol: ts.Symbol }[] = []
  for (const [name, path] of Object.entries(entries)) {
    const source = program.getSourceFile(path)
    const moduleSymbol = source && checker.getSymbolAtLocation(source)
    if (!moduleSymbol) throw new Error(`no module for ${name}`)
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
      exported.add(target)
      roots.push({ where: `${name}:${symbol.name}`, symbol: target })
    }
  }
  const missing = new Map<string, string>()
  const seen = new Set<ts.Type>()
  const walk = (type: ts.Type, where: string, at: ts.Node): void => {
    if (seen.has(type)) return
    seen.add(type)
    for (const symbol of [type.aliasSymbol, type.getSymbol()]) {
      const declaration = symbol?.declarations?.[0]
      if (!symbol || !declaration || !NAMED.includes(declaration.kind) || !inLibrary(declaration)) continue
      if (!exported.has(symbol) && !missing.has(symbol.name)) missing.set(symbol.name, where)
    }
    for (const arg of type.aliasTypeArguments ?? []) walk(arg, where, at)
    if (type.isUnionOrIntersection()) for (const part of type.types) walk(part, where, at)
    if (type.flags & ts.TypeFlags.Object && (type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference)
      for (const arg of checker.getTypeArguments(type as ts.TypeReference)) walk(arg, where, at)
    const declaration = type.getSymbol()?.declarations?.[0]
    // Outside types (Promise, Kysely, Hono …) are the user's own imports: only their arguments count.
    if (declaration && !inLibrary(declaration)) return
    for (const property of type.getProperties()) {
      const decl = property.valueDeclaration ?? property.declarations?.[0]
      if (decl && !inLibrary(decl)) continue
      walk(checker.getTypeOfSymbolAtLocation(property, decl ?? at), `${where}.${property.name}`, at)
    }
    for (const signature of [...type.getCallSignatures(), ...type.getConstructSignatures()]) {
      for (const parameter of signature.getParameters())
        walk(checker.getTypeOfSymbolAtLocation(parameter, at), where, at)
      walk(signature.getReturnType(), where, at)
    }
  }
  for (const { where, symbol } of roots) {
    const declaration = symbol.declarations?.[0]
    if (!declaration) continue
    const type =
      symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class)
        ? checker.getDeclaredTypeOfSymbol(symbol)
        : checker.getTypeOfSymbolAtLocation(symbol, declaration)
    walk(type, where, declaration)
    if (symbol.flags & ts.SymbolFlags.Class)
      walk(checker.getTypeOfSymbolAtLocation(symbol, declaration), where, declaration)
  }
  return [...missing].map(([name, where]) => `${name} (used by ${where})`).sort()
}
