/**
 * One fanout transfer of `npm run bench:transfer`, in a process of its own, as its peers run: plain Node on
 * the built package (`dist/`), start-up included. Argument: a JSON job, { kind: 'upload' | 'download',
 * hosts: [{ host, port, user }], identityFile, knownHostsFile, from, to }; an upload's `to` may name the
 * host as `{host}`, a download lands in `to/h<index>/<name>`. Prints { maxRss } (bytes) when every
 * transfer succeeded.
 */
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const { closeSshConnections, createSshTarget, download, upload } = await import(
  pathToFileURL(resolve('dist/index.js')).href
);
const job = JSON.parse(process.argv[2]);
const targets = job.hosts.map((host) =>
  createSshTarget({
    ...host,
    identityFile: job.identityFile,
    knownHostsFile: job.knownHostsFile,
    configFile: false,
    agent: false,
  }),
);
await Promise.all(
  targets.map((target, index) =>
    job.kind === 'upload'
      ? upload(target, job.from, job.to.replaceAll('{host}', job.hosts[index].host))
      : download(target, job.from, join(job.to, `h${index}`, basename(job.from)), { mkdirs: true }),
  ),
);
await closeSshConnections();
console.log(JSON.stringify({ maxRss: process.resourceUsage().maxRSS * 1024 }));
