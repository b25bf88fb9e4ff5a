// Reads the runnable examples and the checked tables out of a Markdown document (docs/integration.md).
// Convention: an HTML comment right before a fenced block names it and says how to check it,
//   <!-- example: NAME key=value key=value flag -->
//   ```json
//   …
//   ```
// and an HTML comment right before a table marks it for a test: `<!-- table: NAME -->`.

export interface DocExample {
  name: string;
  attrs: Record<string, string>;
  /** The fence's info string: bash, json, js, yaml … */
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export interface FencedBlock {
  lang: string;
  line: number;
  /** The example tag right before the block, when there is one. */
  example: DocExample | null;
}

const EXAMPLE_RE = /^<!--\s*example:\s*(.*?)\s*-->\s*$/;
const TABLE_RE = /^<!--\s*table:\s*([\w-]+)\s*-->\s*$/;

function parseAttrs(spec: string): { name: string; attrs: Record<string, string> } {
  const [name, ...rest] = spec.split(/\s+/);
  const attrs: Record<string, string> = {};
  for (const tok of rest) {
    const eq = tok.indexOf('=');
    if (eq > 0) attrs[tok.slice(0, eq)] = tok.slice(eq + 1);
    else attrs[tok] = 'true';
  }
  return { name: name!, attrs };
}

/** Every fenced block of the document, with the example tag that precedes it (blank lines allowed between). */
export function fencedBlocks(md: string): FencedBlock[] {
  const lines = md.split('\n');
  const out: FencedBlock[] = [];
  let pending: { name: string; attrs: Record<string, string> } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const tag = EXAMPLE_RE.exec(line.trim());
    if (tag) { pending = parseAttrs(tag[1]!); continue; }
    const fence = /^(\s*)(`{3,})\s*([\w-]*)/.exec(line);
    if (fence) {
      const [, indent, ticks, lang] = fence;
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !lines[j]!.trim().startsWith(ticks!)) {
        body.push(lines[j]!.startsWith(indent!) ? lines[j]!.slice(indent!.length) : lines[j]!);
        j++;
      }
      const example = pending ? { ...pending, lang: lang ?? '', code: body.join('\n') + '\n', line: i + 1 } : null;
      out.push({ lang: lang ?? '', line: i + 1, example });
      pending = null;
      i = j;
      continue;
    }
    if (line.trim() !== '') pending = null;
  }
  return out;
}

export function docExamples(md: string): DocExample[] {
  return fencedBlocks(md).flatMap((b) => (b.example ? [b.example] : []));
}

/** The rows (cells, trimmed, header and separator dropped) of the table after `<!-- table: NAME -->`. */
export function docTable(md: string, name: string): string[][] {
  const lines = md.split('\n');
  const at = lines.findIndex((l) => TABLE_RE.exec(l.trim())?.[1] === name);
  if (at < 0) throw new Error(`no <!-- table: ${name} --> in the document`);
  let i = at + 1;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const rows: string[][] = [];
  for (; i < lines.length && lines[i]!.trim().startsWith('|'); i++) {
    const cells = lines[i]!.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim());
    rows.push(cells);
  }
  // rows[0] is the header, rows[1] the separator (---|---); anything else is a malformed table.
  if (!rows[1]?.every((c) => /^:?-+:?$/.test(c))) throw new Error(`table ${name} has no header separator`);
  return rows.slice(2);
}

/** The backticked `RW_ERR_…`, metric or variable names in a cell. */
export const codeSpans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
