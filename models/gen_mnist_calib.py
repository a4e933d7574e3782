#!/usr/bin/python3
"""Writes the MNIST CNN's calibration set: test images 5000 to 5499.

The demo and the calibration benchmarks compile with --calib on these images
and evaluate on images 0 to 999, so the two sets never overlap.

Usage: /usr/bin/python3 models/gen_mnist_calib.py
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "mnist-cnn", "data")

images = np.load(os.path.join(DATA, "x_test_uint8.npy"))
np.save(os.path.join(DATA, "x_calib_5000_5499_uint8.npy"), images[5000:5500])
