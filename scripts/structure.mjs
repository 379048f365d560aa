// Checks src/ for the two structural rules of the guide: no file over 400 lines, no import cycle (type-only
// imports included). Prints what breaks them and exits 1; `--json` prints { longFiles, cycles } instead.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
export const MAX_LINES = 400;

function files(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative module a file names: imports and re-exports, type-only ones and `import('...')` types too. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const out = new Set();
  const visit = (node) => {
    let spec;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) spec = node.moduleSpecifier.text;
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) spec = node.argument.literal.text;
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) spec = node.arguments[0].text;
    if (spec?.startsWith('.')) {
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      const candidates = [target, `${target}.ts`, join(target, 'index.ts')];
      const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
      if (hit) out.add(hit);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return [...out];
}

/** Strongly connected components of more than one file (or a file importing itself): Tarjan's algorithm. */
function cycles(graph, root) {
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), out = [];
  const strong = (v) => {
    idx.set(v, index); low.set(v, index); index += 1; stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do { w = stack.pop(); on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.map((f) => relative(root, f)).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** `{ longFiles, cycles }` of `<root>/src`, paths relative to `root`. */
export function check(root = ROOT) {
  const all = files(join(root, 'src'));
  const graph = new Map(all.map((f) => [f, importsOf(f)]));
  const longFiles = all
    .map((f) => {
      const text = readFileSync(f, 'utf8');
      return { file: relative(root, f), lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) };
    })
    .filter((f) => f.lines > MAX_LINES);
  return { longFiles, cycles: cycles(graph, root) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = check();
  if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else {
    for (const f of result.longFiles) console.log(`${f.file}: ${f.lines} lines (max ${MAX_LINES})`);
    for (const c of result.cycles) console.log(`import cycle: ${c.join(' <-> ')}`);
  }
  process.exit(result.longFiles.length + result.cycles.length === 0 ? 0 : 1);
}
