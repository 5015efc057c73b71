import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/parallel/index.ts', 'src/cli/main.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
});
