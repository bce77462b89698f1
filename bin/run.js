#!/usr/bin/env node
// The `online` CLI entry: runs the compiled oclif commands.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
