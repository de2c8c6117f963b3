#!/usr/bin/python3
"""PyTorch reference timings for `npm run bench` (a yardstick only: the project never depends on PyTorch).

    /usr/bin/python3 cli/torch-reference.py [--size 256] [--reps 10] [--threads 2]

Times one image at batch 1, eval mode, random weights (nothing is downloaded), on the CPU:
  rd_r18     Reverse Distillation as in the official code: ResNet18 teacher (layer1-3), OCBE (MFF + a
             2-block OCE), mirrored decoder (2 blocks per stage, 2x2 transposed convs), maps 1 - cos at the
             three scales, bilinear upsampling, sum.
  same_arch  this project's architecture: MobileNetV2 cut at block_13_expand (taps block_3/6/13 expand),
             student 48/96/192, embedding 256, one block per decoder stage, maps of scales 2 and 3.
No Gaussian blur in either. Prints one JSON object on stdout: medians (and minima, the figure least
disturbed when other processes share the cores).
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def conv_bn_relu(cin, cout, k, s, relu=True):
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*(layers + [nn.ReLU(inplace=True)] if relu else layers))


class Block(nn.Module):
    """ResNet basic block; `up` makes the first conv and the shortcut 2x2 stride-2 transposed convs."""

    def __init__(self, cin, cout, stride=1, up=False):
        super().__init__()
        if up:
            self.first = nn.Sequential(nn.ConvTranspose2d(cin, cout, 2, 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
            self.shortcut = nn.Sequential(nn.ConvTranspose2d(cin, cout, 2, 2, bias=False), nn.BatchNorm2d(cout))
        else:
            self.first = conv_bn_relu(cin, cout, 3, stride)
            self.shortcut = conv_bn_relu(cin, cout, 1, stride, relu=False) if stride != 1 or cin != cout else None
        self.second = conv_bn_relu(cout, cout, 3, 1, relu=False)

    def forward(self, x):
        y = self.second(self.first(x))
        return F.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


class Student(nn.Module):
    """OCBE + decoder for taps of channels c1, c2, c3 at strides 4/8/16."""

    def __init__(self, taps, widths, embed, blocks):
        super().__init__()
        c1, c2, c3 = taps
        _, w2, w3 = widths
        self.down1 = nn.Sequential(conv_bn_relu(c1, w2, 3, 2), conv_bn_relu(w2, w3, 3, 2))
        self.down2 = conv_bn_relu(c2, w3, 3, 2)
        self.oce = nn.Sequential(Block(2 * w3 + c3, embed, 2), *[Block(embed, embed) for _ in range(blocks - 1)])
        stages, projections, cin = [], [], embed
        for k in (2, 1, 0):
            stages.append(nn.Sequential(Block(cin, widths[k], up=True), *[Block(widths[k], widths[k]) for _ in range(blocks - 1)]))
            projections.append(nn.Conv2d(widths[k], taps[k], 1, bias=False) if widths[k] != taps[k] else nn.Identity())
            cin = widths[k]
        self.stages = nn.ModuleList(stages)
        self.projections = nn.ModuleList(projections)

    def forward(self, t1, t2, t3):
        h = self.oce(torch.cat([self.down1(t1), self.down2(t2), t3], 1))
        outs = []
        for stage, project in zip(self.stages, self.projections):
            h = stage(h)
            outs.append(project(h))
        return outs[::-1]


def anomaly_map(teacher, student, size, scales):
    maps = [1 - F.cosine_similarity(teacher[k], student[k], dim=1).unsqueeze(1) for k in scales]
    return sum(F.interpolate(m, size=(size, size), mode='bilinear', align_corners=False) for m in maps)


class ResNet18Taps(nn.Module):
    def __init__(self):
        super().__init__()
        r = torchvision.models.resnet18(weights=None)
        self.stem = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool)
        self.layer1, self.layer2, self.layer3 = r.layer1, r.layer2, r.layer3

    def forward(self, x):
        t1 = self.layer1(self.stem(x))
        t2 = self.layer2(t1)
        return [t1, t2, self.layer3(t2)]


class MobileNetV2Taps(nn.Module):
    """torchvision's features[k + 1] is Keras' block_k; conv[0] of a block is its expand conv + BN + ReLU6."""

    def __init__(self):
        super().__init__()
        f = torchvision.models.mobilenet_v2(weights=None).features
        self.to3, self.expand3 = f[:4], f[4].conv[0]
        self.to6, self.expand6 = nn.Sequential(*[f[4]] + list(f[5:7])), f[7].conv[0]
        self.to13, self.expand13 = nn.Sequential(*[f[7]] + list(f[8:14])), f[14].conv[0]

    def forward(self, x):
        b3 = self.to3(x)
        b6 = self.to6(b3)
        b13 = self.to13(b6)
        return [self.expand3(b3), self.expand6(b6), self.expand13(b13)]


def time_model(teacher, student, scales, size, reps):
    x = torch.rand(1, 3, size, size)
    teacher.eval()
    student.eval()
    times = []
    with torch.no_grad():
        for i in range(reps + 3):  # three warm-ups
            t0 = time.perf_counter()
            taps = teacher(x)
            anomaly_map(taps, student(*taps), size, scales)
            if i >= 3:
                times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), min(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--size', type=int, default=256)
    p.add_argument('--reps', type=int, default=10)
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    rd, rd_min = time_model(ResNet18Taps(), Student((64, 128, 256), (64, 128, 256), 512, 2), (0, 1, 2), a.size, a.reps)
    same, same_min = time_model(MobileNetV2Taps(), Student((144, 192, 576), (48, 96, 192), 256, 1), (1, 2), a.size, a.reps)
    print(json.dumps({'torch': torch.__version__, 'torchvision': torchvision.__version__, 'threads': torch.get_num_threads(),
                      'size': a.size, 'reps': a.reps, 'rd_r18_ms': rd, 'same_arch_ms': same,
                      'rd_r18_min_ms': rd_min, 'same_arch_min_ms': same_min}))


if __name__ == '__main__':
    main()
