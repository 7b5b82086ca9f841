"""View-models: arrays in, plain values out (coordinates, colours, labels). Templates only print."""
