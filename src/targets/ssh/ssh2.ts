import type * as Ssh2 from 'ssh2';
import { lazyRequire } from '../../internal/lazy-require.js';

/** ssh2, loaded when the first SSH key is read or connection opened: it costs more start-up time than the rest. */
export const loadSsh2 = lazyRequire<typeof Ssh2>('ssh2');
