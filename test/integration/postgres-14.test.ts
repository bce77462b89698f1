// Every operation's lifecycle under application traffic, and version-specific behaviour, on PostgreSQL 14
// (the oldest with TID range scans); the rest of the suite runs on 17. See test/support/postgres-version-suite.ts.
import { describePostgresVersion } from '../support/postgres-version-suite.js';

describePostgresVersion(14);
