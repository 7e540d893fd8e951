"""cdma-sweep: design-space sweeps of cdma-sim (docs/exploration.md)."""
