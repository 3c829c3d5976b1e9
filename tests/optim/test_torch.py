"""Each optimizer against the torch.optim class of the same name, whose conventions it follows."""

import pytest

from optim import harness
from symmodule.optim import SGD, Adagrad, Adam, AdamW, RMSProp

CASES = {
    "sgd": (
        lambda: SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
        lambda torch, p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
    ),
    "adam": (
        lambda: Adam(0.01, beta1=0.8, epsilon=1e-6, weight_decay=0.1),
        lambda torch, p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.999), eps=1e-6, weight_decay=0.1),
    ),
    "adamw": (
        lambda: AdamW(0.01, weight_decay=0.3),
        lambda torch, p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.3),
    ),
    "rmsprop": (
        lambda: RMSProp(0.01, momentum=0.5, weight_decay=0.1),
        lambda torch, p: torch.optim.RMSprop(p, lr=0.01, momentum=0.5, weight_decay=0.1),
    ),
    "adagrad": (
        lambda: Adagrad(0.1, weight_decay=0.1),
        lambda torch, p: torch.optim.Adagrad(p, lr=0.1, weight_decay=0.1),
    ),
}


@pytest.mark.parametrize("ours, theirs", CASES.values(), ids=CASES.keys())
def test_optimizer_matches_torch_optim(ours, theirs):
    assert harness.worst_error_vs_torch(ours(), theirs) <= 1e-10
