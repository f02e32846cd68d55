"""The mini-app registry (移动政务服务应用管理): register, review, publish, monitor and delist mini-apps, and their
citizens' sign-in."""
