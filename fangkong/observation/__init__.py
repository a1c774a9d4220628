"""Key persons and 14-day medical observation with 六包一 teams and twice-daily checks."""
