/* Start Swagger UI (/docs) or ReDoc (/redoc) on the vendored bundles, without inline script
   (the site's CSP allows same-origin scripts only). The spec URL comes from
   <body data-spec-url>; nothing is loaded from outside: Swagger UI's online validator badge is
   turned off and ReDoc's search (a blob: worker the CSP forbids) is disabled. */
(function () {
  "use strict";
  function start() {
    var spec = document.body.getAttribute("data-spec-url") || "/openapi.json";
    var swagger = document.getElementById("swagger-ui");
    if (swagger && window.SwaggerUIBundle) {
      window.ui = window.SwaggerUIBundle({
        url: spec,
        dom_id: "#swagger-ui",
        deepLinking: true,
        validatorUrl: null,
        docExpansion: "list",
        presets: [window.SwaggerUIBundle.presets.apis],
        layout: "BaseLayout"
      });
    }
    var redoc = document.getElementById("redoc");
    if (redoc && window.Redoc) {
      window.Redoc.init(spec, {
        disableSearch: true,
        hideDownloadButton: false,
        expandResponses: "200,201",
        theme: { typography: { fontFamily: '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif',
          headings: { fontFamily: '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif' } } }
      }, redoc);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
