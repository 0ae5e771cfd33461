"""What runs a generator's forward passes: execution_plan.py (device, precision, runtime and tiles, decided once),
precision.py (PyTorch devices, precisions and layouts, ``auto``), switch.py (follows the plan: PyTorch or OpenVINO
per image), openvino_runtime.py with cache.py (its build cache) and openvino_compiled.py (a compiled model on NumPy), warm_start.py
(the next run's start without PyTorch), int8.py (NNCF quantization), path_cache.py (the `auto` verdict, cached) and signal_stack.py,
onnx_runtime.py (ONNX generators under ONNX Runtime)."""
