export { planInput, type InputJob, type InputOptions, type InputPlan } from './build.js';
export { readChunks, parseSize, type ChunkSize } from './pipe.js';
export { splitInputWords, readLines, type InputSource, type InputWords } from './sources.js';
export { modify, parseTemplate, renderTemplate, SUPPORTED_REPLACEMENTS, type Template } from './template.js';
