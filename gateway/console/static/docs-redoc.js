// Starts ReDoc on the page's OpenAPI document, with the system fonts (no web fonts are fetched).
Redoc.init(document.body.dataset.openapi, {
  hideDownloadButton: false,
  theme: { typography: { fontFamily: 'system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif',
    headings: { fontFamily: 'system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif' } } },
}, document.getElementById('redoc'));
