// The parser imports its JSON schema without an import attribute, which Node 20 rejects; this
// loader hook supplies the attribute so the package loads unchanged.
export async function load(url, context, nextLoad) {
  if (url.endsWith(".json")) {
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });
  }
  return nextLoad(url, context);
}
