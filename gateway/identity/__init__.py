"""统一身份认证 (unified identity): accounts, sign-in, tokens and the keys that sign them."""
