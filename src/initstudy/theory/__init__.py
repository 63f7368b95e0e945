"""What holds at initialization without training: signal propagation and its spread."""
