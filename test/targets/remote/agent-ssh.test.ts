import { describeAgents } from './agent-suite.js';
import { sshCase } from './targets.js';

describeAgents(sshCase(5));
