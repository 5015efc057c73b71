#!/usr/bin/env node
process.stderr.write('fanout: the command-line interface is not built yet\n');
process.exitCode = 2;
