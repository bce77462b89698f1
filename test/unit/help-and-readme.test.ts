// README.md, every command's --help text and examples/ checked against the code: every `--flag` a text
// names exists on the command it belongs to, every `online <command>` is a command, the README's table
// of shared flags says exactly which commands take them, and every example spec parses with a name of
// its own. The commands are found by listing src/commands, so one added later is covered as it lands.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpecFile } from '../../src/migration-spec/load-spec.js';

interface FlagLike {
  readonly allowNo?: boolean;
  readonly summary?: string;
  readonly description?: string;
}
interface CommandLike {
  readonly summary?: string;
  readonly description?: string;
  readonly examples?: readonly (string | { readonly command: string; readonly description?: string })[];
  readonly flags?: Readonly<Record<string, FlagLike>>;
  readonly baseFlags?: Readonly<Record<string, FlagLike>>;
  readonly args?: Readonly<Record<string, { readonly description?: string }>>;
  readonly enableJsonFlag?: boolean;
}
interface Mention {
  readonly command: string | undefined;
  readonly flag: string;
  readonly text: string;
}

const root = new URL('../../', import.meta.url);
const commandsDir = fileURLToPath(new URL('src/commands/', root));

async function loadCommands(): Promise<Map<string, CommandLike>> {
  const files = (await readdir(commandsDir, { recursive: true })).filter((file) => file.endsWith('.ts')).sort();
  const commands = new Map<string, CommandLike>();
  for (const file of files) {
    const loaded = (await import(`${commandsDir}${file}`)) as { default: CommandLike };
    commands.set(file.replace(/\.ts$/, '').split(/[\\/]/).join(' '), loaded.default);
  }
  return commands;
}

const commands = await loadCommands();

function flagsOf(command: CommandLike): Map<string, FlagLike> {
  const all = new Map(Object.entries({ ...command.baseFlags, ...command.flags }));
  if (command.enableJsonFlag === true) all.set('json', {});
  all.set('help', {});
  return all;
}

function takes(command: CommandLike, flag: string): boolean {
  const flags = flagsOf(command);
  if (flags.has(flag)) return true;
  return flag.startsWith('no-') && flags.get(flag.slice(3))?.allowNo === true;
}

/**
 * The flags a text names, each with the command it belongs to: the nearest `online <command>` before it
 * in the same clause (up to `;`, `|`, `&&`, a line end or a `#` comment), else `own`. Code (between
 * backticks, or all of it with `code`) counts only when it runs online, so `alembic upgrade head --sql`
 * is not read as a flag of ours.
 */
