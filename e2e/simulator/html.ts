/** Minimal HTML for the simulated consent and error pages. */

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export function page(title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
  .sim { font-size: .8rem; color: #6e7781; text-transform: uppercase; letter-spacing: .05em; }
  fieldset { border: 1px solid #d0d7de; border-radius: 6px; margin: 1rem 0; }
  label { display: block; margin: .3rem 0; }
  input[type=text] { width: 100%; padding: .4rem; box-sizing: border-box; }
  button { padding: .5rem 1.2rem; margin-right: .5rem; }
  .error { color: #cf222e; }
</style>
</head>
<body>
<p class="sim">Provider simulator</p>
${bodyHtml}
</body>
</html>
`;
}

export function errorPage(providerName: string, message: string): string {
  return page(
    `${providerName}: invalid request`,
    `<h1>${escapeHtml(providerName)}</h1>
<p class="error" role="alert">Invalid authorization request: ${escapeHtml(message)}</p>`,
  );
}
