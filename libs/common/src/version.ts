/** The release of this codebase (kept equal to package.json "version"; a unit test holds them together). */
export const VIGIL_VERSION = '0.1.0';
