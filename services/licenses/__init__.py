"""统一电子证照 (e-licenses): license types, issuing and status by the issuing department, Ed25519 seals, the holder's
wallet, 扫码亮证 presentations (SD-JWT with key binding), online and offline verification, Token Status Lists and
the use record."""
