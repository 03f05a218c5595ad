#!/usr/bin/python3
"""Builds the whole-model test fixtures (seeded weights) into OUT_DIR.

  tiny.onnx         Relu on float32[1,4]: the CLI error-path tests
  custom_op.onnx    an op from a domain the runtime does not know
  se_resize.onnx    conv net with squeeze-excitation, hard-swish and a linear Resize
  lstm_if.onnx      two LSTMs, one in each branch of an If
  mlp.onnx          three hidden layers of MatMul+Add+Relu, Gemm head, Softmax
  attention.onnx    one pre-norm transformer block: LayerNorm, 4-head attention, GELU MLP
"""
import sys
import numpy as np
import onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(20261127)


def w(name, *shape, scale=None):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
    s = scale if scale is not None else 1.0 / np.sqrt(max(fan_in, 1))
    return nh.from_array((rng.standard_normal(shape) * s).astype(np.float32), name)


def const(name, arr):
    return nh.from_array(np.asarray(arr), name)


def save(graph, name, opset=17):
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], producer_name="sz0-tests")
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, f"{out}/{name}")


def tiny():
    g = h.make_graph([h.make_node("Relu", ["x"], ["y"])], "tiny",
                     [h.make_tensor_value_info("x", T.FLOAT, [1, 4])], [h.make_tensor_value_info("y", T.FLOAT, [1, 4])])
    save(g, "tiny.onnx")
    g = h.make_graph([h.make_node("Frobnicate", ["x"], ["y"], domain="com.example")], "custom",
                     [h.make_tensor_value_info("x", T.FLOAT, [1, 4])], [h.make_tensor_value_info("y", T.FLOAT, [1, 4])])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17), h.make_opsetid("com.example", 1)])
    m.ir_version = 8
    onnx.save(m, f"{out}/custom_op.onnx")


def se_resize():
    nodes, inits = [], []
    c = 16
    inits += [w("w0", c, 3, 3, 3), w("b0", c, scale=0.1)]
    nodes.append(h.make_node("Conv", ["x", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1], strides=[2, 2]))
    inits += [const("bn_s", rng.uniform(0.5, 1.5, c).astype(np.float32)), const("bn_b", rng.uniform(-.2, .2, c).astype(np.float32)),
              const("bn_m", rng.uniform(-.2, .2, c).astype(np.float32)), const("bn_v", rng.uniform(0.5, 2, c).astype(np.float32))]
    nodes.append(h.make_node("BatchNormalization", ["c0", "bn_s", "bn_b", "bn_m", "bn_v"], ["n0"]))
    nodes.append(h.make_node("HardSwish", ["n0"], ["a0"]))
    # depthwise 3x3
    inits += [w("wd", c, 1, 3, 3)]
    nodes.append(h.make_node("Conv", ["a0", "wd"], ["d0"], pads=[1, 1, 1, 1], group=c))
    nodes.append(h.make_node("Relu", ["d0"], ["r0"]))
    # squeeze-excitation
    inits += [w("se1", 4, c, 1, 1), w("se1b", 4, scale=0.1), w("se2", c, 4, 1, 1), w("se2b", c, scale=0.1)]
    nodes += [h.make_node("GlobalAveragePool", ["r0"], ["p"]),
              h.make_node("Conv", ["p", "se1", "se1b"], ["s1"]), h.make_node("Relu", ["s1"], ["s1r"]),
              h.make_node("Conv", ["s1r", "se2", "se2b"], ["s2"]), h.make_node("HardSigmoid", ["s2"], ["gate"], alpha=1 / 6, beta=0.5),
              h.make_node("Mul", ["r0", "gate"], ["se"])]
    # upsample x2 and project
    inits += [const("roi", np.array([], np.float32)), const("scales", np.array([1, 1, 2, 2], np.float32))]
    nodes.append(h.make_node("Resize", ["se", "roi", "scales"], ["up"], mode="linear", coordinate_transformation_mode="half_pixel"))
    inits += [w("w1", 8, c, 1, 1), w("b1", 8, scale=0.1)]
    nodes.append(h.make_node("Conv", ["up", "w1", "b1"], ["c1"]))
    nodes.append(h.make_node("Sigmoid", ["c1"], ["y"]))
    g = h.make_graph(nodes, "se_resize", [h.make_tensor_value_info("x", T.FLOAT, ["batch", 3, 32, 32])],
                     [h.make_tensor_value_info("y", T.FLOAT, ["batch", 8, 32, 32])], inits)
    save(g, "se_resize.onnx")


def lstm_branch(tag, direction, hidden):
    dirs = 2 if direction == "bidirectional" else 1
    inits = [w(f"W{tag}", dirs, 4 * hidden, 8), w(f"R{tag}", dirs, 4 * hidden, hidden), w(f"B{tag}", dirs, 8 * hidden, scale=0.1)]
    nodes = [h.make_node("LSTM", ["x", f"W{tag}", f"R{tag}", f"B{tag}"], ["", f"yh{tag}"], hidden_size=hidden, direction=direction),
             h.make_node("Reshape", [f"yh{tag}", "flat"], [f"out{tag}"])]
    return h.make_graph(nodes, f"branch_{tag}", [], [h.make_tensor_value_info(f"out{tag}", T.FLOAT, None)], inits)


