// GraphQL types for the console, generated from BCS's own schema files so a
// schema change that breaks a console operation fails `make console-check`.
import type { CodegenConfig } from '@graphql-codegen/cli';
import { existsSync } from 'node:fs';

// schema-extensions.graphql carries the viewerCan block until graph/console.graphqls
// lands; once the backend's file exists, the local copy would be a duplicate.
const schema = ['../../graph/*.graphqls', './schema-directives.graphql'];
if (!existsSync('../../graph/console.graphqls') && existsSync('./schema-extensions.graphql')) {
  schema.push('./schema-extensions.graphql');
}

const config: CodegenConfig = {
  schema,
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { Time: 'string', Cursor: 'string', Map: 'Record<string, unknown>', StringMap: 'Record<string, string>' },
      },
    },
  },
};
export default config;
