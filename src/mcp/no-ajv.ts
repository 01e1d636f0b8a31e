/**
 * Stands in for the MCP SDK's default JSON Schema validator (ajv and its formats) in the binary:
 * the SDK's server module always imports it, exprag hands the server a validator of its own (it
 * validates no client input with JSON Schema), so loading ajv would only cost start-up time.
 * scripts/build.ts puts this module in its place.
 */
export class AjvJsonSchemaValidator {
  constructor() {
    throw new Error("exprag's binary carries no ajv: give the MCP server a jsonSchemaValidator");
  }
}
