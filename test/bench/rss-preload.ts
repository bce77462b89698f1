// Loaded into the `online` CLI under measurement (`node --import`): at exit it writes the process's
// peak resident set size, in bytes, to the file named by ONLINE_BENCH_RSS_FILE. Exact, unlike polling.
import { writeFileSync } from 'node:fs';

const file = process.env.ONLINE_BENCH_RSS_FILE;
if (file !== undefined && file !== '') {
  // maxRSS is in kilobytes.
  process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
}
