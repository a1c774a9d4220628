class StaleVersion(Exception):
    """The record changed since the client read it; carries the current record."""

    def __init__(self, current):
        super().__init__(f"stale version of {current!r}")
        self.current = current
