"""initstudy: how weight initialization decides whether a ReLU network learns."""

__version__ = "1.0.0"
