/** The API's version, from its package.json: one number for every package of the repository (CHANGELOG.md). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const VERSION = (require('../package.json') as { version: string }).version;
