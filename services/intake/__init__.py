"""统一申办受理 (application intake): the catalogue of service items; applications come in a later issue."""
