import type { SshFixtureInfo } from './sshd.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The sshd fixtures started by test/support/ssh-setup.ts; see test/support/sshd.ts for the contract. */
    ssh: SshFixtureInfo;
  }
}
