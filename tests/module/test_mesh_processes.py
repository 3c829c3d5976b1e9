"""Two processes, 4 host devices each, train one Module data-parallel over the 8-device mesh they form.

Each runs ``_mesh_process.py`` after ``jax.distributed.initialize`` (a
coordinator on 127.0.0.1, JAX's gloo collectives on the CPU); XLA reduces
the gradients across both processes.
"""

from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys

import pytest
from extras import need

WORKER = pathlib.Path(__file__).with_name("_mesh_process.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def processes() -> list[dict]:
    """What each of the two processes printed."""
    need("jax")
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu"}
    port = str(free_port())
    started = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(rank), port],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for rank in range(2)
    ]
    outputs = []
    try:
        for process in started:
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err[-4000:]
            outputs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()
    return outputs


@pytest.mark.slow
def test_two_processes_form_one_mesh_of_eight_devices(processes):
    assert [(p["process"], p["processes"], p["devices"], p["local_devices"]) for p in processes] == [
        (0, 2, 8, 4),
        (1, 2, 8, 4),
    ]


@pytest.mark.slow
def test_both_processes_end_with_identical_members(processes):
    assert processes[0]["digest"] == processes[1]["digest"]


@pytest.mark.slow
def test_the_two_process_run_gives_the_single_device_members_and_losses(processes):
    for found in processes:
        assert found["loss_fell"]
        assert found["members_rel"] < 1e-13
        assert found["losses_rel"] < 1e-13
