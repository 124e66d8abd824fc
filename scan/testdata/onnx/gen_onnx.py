#!/usr/bin/python3
"""Write the ONNX fixtures of this folder with onnx.helper (Debian python3-onnx).

Nothing is loaded: the models are built in memory and serialised. The
malicious ones point external_data at paths outside the model folder
(CVE-2022-25882, CVE-2024-27318) or use a custom operator domain; their
"payload" is only a path string. Run: /usr/bin/python3 gen_onnx.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def external(name, location):
    t = numpy_helper.from_array(np.zeros((2, 2), dtype=np.float32), name)
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", "16")):
        e = t.external_data.add()
        e.key, e.value = k, v
    return t


def mlp(initializers, extra_nodes=(), opsets=(("", 17),)):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    nodes = [helper.make_node("MatMul", ["x", "W"], ["h"], name="matmul"),
             helper.make_node("Relu", ["h"], ["y"], name="relu")]
    nodes += list(extra_nodes)
    g = helper.make_graph(nodes, "g", [x], [y], initializer=initializers)
    return helper.make_model(g, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
                             producer_name="mlsec-gen")


def save(name, model):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(model.SerializeToString())


save("traversal_relative.onnx", mlp([external("W", "../../../../etc/passwd")]))
save("traversal_absolute.onnx", mlp([external("W", "/etc/passwd")]))
save("traversal_nested.onnx", mlp([external("W", "subdir/../../secret.bin")]))
# The traversal hides in the then-branch of an If node.
then_g = helper.make_graph([helper.make_node("Identity", ["c"], ["t"], name="id")], "then", [],
                           [helper.make_tensor_value_info("t", TensorProto.FLOAT, [2, 2])],
                           initializer=[external("c", "..\\..\\windows\\win.ini")])
else_g = helper.make_graph([helper.make_node("Identity", ["W"], ["e"], name="id2")], "else", [],
                           [helper.make_tensor_value_info("e", TensorProto.FLOAT, [2, 2])])
cond = numpy_helper.from_array(np.array(True), "cond")
if_node = helper.make_node("If", ["cond"], ["z"], name="if0", then_branch=then_g, else_branch=else_g)
save("traversal_subgraph.onnx", mlp([numpy_helper.from_array(np.ones((2, 2), np.float32), "W"), cond], [if_node]))
custom = helper.make_node("Backdoor", ["y"], ["y2"], name="bd", domain="evil.ops")
save("custom_domain.onnx", mlp([numpy_helper.from_array(np.ones((2, 2), np.float32), "W")], [custom],
                               opsets=(("", 17), ("evil.ops", 1))))
print("onnx", onnx.__version__)
