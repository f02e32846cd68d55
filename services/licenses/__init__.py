"""统一电子证照 (e-licenses): the catalogue of license types; issuing, the wallet and 扫码亮证 come later."""
