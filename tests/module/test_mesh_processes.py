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
import time

import pytest
from extras import need

WORKER = pathlib.Path(__file__).with_name("_mesh_process.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def processes(tmp_path_factory) -> list[dict]:
    """What each of the two processes printed."""
    need("jax")
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu"}
    port = str(free_port())
    # Output goes to files, not pipes: a full pipe nobody reads would stop a process.
    folder = tmp_path_factory.mktemp("processes")
    logs = [(folder / f"{rank}.out", folder / f"{rank}.err") for rank in range(2)]
    started = []
    for rank, (out, err) in enumerate(logs):
        with open(out, "w") as stdout, open(err, "w") as stderr:
            started.append(
                subprocess.Popen([sys.executable, str(WORKER), str(rank), port], stdout=stdout, stderr=stderr, env=env)
            )
    deadline = time.monotonic() + 300
    try:
        # Whichever process fails first fails the test: its peer would wait for it.
        while any(process.poll() is None for process in started) and time.monotonic() < deadline:
            if any(process.returncode not in (None, 0) for process in started):
                break
            time.sleep(0.2)
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            process.wait()
    results = [(out.read_text(), err.read_text()) for out, err in logs]
    for rank, (process, (out, err)) in enumerate(zip(started, results)):
        assert process.returncode == 0, f"process {rank} (killed if still running after 300 s):\n{err[-4000:]}"
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in results]


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


@pytest.mark.slow
def test_state_dict_gathers_members_split_over_both_processes(processes):
    assert all(found["split_spans_processes"] for found in processes)
    assert processes[0]["split_digest"] == processes[1]["split_digest"]
    for found in processes:
        assert found["split_members_rel"] < 1e-13
