#!/usr/bin/env node
// Development entry: same as run.js; run `npm run build` first (commands load from dist/).
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
