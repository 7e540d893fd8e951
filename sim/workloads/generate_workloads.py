#!/usr/bin/python3
"""Builds the network description files sim/workloads/<name>.json and the default per-layer activation density
files sim/workloads/densities/<name>.json from the compact definitions below, checking every shape on the way.

Usage:  /usr/bin/python3 sim/workloads/generate_workloads.py [--out DIR] [--check] [--summary]

  --out DIR   write into DIR (default: the folder of this script)
  --check     do not write; exit 1 if any generated file differs from the one on disk
  --summary   print, per network, layer count, activation bytes, MACs and the density averages

Standard library only. The schema and every density rule are documented in sim/workloads/README.md; the rule
names used in the "rules" field of the density files (R-conv, R-relu, ...) are defined there.
"""

import argparse
import json
import math
import os
import sys

NETWORK_INPUT = "input"  # name by which an "inputs" list refers to the network input


# ----------------------------------------------------------------------------------------------------------------
# Network builder
# ----------------------------------------------------------------------------------------------------------------
def conv_out(size, k, stride, pad):
    return (size + 2 * pad - k) // stride + 1


def pool_out(size, k, stride, pad, ceil_mode):
    if ceil_mode:
        out = -(-(size + 2 * pad - k) // stride) + 1
        # Caffe/PyTorch rule: the last window must start inside the (left-padded) input
        if (out - 1) * stride >= size + pad:
            out -= 1
        return out
    return (size + 2 * pad - k) // stride + 1


class Net:
    """Appends layers in forward order. Each method reads from `src` (a layer name, default: the previous layer)
    and returns the new layer's name. "inputs" is written only when the producer is not the previous layer."""

    def __init__(self, name, description, input_shape):
        self.name = name
        self.description = description
        self.input = list(input_shape)
        self.layers = []
        self.shapes = {NETWORK_INPUT: list(input_shape)}
        self.last = NETWORK_INPUT

    def _emit(self, layer, srcs, in_shape, out_shape, multi=False):
        name = layer["name"]
        if name in self.shapes:
            raise ValueError(f"{self.name}: duplicate layer name {name}")
        if any(s <= 0 for s in out_shape):
            raise ValueError(f"{self.name}/{name}: non-positive output shape {out_shape}")
        entry = {"name": name, "type": layer["type"], "in": list(in_shape), "out": list(out_shape)}
        for key, value in layer.items():
            if key not in ("name", "type"):
                entry[key] = value
        if multi or srcs[0] != self.last:
            entry["inputs"] = list(srcs)
        self.layers.append(entry)
        self.shapes[name] = list(out_shape)
        self.last = name
        return name

    def _src(self, src):
        src = self.last if src is None else src
        if src not in self.shapes:
            raise ValueError(f"{self.name}: unknown producer {src}")
        return src

    def conv(self, name, out_c, k, stride=1, pad=0, groups=1, src=None):
        src = self._src(src)
        c, h, w = self.shapes[src]
        if c % groups or out_c % groups:
            raise ValueError(f"{self.name}/{name}: channels {c}->{out_c} not divisible by groups {groups}")
        out = [out_c, conv_out(h, k, stride, pad), conv_out(w, k, stride, pad)]
        return self._emit({"name": name, "type": "conv", "kernel": [k, k], "stride": stride, "pad": pad,
                           "groups": groups}, [src], [c, h, w], out)

    def pool(self, name, mode, k, stride, pad=0, ceil_mode=False, src=None):
        src = self._src(src)
        c, h, w = self.shapes[src]
        out = [c, pool_out(h, k, stride, pad, ceil_mode), pool_out(w, k, stride, pad, ceil_mode)]
        layer = {"name": name, "type": "pool", "mode": mode, "kernel": [k, k], "stride": stride}
        if pad:
            layer["pad"] = pad
        floor_out = [c, pool_out(h, k, stride, pad, False), pool_out(w, k, stride, pad, False)]
        if ceil_mode and out != floor_out:
            layer["ceil_mode"] = True  # only written where it changes the shape
        return self._emit(layer, [src], [c, h, w], out)

    def global_avg_pool(self, name, src=None):
        src = self._src(src)
        c, h, w = self.shapes[src]
        if h != w:
            raise ValueError("global pool needs a square map")
        return self.pool(name, "avg", h, 1, src=src)

    def fc(self, name, out_n, src=None):
        src = self._src(src)
        n = math.prod(self.shapes[src])  # flattened
        return self._emit({"name": name, "type": "fc"}, [src], [n], [out_n])

    def _same(self, layer, src):
        src = self._src(src)
        shape = self.shapes[src]
        return self._emit(layer, [src], shape, shape)

    def relu(self, name, src=None):
        return self._same({"name": name, "type": "relu"}, src)

    def lrn(self, name, size=5, src=None):
        return self._same({"name": name, "type": "lrn", "size": size}, src)

    def dropout(self, name, p, src=None):
        return self._same({"name": name, "type": "dropout", "p": p}, src)

    def batchnorm(self, name, src=None):
        return self._same({"name": name, "type": "batchnorm"}, src)

    def softmax(self, name, src=None):
        return self._same({"name": name, "type": "softmax"}, src)

    def concat(self, name, srcs):
        srcs = [self._src(s) for s in srcs]
        shapes = [self.shapes[s] for s in srcs]
        if any(s[1:] != shapes[0][1:] for s in shapes):
            raise ValueError(f"{self.name}/{name}: concat spatial mismatch {shapes}")
        out = [sum(s[0] for s in shapes)] + shapes[0][1:]
        return self._emit({"name": name, "type": "concat"}, srcs, out, out, multi=True)

    def add(self, name, srcs):
        srcs = [self._src(s) for s in srcs]
        shapes = [self.shapes[s] for s in srcs]
        if any(s != shapes[0] for s in shapes):
            raise ValueError(f"{self.name}/{name}: add shape mismatch {shapes}")
        return self._emit({"name": name, "type": "add"}, srcs, shapes[0], shapes[0], multi=True)

    def conv_relu(self, name, out_c, k, stride=1, pad=0, groups=1, src=None, relu_name=None):
        self.conv(name, out_c, k, stride, pad, groups, src)
        return self.relu(relu_name or name + "_relu")

    def to_json(self):
        return {"name": self.name, "description": self.description, "input": self.input, "layers": self.layers}


# ----------------------------------------------------------------------------------------------------------------
# The networks
# ----------------------------------------------------------------------------------------------------------------
def alexnet():
    n = Net("alexnet",
            "AlexNet (Krizhevsky, Sutskever & Hinton, NIPS 2012), ImageNet; the two-GPU grouping kept as groups=2 in "
            "conv2/conv4/conv5. Source of shapes: Caffe bvlc_alexnet deploy.prototxt (227x227 input, LRN before "
            "pooling). Layer names as in Caffe; the cDMA paper numbers layers from 0 (its conv0 = conv1, fc1 = fc7).",
            [3, 227, 227])
    n.conv("conv1", 96, 11, stride=4); n.relu("relu1"); n.lrn("norm1"); n.pool("pool1", "max", 3, 2)
    n.conv("conv2", 256, 5, pad=2, groups=2); n.relu("relu2"); n.lrn("norm2"); n.pool("pool2", "max", 3, 2)
    n.conv("conv3", 384, 3, pad=1); n.relu("relu3")
    n.conv("conv4", 384, 3, pad=1, groups=2); n.relu("relu4")
    n.conv("conv5", 256, 3, pad=1, groups=2); n.relu("relu5"); n.pool("pool5", "max", 3, 2)
    n.fc("fc6", 4096); n.relu("relu6"); n.dropout("drop6", 0.5)
    n.fc("fc7", 4096); n.relu("relu7"); n.dropout("drop7", 0.5)
    n.fc("fc8", 1000); n.softmax("prob")
    return n


def overfeat():
    n = Net("overfeat",
            "OverFeat fast model (Sermanet et al., ICLR 2014, Table 1), ImageNet 231x231, no LRN, dropout 0.5 on "
            "layers 6 and 7. Source of shapes: the paper's Table 1 and the Torch definition used by vDNN/convnet-"
            "benchmarks (soumith/convnet-benchmarks torch7/imagenet_winners/overfeat.lua).",
            [3, 231, 231])
    n.conv("conv1", 96, 11, stride=4); n.relu("relu1"); n.pool("pool1", "max", 2, 2)
    n.conv("conv2", 256, 5); n.relu("relu2"); n.pool("pool2", "max", 2, 2)
    n.conv("conv3", 512, 3, pad=1); n.relu("relu3")
    n.conv("conv4", 1024, 3, pad=1); n.relu("relu4")
    n.conv("conv5", 1024, 3, pad=1); n.relu("relu5"); n.pool("pool5", "max", 2, 2)
    n.fc("fc6", 3072); n.relu("relu6"); n.dropout("drop6", 0.5)
    n.fc("fc7", 4096); n.relu("relu7"); n.dropout("drop7", 0.5)
    n.fc("fc8", 1000); n.softmax("prob")
    return n


def nin():
    n = Net("nin",
            "Network in Network (Lin, Chen & Yan, ICLR 2014), ImageNet model: four mlpconv blocks (a spatial conv "
            "followed by two 1x1 'cccp' convs), global average pooling over 1000 class maps, no fc layers. Source of "
            "shapes: the authors' Caffe model-zoo nin_imagenet train_val.prototxt (224x224 crop, ceil-mode pooling, "
            "dropout 0.5 after pool3). Caffe's in-place ReLUs given their own names.",
            [3, 224, 224])
    n.conv_relu("conv1", 96, 11, stride=4)
    n.conv_relu("cccp1", 96, 1)
    n.conv_relu("cccp2", 96, 1)
    n.pool("pool1", "max", 3, 2, ceil_mode=True)
    n.conv_relu("conv2", 256, 5, pad=2)
    n.conv_relu("cccp3", 256, 1)
    n.conv_relu("cccp4", 256, 1)
    n.pool("pool2", "max", 3, 2, ceil_mode=True)
    n.conv_relu("conv3", 384, 3, pad=1)
    n.conv_relu("cccp5", 384, 1)
    n.conv_relu("cccp6", 384, 1)
    n.pool("pool3", "max", 3, 2, ceil_mode=True)
    n.dropout("drop3", 0.5)
    n.conv_relu("conv4", 1024, 3, pad=1)
    n.conv_relu("cccp7", 1024, 1)
    n.conv_relu("cccp8", 1000, 1)
    n.global_avg_pool("pool4")
    n.softmax("prob")
    return n


def vgg16():
    n = Net("vgg16",
            "VGG-16, configuration D (Simonyan & Zisserman, ICLR 2015, Table 1), ImageNet 224x224. Source of shapes: "
            "the paper's Table 1 and the authors' Caffe VGG_ILSVRC_16_layers_deploy.prototxt (layer names as there).",
            [3, 224, 224])
    cfg = [(1, 64, 2), (2, 128, 2), (3, 256, 3), (4, 512, 3), (5, 512, 3)]
    for block, ch, reps in cfg:
        for i in range(1, reps + 1):
            n.conv(f"conv{block}_{i}", ch, 3, pad=1)
            n.relu(f"relu{block}_{i}")
        n.pool(f"pool{block}", "max", 2, 2)
    n.fc("fc6", 4096); n.relu("relu6"); n.dropout("drop6", 0.5)
    n.fc("fc7", 4096); n.relu("relu7"); n.dropout("drop7", 0.5)
    n.fc("fc8", 1000); n.softmax("prob")
    return n


def squeezenet():
    n = Net("squeezenet",
            "SqueezeNet v1.0 (Iandola et al., arXiv 1602.07360, Table 1), ImageNet 227x227. Source of shapes: the "
            "authors' Caffe SqueezeNet_v1.0/train_val.prototxt (ceil-mode pooling, fire modules = squeeze 1x1, "
            "expand 1x1 and expand 3x3 (pad 1) concatenated, dropout 0.5 after fire9, conv10 with 1000 class maps "
            "and global average pooling). Names as in Caffe with '/' replaced by '_'.",
            [3, 227, 227])
    n.conv_relu("conv1", 96, 7, stride=2, relu_name="relu_conv1")
    n.pool("pool1", "max", 3, 2, ceil_mode=True)

    def fire(idx, s, e1, e3):
        f = f"fire{idx}"
        n.conv(f"{f}_squeeze1x1", s, 1); sq = n.relu(f"{f}_relu_squeeze1x1")
        n.conv(f"{f}_expand1x1", e1, 1); a = n.relu(f"{f}_relu_expand1x1")
        n.conv(f"{f}_expand3x3", e3, 3, pad=1, src=sq); b = n.relu(f"{f}_relu_expand3x3")
        return n.concat(f"{f}_concat", [a, b])

    fire(2, 16, 64, 64); fire(3, 16, 64, 64); fire(4, 32, 128, 128)
    n.pool("pool4", "max", 3, 2, ceil_mode=True)
    fire(5, 32, 128, 128); fire(6, 48, 192, 192); fire(7, 48, 192, 192); fire(8, 64, 256, 256)
    n.pool("pool8", "max", 3, 2, ceil_mode=True)
    fire(9, 64, 256, 256)
    n.dropout("drop9", 0.5)
    n.conv_relu("conv10", 1000, 1, relu_name="relu_conv10")
    n.global_avg_pool("pool10")
    n.softmax("prob")
    return n


def googlenet():
    n = Net("googlenet",
            "GoogLeNet / Inception v1 (Szegedy et al., CVPR 2015, Table 1), ImageNet 224x224. Source of shapes: the "
            "paper's Table 1 and Caffe bvlc_googlenet train_val.prototxt (ceil-mode pooling, LRN after pool1 and "
            "conv2, dropout 0.4 before the classifier). Names as in Caffe with '/' replaced by '_'. The two auxiliary "
            "training classifiers (loss1, loss2 heads on inception_4a/4d) are omitted: they hold <1% of the "
            "activation bytes and end in their own losses.",
            [3, 224, 224])
    n.conv_relu("conv1_7x7_s2", 64, 7, stride=2, pad=3, relu_name="conv1_relu_7x7")
    n.pool("pool1_3x3_s2", "max", 3, 2, ceil_mode=True)
    n.lrn("pool1_norm1")
    n.conv_relu("conv2_3x3_reduce", 64, 1, relu_name="conv2_relu_3x3_reduce")
    n.conv_relu("conv2_3x3", 192, 3, pad=1, relu_name="conv2_relu_3x3")
    n.lrn("conv2_norm2")
    n.pool("pool2_3x3_s2", "max", 3, 2, ceil_mode=True)

    def inception(tag, c1, r3, c3, r5, c5, pp):
        p = f"inception_{tag}"
        src = n.last
        n.conv(f"{p}_1x1", c1, 1, src=src); b1 = n.relu(f"{p}_relu_1x1")
        n.conv(f"{p}_3x3_reduce", r3, 1, src=src); n.relu(f"{p}_relu_3x3_reduce")
        n.conv(f"{p}_3x3", c3, 3, pad=1); b2 = n.relu(f"{p}_relu_3x3")
        n.conv(f"{p}_5x5_reduce", r5, 1, src=src); n.relu(f"{p}_relu_5x5_reduce")
        n.conv(f"{p}_5x5", c5, 5, pad=2); b3 = n.relu(f"{p}_relu_5x5")
        n.pool(f"{p}_pool", "max", 3, 1, pad=1, src=src)
        n.conv(f"{p}_pool_proj", pp, 1); b4 = n.relu(f"{p}_relu_pool_proj")
        return n.concat(f"{p}_output", [b1, b2, b3, b4])

    inception("3a", 64, 96, 128, 16, 32, 32)
    inception("3b", 128, 128, 192, 32, 96, 64)
    n.pool("pool3_3x3_s2", "max", 3, 2, ceil_mode=True)
    inception("4a", 192, 96, 208, 16, 48, 64)
    inception("4b", 160, 112, 224, 24, 64, 64)
    inception("4c", 128, 128, 256, 24, 64, 64)
    inception("4d", 112, 144, 288, 32, 64, 64)
    inception("4e", 256, 160, 320, 32, 128, 128)
    n.pool("pool4_3x3_s2", "max", 3, 2, ceil_mode=True)
    inception("5a", 256, 160, 320, 32, 128, 128)
    inception("5b", 384, 192, 384, 48, 128, 128)
    n.pool("pool5_7x7_s1", "avg", 7, 1)
    n.dropout("pool5_drop_7x7_s1", 0.4)
    n.fc("loss3_classifier", 1000)
    n.softmax("prob")
    return n


def resnet50():
    n = Net("resnet50",
            "ResNet-50 (He, Zhang, Ren & Sun, CVPR 2016, Table 1), ImageNet 224x224, bottleneck blocks [3,4,6,3] "
            "with projection shortcuts (option B) on the first block of each stage and the stride on the first 1x1 "
            "conv of a block, as in the authors' release. Source of shapes: KaimingHe/deep-residual-networks "
            "ResNet-50-deploy.prototxt (ceil-mode pool1; BatchNorm+Scale pairs given as one batchnorm layer; "
            "names as there, in-place ReLUs named <layer>_relu).",
            [3, 224, 224])
    n.conv("conv1", 64, 7, stride=2, pad=3); n.batchnorm("bn_conv1"); n.relu("conv1_relu")
    n.pool("pool1", "max", 3, 2, ceil_mode=True)
    stages = [(2, 64, 3), (3, 128, 4), (4, 256, 6), (5, 512, 3)]
    for stage, width, blocks in stages:
        for b in range(blocks):
            tag = f"{stage}{chr(ord('a') + b)}"
            src = n.last
            stride = 2 if (b == 0 and stage > 2) else 1
            if b == 0:
                n.conv(f"res{tag}_branch1", width * 4, 1, stride=stride, src=src)
                short = n.batchnorm(f"bn{tag}_branch1")
            else:
                short = src
            n.conv(f"res{tag}_branch2a", width, 1, stride=stride, src=src)
            n.batchnorm(f"bn{tag}_branch2a"); n.relu(f"res{tag}_branch2a_relu")
            n.conv(f"res{tag}_branch2b", width, 3, pad=1)
            n.batchnorm(f"bn{tag}_branch2b"); n.relu(f"res{tag}_branch2b_relu")
            n.conv(f"res{tag}_branch2c", width * 4, 1)
            main = n.batchnorm(f"bn{tag}_branch2c")
            n.add(f"res{tag}", [short, main])
            n.relu(f"res{tag}_relu")
    n.global_avg_pool("pool5")
    n.fc("fc1000", 1000)
    n.softmax("prob")
    return n


NETWORKS = [alexnet, overfeat, nin, vgg16, squeezenet, googlenet, resnet50]


# ----------------------------------------------------------------------------------------------------------------
# Shape checking (independent of the builder: re-derives every "out" from "in" and the parameters)
# ----------------------------------------------------------------------------------------------------------------
def check_network(net):
    """Raises ValueError on the first inconsistency. Returns {layer name: out shape}."""
    shapes = {NETWORK_INPUT: net["input"]}
    prev = NETWORK_INPUT
    for layer in net["layers"]:
        name, typ, li, lo = layer["name"], layer["type"], layer["in"], layer["out"]
        where = f"{net['name']}/{name}"
        if name in shapes:
            raise ValueError(f"{where}: duplicate name")
        srcs = layer.get("inputs", [prev])
        for s in srcs:
            if s not in shapes:
                raise ValueError(f"{where}: input {s} not produced before this layer")
        ins = [shapes[s] for s in srcs]
        if typ in ("concat", "add"):
            if len(srcs) < 2:
                raise ValueError(f"{where}: {typ} needs at least two inputs")
            if typ == "add" and any(s != lo for s in ins):
                raise ValueError(f"{where}: add inputs {ins} != out {lo}")
            if typ == "concat":
                if any(s[1:] != lo[1:] for s in ins) or sum(s[0] for s in ins) != lo[0]:
                    raise ValueError(f"{where}: concat inputs {ins} do not give {lo}")
            if li != lo:
                raise ValueError(f"{where}: {typ} in must equal out")
        else:
            if len(srcs) != 1:
                raise ValueError(f"{where}: {typ} takes one input")
            if typ == "fc":
                if len(li) != 1 or len(lo) != 1 or li[0] != math.prod(ins[0]):
                    raise ValueError(f"{where}: fc in {li} is not the flattened {ins[0]}")
            elif li != ins[0]:
                raise ValueError(f"{where}: in {li} != producer out {ins[0]}")
            if typ == "conv":
                (kh, kw), s, p, g = layer["kernel"], layer["stride"], layer["pad"], layer["groups"]
                exp = [lo[0], conv_out(li[1], kh, s, p), conv_out(li[2], kw, s, p)]
                if lo != exp or li[0] % g or lo[0] % g:
                    raise ValueError(f"{where}: conv out {lo} != {exp}")
            elif typ == "pool":
                (kh, kw), s, p = layer["kernel"], layer["stride"], layer.get("pad", 0)
                cm = layer.get("ceil_mode", False)
                exp = [li[0], pool_out(li[1], kh, s, p, cm), pool_out(li[2], kw, s, p, cm)]
                if lo != exp or layer.get("mode") not in ("max", "avg"):
                    raise ValueError(f"{where}: pool out {lo} != {exp} or bad mode")
            elif typ in ("relu", "lrn", "dropout", "batchnorm", "softmax"):
                if lo != li:
                    raise ValueError(f"{where}: {typ} must keep the shape")
            elif typ != "fc":
                raise ValueError(f"{where}: unknown type {typ}")
        shapes[name] = lo
        prev = name
    return shapes


# ----------------------------------------------------------------------------------------------------------------
# Densities
# ----------------------------------------------------------------------------------------------------------------
# Spatial correlation of the zero/non-zero pattern used by the pooling rule (R-pool) and written as the
# networks' default_clustering. See README ("R-pool") for how it was chosen.
POOL_RHO = 0.75
DEFAULT_CLUSTERING = 0.5
CONV_MAP_CLUSTERING = 0.5
INIT_RELU_DENSITY = 0.5

# Per network: ReLU density profile for the trained ("default") state.
#   first/last: density of the shallowest/deepest conv ReLU; geometric interpolation in conv depth between them.
#   fc: density of ReLUs after fc layers.  class_maps: ReLU over per-class score maps (NiN cccp8, SqueezeNet
#   conv10).  explicit: per-layer values that override the profile (AlexNet: the cDMA paper's measurements).
PROFILES = {
    "alexnet": {"first": 0.49, "last": 0.22, "fc": 0.31,
                "explicit": {"relu1": 0.49, "relu2": 0.36, "relu5": 0.22, "relu7": 0.31}},
    "overfeat": {"first": 0.49, "last": 0.22, "fc": 0.31},
    "nin": {"first": 0.50, "last": 0.15, "class_maps": 0.04},
    "vgg16": {"first": 0.50, "last": 0.10, "fc": 0.20},
    "squeezenet": {"first": 0.50, "last": 0.20, "class_maps": 0.04},
    "googlenet": {"first": 0.50, "last": 0.20},
    "resnet50": {"first": 0.50, "last": 0.25},
}
CLASS_MAP_RELUS = {"nin": ["cccp8_relu"], "squeezenet": ["relu_conv10"]}


def conv_depths(net):
    """Conv depth of every layer: the number of conv/fc layers on the longest path from the input through it."""
    depth = {NETWORK_INPUT: 0}
    prev = NETWORK_INPUT
    for layer in net["layers"]:
        srcs = layer.get("inputs", [prev])
        d = max(depth[s] for s in srcs)
        if layer["type"] in ("conv", "fc"):
            d += 1
        depth[layer["name"]] = d
        prev = layer["name"]
    return depth


def pool_density(d, k_elems, rho):
    """R-pool: a pooled output is zero only if its whole window is zero. With n_eff = 1 + (k-1)(1-rho) effectively
    independent elements in a window of k: d_out = 1 - (1-d)^n_eff (rho = 0 gives the independent upper bound
    1-(1-d)^k, rho = 1 gives d)."""
    n_eff = 1.0 + (k_elems - 1) * (1.0 - rho)
    return 1.0 - (1.0 - d) ** n_eff


def derive_densities(net, phase):
    """Returns ({layer: density}, {layer: rule}) for phase 'trained' or 'init'."""
    prof = PROFILES[net["name"]]
    depth = conv_depths(net)
    conv_layers = [l for l in net["layers"] if l["type"] == "conv"]
    dmin = min(depth[l["name"]] for l in conv_layers)
    dmax = max(depth[l["name"]] for l in conv_layers)
    out, rule = {}, {}
    prev = NETWORK_INPUT
    out[NETWORK_INPUT] = 1.0
    for layer in net["layers"]:
        name, typ = layer["name"], layer["type"]
        srcs = layer.get("inputs", [prev])
        ins = [out[s] for s in srcs]
        if typ in ("conv", "fc", "batchnorm", "add", "softmax"):
            d, r = 1.0, "R-dense"
        elif typ == "relu":
            producer = srcs[0]
            ptype = next(l["type"] for l in net["layers"] if l["name"] == producer) if producer != NETWORK_INPUT \
                else "input"
            if phase == "init":
                d, r = INIT_RELU_DENSITY, "R-init"
            elif name in prof.get("explicit", {}):
                d, r = prof["explicit"][name], "R-paper"
            elif name in CLASS_MAP_RELUS.get(net["name"], []):
                d, r = prof["class_maps"], "R-classmap"
            elif ptype == "fc":
                d, r = prof["fc"], "R-relu-fc"
            else:
                t = 0.0 if dmax == dmin else (depth[name] - dmin) / (dmax - dmin)
                d = prof["first"] * (prof["last"] / prof["first"]) ** t
                r = "R-relu-depth"
            d = min(d, ins[0])
        elif typ == "pool":
            k = layer["kernel"][0] * layer["kernel"][1]
            d, r = pool_density(ins[0], k, POOL_RHO), "R-pool"
        elif typ == "lrn":
            d, r = ins[0], "R-lrn"
        elif typ == "dropout":
            d, r = ins[0] * (1.0 - layer["p"]), "R-dropout"
        elif typ == "concat":
            chans = [next(l for l in net["layers"] if l["name"] == s)["out"][0] for s in srcs]
            d = sum(c * x for c, x in zip(chans, ins)) / sum(chans)
            r = "R-concat"
        else:
            raise ValueError(f"no density rule for {typ}")
        out[name] = round(max(min(d, 1.0), 0.001), 4)
        rule[name] = r
        prev = name
    del out[NETWORK_INPUT]
    return out, rule


def clustering_of(net, dens):
    """R-clustering: zero runs in feature maps (rank-3 outputs) are clustered, in flat fc outputs they are not."""
    return {l["name"]: (CONV_MAP_CLUSTERING if len(l["out"]) == 3 and dens[l["name"]] < 1.0 else 0.0)
            for l in net["layers"]}


def density_doc(net):
    trained, rules = derive_densities(net, "trained")
    init, _ = derive_densities(net, "init")
    prof = PROFILES[net["name"]]
    src = ("Derived by sim/workloads/generate_workloads.py from the rules in sim/workloads/README.md "
           "(R-dense, R-relu-depth, R-relu-fc, R-classmap, R-paper, R-pool, R-lrn, R-dropout, R-concat). ")
    if net["name"] == "alexnet":
        src += ("ReLU anchors are the cDMA paper's (Rhu et al., HPCA 2018 / arXiv 1705.01626) AlexNet "
                "characterisation: conv0 ~49%, conv1 ~36%, conv4 ~22%, fc1 ~31% dense (paper layer numbering from 0: "
                "conv0 = relu1 here, fc1 = relu7); relu3/relu4/relu6 interpolated.")
    else:
        src += (f"Trained-state ReLU profile: {prof['first']} at the first conv ReLU falling geometrically with conv "
                f"depth to {prof['last']} at the deepest" + (f"; fc ReLUs {prof['fc']}" if "fc" in prof else "") +
                (f"; ReLU over class score maps {prof['class_maps']}" if "class_maps" in prof else "") +
                ". Choice and references in sim/workloads/README.md.")
    return {
        "network": net["name"],
        "source": src,
        "phase": "trained (steady state after early training); layers_at_init: random initialisation",
        "default_clustering": DEFAULT_CLUSTERING,
        "layers": trained,
        "layers_at_init": init,
        "clustering": clustering_of(net, trained),
        "rules": rules,
    }


# ----------------------------------------------------------------------------------------------------------------
# Summary
# ----------------------------------------------------------------------------------------------------------------
def zv_ratio(d):
    return 1.0 / (d + 1.0 / 32.0)


def offload_stats(net, dens):
    """Byte-weighted density of (a) the inputs of conv/fc layers (vDNN_conv offload set, with in-place ReLU so a
    conv's input is the post-ReLU/pool map) and (b) the inputs of every layer except ReLUs, whose input buffer is
    their producer's output overwritten in place (vDNN_all). Returns (bytes_a, dens_a, ratio_a, bytes_b, ...)."""
    prev = NETWORK_INPUT
    shapes = {NETWORK_INPUT: net["input"]}
    d_of = dict(dens)
    d_of[NETWORK_INPUT] = 1.0
    res = {}
    for which in ("conv", "all"):
        tot_b = tot_nz = tot_zv = 0.0
        seen = set()
        prev = NETWORK_INPUT
        for layer in net["layers"]:
            srcs = layer.get("inputs", [prev])
            prev = layer["name"]
            shapes[layer["name"]] = layer["out"]
            if which == "conv" and layer["type"] not in ("conv", "fc"):
                continue
            if which == "all" and layer["type"] == "relu":
                continue
            for s in srcs:
                if s in seen:
                    continue
                seen.add(s)
                b = 4.0 * math.prod(shapes[s])
                tot_b += b
                tot_nz += b * d_of[s]
                tot_zv += b / zv_ratio(d_of[s])
        res[which] = (tot_b, tot_nz / tot_b, tot_b / tot_zv)
    # unweighted mean over the offloaded conv/fc inputs (image excluded) of the per-tensor ZV ratio
    prev = NETWORK_INPUT
    ratios = []
    seen = set()
    for layer in net["layers"]:
        srcs = layer.get("inputs", [prev])
        prev = layer["name"]
        if layer["type"] in ("conv", "fc"):
            for s in srcs:
                if s != NETWORK_INPUT and s not in seen:
                    seen.add(s)
                    ratios.append(zv_ratio(d_of[s]))
    res["mean_ratio"] = sum(ratios) / len(ratios)
    return res


def summary(nets, densities):
    print(f"{'network':<11} {'layers':>6} {'MMAC':>7} {'act MB':>7} | {'conv-in MB':>10} {'dens':>5} {'ZV x':>5}"
          f" | {'all-in MB':>9} {'dens':>5} {'ZV x':>5} | {'mean x':>6} {'init':>5} | sparsest (trained)")
    for net in nets:
        macs = 0
        for l in net["layers"]:
            if l["type"] == "conv":
                macs += math.prod(l["out"]) * l["in"][0] // l["groups"] * l["kernel"][0] * l["kernel"][1]
            elif l["type"] == "fc":
                macs += l["in"][0] * l["out"][0]
        act = sum(4 * math.prod(l["out"]) for l in net["layers"]) / 1e6
        d = densities[net["name"]]
        st = offload_stats(net, d["layers"])
        st0 = offload_stats(net, d["layers_at_init"])
        sparsest = min(d["layers"].items(), key=lambda kv: kv[1])
        print(f"{net['name']:<11} {len(net['layers']):>6} {macs / 1e6:>7.0f} {act:>7.1f} | "
              f"{st['conv'][0] / 1e6:>10.1f} {st['conv'][1]:>5.2f} {st['conv'][2]:>5.2f} | "
              f"{st['all'][0] / 1e6:>9.1f} {st['all'][1]:>5.2f} {st['all'][2]:>5.2f} | {st['mean_ratio']:>6.2f} {st0['mean_ratio']:>5.2f} | "
              f"{sparsest[0]} {sparsest[1]}")


# ----------------------------------------------------------------------------------------------------------------
def dump(obj):
    return json.dumps(obj, indent=1) + "\n"


def compact_dump(net):
    """One layer per line: readable diffs and greppable files."""
    lines = ["{",
             f' "name": {json.dumps(net["name"])},',
             f' "description": {json.dumps(net["description"])},',
             f' "input": {json.dumps(net["input"])},',
             ' "layers": [']
    for i, layer in enumerate(net["layers"]):
        lines.append("  " + json.dumps(layer) + ("," if i + 1 < len(net["layers"]) else ""))
    lines += [" ]", "}"]
    return "\n".join(lines) + "\n"


def density_dump(doc):
    lines = ["{"]
    keys = list(doc.keys())
    for i, key in enumerate(keys):
        comma = "," if i + 1 < len(keys) else ""
        val = doc[key]
        if isinstance(val, dict):
            lines.append(f" {json.dumps(key)}: {{")
            items = list(val.items())
            for j, (k, v) in enumerate(items):
                lines.append(f"  {json.dumps(k)}: {json.dumps(v)}" + ("," if j + 1 < len(items) else ""))
            lines.append(" }" + comma)
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(val)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=here)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--summary", action="store_true")
    args = ap.parse_args()

    nets, densities, files = [], {}, {}
    for make in NETWORKS:
        net = make().to_json()
        check_network(net)
        dens = density_doc(net)
        assert set(dens["layers"]) == {l["name"] for l in net["layers"]}
        json.loads(compact_dump(net))
        nets.append(net)
        densities[net["name"]] = dens
        files[os.path.join(args.out, net["name"] + ".json")] = compact_dump(net)
        files[os.path.join(args.out, "densities", net["name"] + ".json")] = density_dump(dens)

    status = 0
    for path, text in files.items():
        if args.check:
            try:
                with open(path) as f:
                    same = f.read() == text
            except OSError:
                same = False
            if not same:
                print(f"out of date: {path}", file=sys.stderr)
                status = 1
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
    if args.summary:
        summary(nets, densities)
    return status


if __name__ == "__main__":
    sys.exit(main())
