// Parses every workflow file with @actions/workflow-parser (the parser GitHub's own tooling uses)
// and exits non-zero when any file has an error, so a broken workflow fails the build.
import { readFileSync, readdirSync } from "node:fs";
import { register } from "node:module";
import { join } from "node:path";

register("./json-hooks.mjs", import.meta.url);
const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import("@actions/workflow-parser");

const dir = process.argv[2] ?? ".github/workflows";
const files = readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml")).sort();
if (files.length === 0) {
  console.error(`workflow-check: no workflow files in ${dir}`);
  process.exit(1);
}

let failed = 0;
for (const file of files) {
  const path = join(dir, file);
  const result = parseWorkflow({ name: path, content: readFileSync(path, "utf8") }, new NoOperationTraceWriter());
  let errors = result.context.errors.getErrors();
  if (errors.length === 0 && result.value !== undefined) {
    // Conversion checks what the schema alone does not (job graph, needs, matrix shape).
    const template = await convertWorkflowTemplate(result.context, result.value);
    errors = template.errors ?? [];
  }
  if (result.value === undefined && errors.length === 0) {
    errors = [{ message: "the file is empty or not a workflow" }];
  }
  if (errors.length > 0) {
    failed++;
    for (const e of errors) console.error(`${path}: ${e.message ?? e.Message ?? String(e)}`);
  } else {
    console.log(`workflow-check: ${path} ok`);
  }
}
if (failed > 0) {
  console.error(`workflow-check: ${failed} of ${files.length} workflow file(s) invalid`);
  process.exit(1);
}
