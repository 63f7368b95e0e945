"""The grid of cells and the config that declares it: axes, validation, sizing, figures."""
