import { describeAgents } from './agent-suite.js';
import { localCase } from './targets.js';

describeAgents(localCase());
