// The ON DELETE / ON UPDATE actions a foreign key may take, shared by add-foreign-key and create-table.
export const referentialActions = ['no action', 'restrict', 'cascade', 'set null', 'set default'] as const;