def lstm_if():
    then_g = lstm_branch("a", "forward", 16)
    else_g = lstm_branch("b", "bidirectional", 8)
    nodes = [h.make_node("If", ["use_forward"], ["state"], then_branch=then_g, else_branch=else_g),
             h.make_node("MatMul", ["state", "head"], ["logits"]), h.make_node("Sigmoid", ["logits"], ["score"])]
    inits = [const("flat", np.array([1, -1], np.int64)), w("head", 16, 2)]
    g = h.make_graph(nodes, "lstm_if", [h.make_tensor_value_info("x", T.FLOAT, ["seq", 1, 8]),
                                        h.make_tensor_value_info("use_forward", T.BOOL, [])],
                     [h.make_tensor_value_info("score", T.FLOAT, [1, 2])], inits)
    save(g, "lstm_if.onnx")


def mlp():
    nodes, inits, prev = [], [], "x"
    dims = [64, 256, 256, 128]
    for i in range(3):
        inits += [w(f"w{i}", dims[i], dims[i + 1], scale=1 / np.sqrt(dims[i])), w(f"b{i}", dims[i + 1], scale=0.1)]
        nodes += [h.make_node("MatMul", [prev, f"w{i}"], [f"m{i}"]), h.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"]),
                  h.make_node("Relu", [f"a{i}"], [f"h{i}"])]
        prev = f"h{i}"
    inits += [w("wo", 10, 128), w("bo", 10, scale=0.1)]
    nodes += [h.make_node("Gemm", [prev, "wo", "bo"], ["logits"], transB=1), h.make_node("Softmax", ["logits"], ["probs"], axis=-1)]
    g = h.make_graph(nodes, "mlp", [h.make_tensor_value_info("x", T.FLOAT, ["batch", 64])],
                     [h.make_tensor_value_info("probs", T.FLOAT, ["batch", 10])], inits)
    save(g, "mlp.onnx")


def attention():
    d, heads, seq = 32, 4, 16
    hd = d // heads
    inits = [const("ln_s", rng.uniform(0.8, 1.2, d).astype(np.float32)), const("ln_b", rng.uniform(-.1, .1, d).astype(np.float32)),
             w("wq", d, d), w("wk", d, d), w("wv", d, d), w("wo", d, d),
             const("split_heads", np.array([0, 0, heads, hd], np.int64)), const("merge_heads", np.array([0, 0, d], np.int64)),
             const("scale", np.array(np.sqrt(hd), np.float32)),
             w("w1", d, 4 * d), w("w2", 4 * d, d), const("half", np.array(0.5, np.float32)), const("one", np.array(1.0, np.float32)),
             const("rsqrt2", np.array(1 / np.sqrt(2), np.float32))]
    n = h.make_node
    nodes = [n("LayerNormalization", ["x", "ln_s", "ln_b"], ["ln"], axis=-1, epsilon=1e-5)]
    for p in "qkv":
        nodes += [n("MatMul", ["ln", f"w{p}"], [f"{p}0"]), n("Reshape", [f"{p}0", "split_heads"], [f"{p}1"]),
                  n("Transpose", [f"{p}1"], [f"{p}"], perm=[0, 2, 1, 3] if p != "k" else [0, 2, 3, 1])]
    nodes += [n("MatMul", ["q", "k"], ["qk"]), n("Div", ["qk", "scale"], ["qks"]), n("Softmax", ["qks"], ["att"], axis=-1),
              n("MatMul", ["att", "v"], ["ctx"]), n("Transpose", ["ctx"], ["ctx_t"], perm=[0, 2, 1, 3]),
              n("Reshape", ["ctx_t", "merge_heads"], ["ctx_m"]), n("MatMul", ["ctx_m", "wo"], ["proj"]), n("Add", ["x", "proj"], ["res1"]),
              n("MatMul", ["res1", "w1"], ["f1"]), n("Mul", ["f1", "rsqrt2"], ["f1s"]), n("Erf", ["f1s"], ["erf"]),
              n("Add", ["erf", "one"], ["erf1"]), n("Mul", ["f1", "erf1"], ["g0"]), n("Mul", ["g0", "half"], ["gelu"]),
              n("MatMul", ["gelu", "w2"], ["f2"]), n("Add", ["res1", "f2"], ["y"])]
    g = h.make_graph(nodes, "attention", [h.make_tensor_value_info("x", T.FLOAT, ["batch", seq, d])],
                     [h.make_tensor_value_info("y", T.FLOAT, ["batch", seq, d])], inits)
    save(g, "attention.onnx")


tiny()
se_resize()
lstm_if()
mlp()
attention()
