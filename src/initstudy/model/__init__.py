"""The networks: data sets, initializers, the trainer and its kernels."""
