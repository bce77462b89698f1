import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { tableToCreate } from '../../src/config/create-table-template.js';
import { renderSpecTemplate } from '../../src/config/spec-template.js';
import { SpecError } from '../../src/errors/index.js';
import { parseSpec } from '../../src/migration-spec/load-spec.js';

describe('which descriptions create a table (`online new`)', () => {
  it.each([
    ['create tickets', 'tickets'],
    ['Create Tickets', 'tickets'],
    ['create tickets and users', undefined],
    ['Create Tickets & users', undefined],
    ['create public.tickets', undefined],
    ['create table', undefined],
    ['create a table', undefined],
    ['create table support_notes', 'support_notes'],
    ['create a new table tickets', 'tickets'],
    ['add table tickets', 'tickets'],
    ['create index on tickets status', undefined],
    ['create unique email', undefined],
    ['add priority', undefined],
    ['ticket priority', undefined],
    ['recreate tickets', undefined],
  ])('%s → %s', (description, table) => {
    expect(tableToCreate(description)).toBe(table);
  });
});

describe('the create-table template', () => {
  const text = renderSpecTemplate({ name: '0001-create-tickets', description: 'create tickets', schemaRef: 'x.json', table: 'tickets' });

  it('names the table, and is refused untouched, saying a column is needed', () => {
    expect(parseYaml(text)).toEqual({ name: '0001-create-tickets', operations: [{ op: 'create-table', table: 'tickets', columns: [] }] });
    expect(() => parseSpec(parseYaml(text), '0001-create-tickets.yaml')).toThrow(SpecError);
    expect(() => parseSpec(parseYaml(text), '0001-create-tickets.yaml')).toThrow(/columns: needs at least one column/);
  });

  it('is a valid create-table spec with its placeholders uncommented', () => {
    const uncommented = text.replace('columns: []', 'columns:').replace(/^ {4}# /gm, '    ');
    const spec = parseSpec(parseYaml(uncommented), 'uncommented template');
    expect(spec.operations).toEqual([
      {
        op: 'create-table',
        schema: 'public',
        table: 'tickets',
        columns: [
          { name: 'id', type: 'bigint', nullable: false, identity: 'always' },
          { name: 'title', type: 'text', nullable: false },
          { name: 'parent_id', type: 'bigint', nullable: true },
          { name: 'created_at', type: 'timestamptz', nullable: false, default: 'now()' },
        ],
        primaryKey: ['id'],
        unique: [['title', 'created_at']],
        checks: [{ check: 'length(title) > 0' }],
        foreignKeys: [{ columns: ['parent_id'], references: { schema: 'public', table: 'tickets', columns: ['id'] }, onDelete: 'cascade' }],
      },
    ]);
  });
});
