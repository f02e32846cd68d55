"""广电报修 (broadcast-TV repair): counties, repair outlets, and the tickets that later issues add."""
