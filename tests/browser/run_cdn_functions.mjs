// Runs CloudFront Functions' code on CloudFront-shaped events, all cases in one process.
//
// Called by tests/browser/test_cdn_functions.py; reads one JSON object on stdin:
//   { "functions": { "<name>": "<FunctionCode, as template.yaml has it>" },
//     "cases": [{ "function": "<name>", "event": { ...the event CloudFront passes... } }] }
// and prints one JSON object: { "results": [{ "value": <what handler returned> } |
// { "error": "<message>" }] }, in the order of the cases.
//
// Each function's code runs in its own fresh V8 context (node:vm): only the language's
// built-ins are there, no `require`, `process`, `fetch` or `console` (as in CloudFront's
// runtime, which has none of Node's), so code leaning on any of them fails here too. The
// code must define `function handler(event)`, as cloudfront-js-2.0 expects; every case
// gets its own context, so no state leaks from one case to the next.

import { readFileSync } from "node:fs";
import { createContext, runInContext } from "node:vm";

const input = JSON.parse(readFileSync(0, "utf8"));

async function run(code, event) {
  const context = createContext({});
  runInContext(code, context, { timeout: 1000 });
  if (typeof context.handler !== "function") throw new Error("no function handler(event)");
  // The event crosses into the function's context as JSON, as CloudFront hands it over.
  context.__event = JSON.stringify(event);
  const value = await runInContext("handler(JSON.parse(__event))", context, { timeout: 1000 });
  return JSON.parse(JSON.stringify(value ?? null));
}

const results = [];
for (const { function: name, event } of input.cases) {
  const code = input.functions[name];
  try {
    if (code === undefined) throw new Error(`unknown function ${name}`);
    results.push({ value: await run(code, event) });
  } catch (error) {
    results.push({ error: `${error?.name ?? "Error"}: ${error?.message ?? error}` });
  }
}
process.stdout.write(JSON.stringify({ results }));
