import type * as Yaml from 'yaml';
import type { Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { lazyRequire } from './lazy-require.js';

/** The YAML parser, loaded when the first inventory is read rather than at every start. */
const loadYaml = lazyRequire<typeof Yaml>('yaml');

export const parseDocument: typeof Yaml.parseDocument = (...args: Parameters<typeof Yaml.parseDocument>) =>
  loadYaml().parseDocument(...args);
export const newLineCounter = (): Yaml.LineCounter => new (loadYaml().LineCounter)();
export const isMap = (node: unknown): node is YAMLMap<unknown, unknown> => loadYaml().isMap(node);
export const isScalar = (node: unknown): node is Scalar => loadYaml().isScalar(node);
export const isSeq = (node: unknown): node is YAMLSeq<unknown> => loadYaml().isSeq(node);
