/**
 * Every type a consumer needs to write a component's args is importable from the package root
 * ("dify-aws"): the args interfaces and every interface, enum or alias they reference, however
 * deep (ImageSource, AppObservability, PostgresConnection, ...). Checked with the TypeScript
 * compiler on this repo's sources, which are what the package's declarations are built from.
 */
import { strict as assert } from "assert";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const ENTRY = path.join(ROOT, "components", "index.ts");

describe("component package: exports", function () {
  this.timeout(60_000);

  it("exports from the root every type the component args reference", () => {
    const program = ts.createProgram([ENTRY], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, skipLibCheck: true, types: [] });
    const checker = program.getTypeChecker();
    const entry = checker.getSymbolAtLocation(program.getSourceFile(ENTRY)!)!;
    const exported = new Set(checker.getExportsOfModule(entry).map((s) => s.getName()));
    const ours = (d: ts.Declaration) => d.getSourceFile().fileName.startsWith(path.join(ROOT, "components") + path.sep);

    const needed = new Map<string, string>();
    const seen = new Set<ts.Type>();
    const visit = (type: ts.Type, via: string): void => {
      if (seen.has(type)) return;
      seen.add(type);
      const symbol = type.aliasSymbol ?? type.getSymbol();
      const decl = symbol?.getDeclarations()?.[0];
      if (symbol && decl && ours(decl) && (ts.isInterfaceDeclaration(decl) || ts.isEnumDeclaration(decl) || ts.isTypeAliasDeclaration(decl) || ts.isEnumMember(decl))) {
        const named = ts.isEnumMember(decl) ? (decl.parent as ts.EnumDeclaration).name.text : symbol.getName();
        if (!needed.has(named)) needed.set(named, via);
      }
      if (type.isUnionOrIntersection()) type.types.forEach((t) => visit(t, via));
      for (const arg of checker.getTypeArguments(type as ts.TypeReference) ?? []) visit(arg, via);
      if (type.aliasTypeArguments) type.aliasTypeArguments.forEach((t) => visit(t, via));
      if (decl && !ours(decl)) return; // Pulumi's Input/Output: only their type arguments matter
      for (const prop of type.getProperties()) {
        const pd = prop.valueDeclaration ?? prop.getDeclarations()?.[0];
        if (!pd) continue;
        visit(checker.getTypeOfSymbolAtLocation(prop, pd), `${via}.${prop.getName()}`);
      }
      const index = type.getStringIndexType();
      if (index) visit(index, `${via}[key]`);
    };

    const components = [...exported].filter((n) => /^Dify[A-Z]\w*$/.test(n) && !n.endsWith("Args"));
    let constructors = 0;
    for (const name of components) {
      const sym = checker.getExportsOfModule(entry).find((s) => s.getName() === name)!;
      const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      const decl = target.valueDeclaration;
      if (!decl || !ts.isClassDeclaration(decl)) continue;
      const ctor = decl.members.find(ts.isConstructorDeclaration);
      if (!ctor || ctor.parameters.length < 2) continue;
      constructors++;
      visit(checker.getTypeAtLocation(ctor.parameters[1]), `${name} args`);
    }
    assert.ok(constructors >= 6, `the six components were inspected (${constructors})`);
    const missing = [...needed].filter(([n]) => !exported.has(n)).map(([n, via]) => `${n} (via ${via})`);
    assert.deepEqual(missing, [], "import these from \"dify-aws\"");
    for (const n of ["ImageSource", "AppObservability", "PostgresConnection", "RedisConnection", "ObjectStorage", "OidcProvider", "PostgresLogin"]) {
      assert.ok(exported.has(n), `${n} is exported from the package root`);
    }
  });
});
