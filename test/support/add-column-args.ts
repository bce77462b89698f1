// The arguments of `online start add-column …`, which the CLI tests build again and again.
export interface AddColumnArgs {
  readonly table: string;
  readonly column: string;
  readonly type: string;
  readonly backfill: string;
  readonly notNull?: boolean;
  readonly migrationName?: string;
}

export function addColumnArgs(args: AddColumnArgs): string[] {
  return [
    ...['start', 'add-column', '--table', args.table, '--column', args.column, '--type', args.type, '--backfill', args.backfill],
    ...(args.notNull === true ? ['--not-null'] : []),
    ...(args.migrationName === undefined ? [] : ['--migration-name', args.migrationName]),
  ];
}
