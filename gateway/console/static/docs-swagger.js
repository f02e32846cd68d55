// Starts Swagger UI on the page's OpenAPI document; no validator badge (it would call an outside host).
window.ui = SwaggerUIBundle({
  url: document.body.dataset.openapi,
  dom_id: '#swagger-ui',
  validatorUrl: null,
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: 'BaseLayout',
});
