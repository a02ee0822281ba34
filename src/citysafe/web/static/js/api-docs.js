// Starts Swagger UI (/docs) or ReDoc (/redoc) on the schema named by the page's data-openapi-url; a file
// rather than FastAPI's inline script, so the console's CSP (script-src 'self') holds on these pages too.
(() => {
  const swagger = document.getElementById("swagger-ui");
  if (swagger && window.SwaggerUIBundle) {
    window.SwaggerUIBundle({
      url: swagger.dataset.openapiUrl,
      dom_id: "#swagger-ui",
      layout: "BaseLayout",
      deepLinking: true,
      showExtensions: true,
      showCommonExtensions: true,
      // The online validator badge would call validator.swagger.io: nothing here may leave the intranet.
      validatorUrl: null,
      // Tags start folded: with all 160-odd operations unfolded at once Swagger UI 5.36 stops painting after the
      // second tag (seen in Chromium, tests/e2e/test_api_docs_offline.py); folded, every tag opens on a click.
      docExpansion: "none",
      presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset].filter(Boolean),
    });
  }
  const redoc = document.getElementById("redoc");
  if (redoc && window.Redoc) {
    window.Redoc.init(redoc.dataset.openapiUrl, {}, redoc);
  }
})();