function mentions(text: string, own: string | undefined, code = false): Mention[] {
  const found: Mention[] = [];
  text
    .replaceAll('<%= config.bin %>', 'online')
    .split('`')
    .forEach((segment, index) => {
      const isCode = code || index % 2 === 1;
      for (const clause of segment.split(/;|\||&&|\n|\s#\s/)) {
        const invocation = clause.trim().replace(/^(\w+=\S*\s+)+/, '');
        if (isCode && !/^(npx )?online\b|^--/.test(invocation)) continue;
        let command = own;
        for (const match of clause.matchAll(/\bonline ([a-z][a-z-]*)|(?<![\w-])--([a-z][a-z0-9-]*)/g)) {
          if (match[1] !== undefined) command = isCode ? match[1] : commands.has(match[1]) ? match[1] : own;
          else if (match[2] !== undefined) found.push({ command, flag: match[2], text: clause.trim() });
        }
      }
    });
  return found;
}

/** `online <word>` in code that runs online (as `mentions` reads it) whose word is not a command. */
function unknownCommands(text: string, code = false): string[] {
  const segments = text.replaceAll('<%= config.bin %>', 'online').split('`');
  return segments
    .filter((_, index) => code || index % 2 === 1)
    .flatMap((segment) => segment.split(/;|\||&&|\n|\s#\s/))
    .map((clause) => clause.trim().replace(/^(\w+=\S*\s+)+/, ''))
    .flatMap((clause) => [...clause.matchAll(/^(?:npx )?online ([a-z][a-z-]*)/g)].map((match) => match[1] ?? ''))
    .filter((name) => !commands.has(name) && name !== 'help');
}

function problems(list: readonly Mention[]): string[] {
  return list.flatMap(({ command, flag, text }) => {
    if (command === undefined) return [];
    const found = commands.get(command);
    if (found === undefined) return [`online ${command} is not a command (in "${text}")`];
    return takes(found, flag) ? [] : [`online ${command} has no --${flag} (in "${text}")`];
  });
}

function helpTexts(command: CommandLike): string[] {
  return [
    command.summary ?? '',
    command.description ?? '',
    ...(command.examples ?? []).flatMap((example) =>
      typeof example === 'string' ? [`\`${example}\``] : [`\`${example.command}\``, example.description ?? ''],
    ),
    ...Object.values({ ...command.baseFlags, ...command.flags }).flatMap((flag) => [flag.summary ?? '', flag.description ?? '']),
    ...Object.values(command.args ?? {}).map((arg) => arg.description ?? ''),
  ];
}

describe('--help of every command', () => {
  it('found the commands', () => {
    expect([...commands.keys()]).toEqual(expect.arrayContaining(['start', 'complete', 'rollback', 'migrate', 'schema', 'new', 'demo']));
  });

  it.each([...commands.keys()])('online %s: every flag its summary, description, examples and flags name exists', (id) => {
    const command = commands.get(id) ?? {};
    const texts = helpTexts(command);
    expect(problems(texts.flatMap((text) => mentions(text, id)))).toEqual([]);
    expect(texts.flatMap((text) => unknownCommands(text))).toEqual([]);
  });
});

describe('README.md', async () => {
  const readme = await readFile(new URL('README.md', root), 'utf8');
  const lines = readme.split('\n');
  const fenced = new Set<number>();
  let inFence = false;
  lines.forEach((line, index) => {
    if (line.startsWith('```')) inFence = !inFence;
    else if (inFence) fenced.add(index);
  });
  const codeLines = lines
    .filter((_, index) => fenced.has(index))
    .join('\n')
    .replaceAll('\\\n', ' ');
  // A table headed `| you typed |` shows mistyped command lines on purpose (the errors they get).
  let mistyped = false;
  const tableRows = lines.filter((line, index) => {
    if (fenced.has(index) || !line.startsWith('|')) return false;
    if (!(lines[index - 1] ?? '').startsWith('|')) mistyped = line.startsWith('| you typed |');
    return !mistyped;
  });
  const prose = lines.filter((line, index) => !fenced.has(index) && !line.startsWith('|')).join('\n');
  const inlineCode = [...prose.matchAll(/`([^`\n]+)`/g)].map((match) => match[1] ?? '');

  it('every `online <command> … --flag` in its code blocks and inline code names a command and a flag of it', () => {
    const found = [...mentions(codeLines, undefined, true), ...inlineCode.flatMap((code) => mentions(code, undefined, true))];
    expect(found.filter((m) => m.command !== undefined).length).toBeGreaterThan(20);
    expect(problems(found)).toEqual([]);
    expect([codeLines, ...inlineCode].flatMap((code) => unknownCommands(code, true))).toEqual([]);
  });

  it('every table row that opens with `online <command>` names flags of that command, unless a code span names another', () => {
    const rowMentions = tableRows.flatMap((row) => {
      const command = /^\|\s*`online ([a-z][a-z-]*)/.exec(row)?.[1];
      if (command === undefined) return [];
      return row.split('|').flatMap((cell) => mentions(cell, command));
    });
    expect(rowMentions.length).toBeGreaterThan(5);
    expect(problems(rowMentions)).toEqual([]);
    expect(tableRows.flatMap((row) => unknownCommands(row))).toEqual([]);
  });

  it.each(['database-url', 'state-schema', 'config', 'json'])(
    'says which commands take --%s: "every command except …" lists exactly those without it',
    (flag) => {
      const row = tableRows.find((line) => line.startsWith(`| \`--${flag}\``));
      expect(row, `a row of the shared flags table for --${flag}`).toBeDefined();
      const except = /every command except ((?:`[a-z-]+`(?:, | and )?)+)/.exec(row ?? '')?.[1] ?? '';
      const claimed = [...except.matchAll(/`([a-z-]+)`/g)].map((match) => match[1]).sort();
      const without = [...commands].filter(([, command]) => !takes(command, flag)).map(([id]) => id);
      expect(claimed).toEqual(without.sort());
    },
  );
});

describe('examples/', async () => {
  const dir = fileURLToPath(new URL('examples/', root));
  const files = (await readdir(dir, { recursive: true })).filter((file) => /\.(ya?ml|json)$/.test(file)).sort();

  it('every spec file parses, and no two share a migration name (which would read as drift)', async () => {
    expect(files.length).toBeGreaterThan(20);
    const names = new Map<string, string[]>();
    for (const file of files) {
      const spec = await loadSpecFile(`${dir}${file}`);
      names.set(spec.name, [...(names.get(spec.name) ?? []), file]);
    }
    expect([...names].filter(([, named]) => named.length > 1)).toEqual([]);
  });
});
