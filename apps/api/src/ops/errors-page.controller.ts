import { Controller, Get, Header, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ERROR_CATALOGUE, Public, RawResponse } from '@vigil/common';

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The page every error's help_url points to: one anchor per code, built from the catalogue. */
@ApiExcludeController()
@Public()
@Controller({ path: 'docs/errors', version: VERSION_NEUTRAL })
export class ErrorsPageController {
  private readonly page = render();

  @Get()
  @RawResponse()
  @Header('Content-Type', 'text/html; charset=utf-8')
  errors(): string {
    return this.page;
  }
}

function render(): string {
  const rows = [...ERROR_CATALOGUE.values()]
    .map(
      (e) =>
        `<tr id="${e.code.toLowerCase().replace(/_/g, '-')}"><td><code>${e.code}</code></td><td>${e.status}</td><td>${escape(e.message)}</td><td>${escape(e.description)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vigil error codes</title></head><body>
<h1>Vigil error codes</h1><p>Every error answers <code>{"success": false, "error": {"code", "message", "details", "help_url"}, "meta"}</code>.</p>
<table><thead><tr><th>code</th><th>HTTP</th><th>message</th><th>meaning</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`;
}
