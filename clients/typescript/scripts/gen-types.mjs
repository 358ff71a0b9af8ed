// The SDK's types of the API, generated from docs/openapi.json with
// openapi-typescript: `npm run gen` writes src/openapi.ts; `--check` (run by
// `npm run build` and by the SDK's tests) fails when the file is not what the
// document generates today, so the types never drift from the API.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";

const spec = new URL("../../../docs/openapi.json", import.meta.url);
const target = new URL("../src/openapi.ts", import.meta.url);
const header =
  "// Generated from docs/openapi.json by scripts/gen-types.mjs (openapi-typescript). Do not edit:\n" +
  "// change the document, then `npm run gen`.\n";

// AnyNoNul (any JSON value without NUL) is recursive through a union, which a
// TypeScript type alias inside an interface cannot say: it is `unknown` here.
const transform = (_schema, meta) =>
  meta.path?.endsWith("/components/schemas/AnyNoNul")
    ? ts.factory.createKeywordTypeNode(ts.SyntaxKind.UnknownKeyword)
    : undefined;
const ast = await openapiTS(JSON.parse(await readFile(spec, "utf8")), { transform });
const text = header + astToString(ast);

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = await readFile(target, "utf8");
  } catch {
    // missing counts as drift
  }
  if (current !== text) {
    console.error(`${fileURLToPath(target)} differs from what docs/openapi.json generates: run \`npm run gen\``);
    process.exit(1);
  }
  console.log("src/openapi.ts matches docs/openapi.json");
} else {
  await writeFile(target, text);
  console.log(`wrote ${fileURLToPath(target)}`);
}
