"""政务服务"好差评" (good/bad reviews): reviews of served cases and their published indicators."""
