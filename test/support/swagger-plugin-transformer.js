// Lets ts-jest run the @nestjs/swagger CLI plugin with the same options as nest-cli.json.
const transformer = require('@nestjs/swagger/plugin');
const options = require('../../nest-cli.json').compilerOptions.plugins.find((p) => p.name === '@nestjs/swagger').options;

module.exports.name = 'nestjs-swagger-transformer';
// Bump when this file changes: ts-jest keys its cache on it.
module.exports.version = 2;
// ts-jest's `cs.program` is the language service's first program, made before any file was read; the
// files it emits later belong to newer programs, so a checker from `cs.program` cannot see their types
// (return types of controller methods and types imported from other files came out as `Object`, and
// openapi.json differed from the one `nest build` writes). Ask the language service for its current
// program on each emit (ts-jest calls this factory for every file it compiles).
module.exports.factory = (cs) => transformer.before(options, cs._languageService?.getProgram() ?? cs.program);
