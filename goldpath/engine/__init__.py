"""Engine connections, daily facts and measure primitives, all as Ibis expressions."""
