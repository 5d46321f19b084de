"""ONNX export of traced minigrad models. Needs the optional packages onnx (and onnxruntime to run the file):
pip install onnx onnxruntime. Importing this module imports neither."""
from .export import DEFAULT_OPSET, ONNX_OPS, UnsupportedOperatorError, export

__all__ = ["DEFAULT_OPSET", "ONNX_OPS", "UnsupportedOperatorError", "export"]
