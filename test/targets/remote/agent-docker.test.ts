import { describeAgents } from './agent-suite.js';
import { dockerCase } from './targets.js';

describeAgents(dockerCase(2));
