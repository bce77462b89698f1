// The directory argument as the user typed it, for next steps that name a command to run again: empty
// when the directory came from the config or the default (the bare command finds it again), else one
// shell word (single-quoted when it needs quoting), so a step followed verbatim acts on the same directory.
const plainWord = /^[\w@%+=:,./-]+$/;

export function shellWord(text: string): string {
  return plainWord.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** `online migrate` with the directory given on the command line, if any: `online migrate 'my dir'`. */
export function withDirectory(command: string, dir: string | undefined): string {
  return dir === undefined ? command : `${command} ${shellWord(dir)}`;
}
