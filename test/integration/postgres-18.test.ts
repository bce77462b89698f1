// Every operation's lifecycle under application traffic, and version-specific behaviour, on PostgreSQL 18
// (NOT NULL constraints of its own, NOT VALID foreign keys on partitioned tables); the rest of the suite
// runs on 17. See test/support/postgres-version-suite.ts.
import { describePostgresVersion } from '../support/postgres-version-suite.js';

describePostgresVersion(18);
