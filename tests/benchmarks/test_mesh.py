"""``python -m benchmarks.mesh --quick`` runs on 8 host devices and writes its table.

Timings are never asserted; the losses of the three instances must agree.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from extras import need

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> str:
    need("jax")
    out = tmp_path_factory.mktemp("mesh") / "mesh.md"
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=8", "JAX_PLATFORMS": "cpu"}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.mesh", "--quick", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return out.read_text(encoding="utf-8")


def rows(text: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith("| instance")
    ]


@pytest.mark.slow
def test_the_mesh_benchmark_measures_one_device_and_two_meshes(table):
    assert [row[0] for row in rows(table)] == [
        "1 device", "8x1 mesh (data)", "4x2 mesh (data x model, weights split)",
    ]


@pytest.mark.slow
def test_the_mesh_benchmark_s_instances_reach_the_same_loss(table):
    losses = [float(row[-1]) for row in rows(table)]
    assert max(losses) - min(losses) < 1e-5 * max(losses)


@pytest.mark.slow
def test_the_mesh_benchmark_says_what_a_cpu_mesh_measures(table):
    assert re.search(r"not a speed-up", table)
    assert "8 x cpu" in table
