import type * as Pg from 'pg';
import { lazyRequire } from '../internal/lazy-require.js';

/** node-postgres, loaded when a queue is first opened rather than at every start of the CLI. */
export const loadPg = lazyRequire<typeof Pg>('pg');
