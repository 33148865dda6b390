"""Lets the tests import the training modules (features, onnx_export) from the folder above."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
