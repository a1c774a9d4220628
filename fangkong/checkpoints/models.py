"""24-hour checkpoints: registry, shifts, passage registration, ledger."""
