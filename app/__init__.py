"""Backprop Stepper: see backpropagation, one equation at a time."""

import os

# Small matrices: one BLAS thread is faster and gives steady timings on small machines.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
